"""Article extraction, compared: what each HTML loader keeps of the article and of the page's
clutter (menus, cookie banners, related-article lists, comments), on the real-shaped pages in
benchmarks/extraction_pages/.

    python benchmarks/extraction.py            # a table
    python benchmarks/extraction.py --json     # the same, for scripts

"kept" is how many of the article's paragraphs survive (by a phrase from each), "clutter" how
many of the page's non-article phrases leak into the text, "meta" how many of title, author and
date are right.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from index.ingest.html_text import extract_article
from index.ingest.page_text import extract_page

PAGES = Path(__file__).parent / "extraction_pages"

# page -> (article phrases, clutter phrases, (title, author, date))
EXPECTED: dict[str, tuple[list[str], list[str], tuple[str, str, str]]] = {
    "harbour.html": (
        [
            "voted 23 to 14",
            "two deep-water berths",
            "eelgrass meadows",
            "Jonas Berg, chair",
            "We are not against jobs",
            "employ about 900 people",
        ],
        [
            "We use cookies",
            "Sign up for our free newsletter",
            "Share on Facebook",
            "Ferry operator cuts winter timetable",
            "Herring stocks at their lowest",
            "Typical council",
            "Finally some good news",
            "All rights reserved",
            "Manage preferences",
        ],
        ("Harbour expansion approved after two-year fight", "Maria Lindqvist", "2026-11-27"),
    ),
    "chipmaker.html": (
        [
            "cut 1,200 jobs, about nine percent",
            "assembly line in Dresden",
            "fell 18 percent",
            "recover in the second half of 2027",
            "rose 4 percent in Frankfurt",
        ],
        [
            "This site uses cookies",
            "Log in",
            "Subscribe to TechLedger Pro",
            "Why the AI server boom",
            "Five startups that want",
            "Saw this coming",
            "Villach will be next",
            "quiet death of the smart speaker",
            "Imprint",
        ],
        ("Chipmaker Voltera to cut 1,200 jobs as demand slumps", "Peter Aldana", "2026-11-26"),
    ),
    "drought.html": (
        [
            "19 percent of their capacity",
            "160 litres per person",
            "46 percent below the long-term average",
            "ban on new golf courses",
            "back above 35 percent",
        ],
        [
            "BREAKING: Parliament",
            "You have read 3 of 5",
            "This simple trick",
            "Celebrities who moved",
            "Advertise",
        ],
        ("Drought forces water limits in three provinces", "Sofia Reyes", "2026-11-28"),
    ),
    "liveblog.html": (
        [
            "gusts of up to 140 kilometres",
            "restored electricity to 12,000 homes",
            "lorry overturned on a bridge",
            "red warning in place until midday",
        ],
        [
            "Cookies help us deliver",
            "Front page",
            "Local band wins",
            "cinnamon bun",
            "Stay safe everyone",
            "Copyright 2026",
            "Share this:",
        ],
        ("Storm Ingrid: trains cancelled, 40,000 homes without power", "", "2026-11-29"),
    ),
}

Extractor = Callable[[str], tuple[dict[str, str], str]]
EXTRACTORS: dict[str, Extractor] = {
    "html_text (bs4, before)": extract_article,
    "trafilatura (page_text, now)": extract_page,
}


def score(extract: Extractor, name: str) -> dict[str, object]:
    article, clutter, (title, author, date) = EXPECTED[name]
    meta, body = extract((PAGES / name).read_text())
    text = f"{meta.get('title', '')}\n{body}"
    lost = [p for p in article if p not in body]
    leaked = [p for p in clutter if p in text]
    right = [
        meta.get("title", "") == title,
        meta.get("author", "") == author,
        meta.get("published_at", "")[:10] == date,
    ]
    return {
        "kept": len(article) - len(lost),
        "of": len(article),
        "clutter": len(leaked),
        "clutter_of": len(clutter),
        "meta": sum(right),
        "lost": lost,
        "leaked": leaked,
    }


def main() -> None:
    results = {e: {p: score(fn, p) for p in EXPECTED} for e, fn in EXTRACTORS.items()}
    if "--json" in sys.argv:
        json.dump(results, sys.stdout, indent=2)
        return
    for extractor, pages in results.items():
        print(extractor)
        for page, r in pages.items():
            print(
                f"  {page:15} article kept {r['kept']}/{r['of']}, clutter leaked "
                f"{r['clutter']}/{r['clutter_of']}, meta {r['meta']}/3"
                + (f"; lost {r['lost']}" if r["lost"] else "")
                + (f"; leaked {r['leaked']}" if r["leaked"] else "")
            )


if __name__ == "__main__":
    main()
