"""A reader's vocabulary of news: the words that name the same thing a question asks about
("how many did the strike kill" is answered by "a death toll of nine"), the nouns that count
people, tallies that count whatever is asked, and the titles news gives a role ("Justice Helena
Marrow" for "which judge"). Knowledge a reader brings, not fitted to any benchmark; stemmed once.
"""

from __future__ import annotations

from index.text import stem

PEOPLE = frozenset(
    "people person persons residents passengers runners workers staff employees pupils students "
    "patients children adults fans spectators visitors members councillors officers players "
    "athletes families households customers users voters men women victims survivors "
    "participants volunteers swimmers competitors teachers nurses doctors firefighters "
    "evacuees".split()
)
TALLIES = frozenset("toll total number tally count figure headcount".split())
SYNONYMS = {
    "job": ("position", "role", "post", "worker", "employe", "staff"),
    "home": ("hous", "properti", "dwell", "household"),
    "visit": ("admiss", "attend"),
}

# Words news uses for the same thing a question asks about ("how many did the strike kill" is
# answered by "a death toll of nine"): a reader's knowledge, stemmed once.
SAME_THING = (
    "kill killed dead death deaths died die toll fatal fatalities lives",
    "injure injured injury injuries hurt wounded hospital treated treatment",
    "cost costs price budget budgeted spend spent estimate bill worth valued value",
    "start started begin began begun launch launched commence commenced kick",
    "end ended finish finished close closed closing complete completed shut shuts",
    "open opens opened opening reopen reopens reopened reopening",
    "plan plans planned schedule scheduled pencilled",
    "win won winner victory beat champion",
    "approve approved pass passed back backed vote voted endorse",
    "reject rejected oppose opposed against vote voted",
    "evacuate evacuated evacuees leave ordered homes displaced",
    "arrest arrested detain detained custody charged",
    "buy bought acquire acquired purchase purchased takeover",
    "sell sold sale sales",
    "build built construct construction constructed",
    "cut cuts reduce reduced lower lowered drop dropped fall fell",
    "rise rose raise raised increase increased up grow grew",
    "lead led head headed run chief director",
    "pay paid contribute contribution fund funded funding grant",
    "write wrote written author authored prepare prepared compile compiled draft drafted",
)  # fmt: skip
ALTERNATIVES: dict[str, frozenset[str]] = {}
for group in SAME_THING:
    stems_ = frozenset(stem(w) for w in group.split())
    for word in stems_:
        ALTERNATIVES[word] = ALTERNATIVES.get(word, frozenset()) | stems_


# A channel's words for what news writes otherwise: "kids" are the "children" or "pupils" of a
# story, the "boss" its chief executive.
CHAT_WORDS = {
    "kids": "child children pupil pupils",  # "kid" stems the same
    "boss": "chief executive head", "jail": "prison jailed imprisoned", "cops": "police",
}  # fmt: skip
# Words for things of one kind that are different things: a figure for the men's race, the
# electricity charge, the second bid or the treatment group is no answer about the women's, the
# gas charge, the first bid or the placebo group.
SIBLINGS = (  # each "|" parts one thing from another; words within a part are one thing
    "men male | women female", "boys | girls", "gas | electricity",
    "first | second | third | fourth | fifth", "favour | against", "placebo | treatment",
    "car cars | lorry lorries | van vans | bus buses", "home | away",
    "import imports | export exports", "adult adults | child children kid kids",
    "singles | doubles", "domestic | international",
)  # fmt: skip
# Words for the same role, as news writes them ("Justice Helena Marrow" for "which judge").
ROLE_GROUPS = (
    "judge justice magistrate", "barrister lawyer counsel solicitor kc qc",
    "councillor councilor alderman member", "ceo chief executive boss",
    "author writer researcher scientist", "coach manager", "chair chairman chairwoman chairperson",
    "spokesman spokeswoman spokesperson", "minister secretary", "director head",
    "company firm business operator group maker", "owner proprietor",
)  # fmt: skip
ROLE_WORDS = {
    stem(w): {stem(x) for x in group.split()} for group in ROLE_GROUPS for w in group.split()
}
# Words a question uses about when or how surely, not about what happened: "now expected to
# open", "originally budgeted", "in the end", "look at". Not predicate words (`slots.py`); the
# qualifiers among them are read as qualifiers (`asks.py`).
LIGHT_WORDS = frozenset(
    stem(w)
    for w in "expect expected now originally initially end final finally look actually actual "
    "currently still exactly due according".split()
)
