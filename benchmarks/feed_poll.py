"""What a poll of unchanged feeds costs, beside the first poll of the same feeds, in one run.

    python benchmarks/feed_poll.py [--polls 20]

Three feeds (RSS 2.0, Atom, RSS 1.0) with four article pages are served by a real HTTP server
on 127.0.0.1 (allow-listed); a fresh index in a temporary folder. The first poll fetches the
feeds and pages and embeds the articles; every later poll finds the feeds unchanged: the
requests the server saw (path, status) and the wall time per poll are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.engine import Engine  # noqa: E402
from index.ingest.feed_list import Feed, FeedList  # noqa: E402
from index.ingest.feed_poll import poll_feeds  # noqa: E402
from index.settings import load_settings  # noqa: E402
from tests.feed_site import PAGES, atom, feed_site, rdf, rss  # noqa: E402


def serve_feeds(site) -> None:  # noqa: ANN001
    r = site.root
    for page in ("harbour", "chipmaker", "drought", "liveblog"):
        site.put(f"/{page}", (PAGES / f"{page}.html").read_text())
    items = [
        ("Harbour", f"{r}/harbour", "Fri, 27 Nov 2026 08:15:00 GMT", "Council"),
        ("Drought", f"{r}/drought", "Sat, 28 Nov 2026 05:00:00 GMT", "Water"),
    ]
    site.put("/rss.xml", rss(items), "application/rss+xml")
    chip = [("Voltera", f"{r}/chipmaker", "2026-11-26T10:00:00Z", "Jobs")]
    site.put("/atom.xml", atom(chip), "application/atom+xml")
    site.put("/rdf.xml", rdf([("Storm", f"{r}/liveblog", "Storm")]), "application/rdf+xml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=20, help="unchanged polls timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, feed_site() as site:
        serve_feeds(site)
        settings = load_settings(
            data_dir=Path(tmp), sources=[Path(tmp) / "none"], ingest_allowed_hosts=["127.0.0.1"]
        )
        engine = Engine(settings)
        with FeedList(settings.data_dir).changing() as current:
            for name in ("rss", "atom", "rdf"):
                current.feeds.append(Feed(url=f"{site.root}/{name}.xml", name=name))
        started = time.perf_counter()
        first = poll_feeds(engine)
        seconds = time.perf_counter() - started
        print(f"first poll: {seconds:.2f} s, {first.added} articles added, requests:")
        print(f"  {dict(Counter(site.statuses))}")
        site.reset_counts()
        times = []
        for _ in range(args.polls):
            started = time.perf_counter()
            report = poll_feeds(engine)
            times.append(time.perf_counter() - started)
            assert report.added == 0 and report.index is None
        per_poll = Counter(site.statuses)
        print(
            f"unchanged poll (x{args.polls}): median {statistics.median(times) * 1000:.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}), requests per poll:"
        )
        print(f"  { {k: v / args.polls for k, v in per_poll.items()} }")
        engine.close()


if __name__ == "__main__":
    main()
