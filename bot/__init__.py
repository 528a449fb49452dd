"""The front ends: the newsbot command line and the Discord bot. Thin: they call index/."""
