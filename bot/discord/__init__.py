"""The Discord front end (`newsbot serve`): the engine in front of a team's channels."""
