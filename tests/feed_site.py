"""A real HTTP server on 127.0.0.1 serving feeds and article pages for the feed tests: answers
conditional GETs (ETag) with 304, counts every request and its status, and can be told to fail
or to redirect."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "benchmarks" / "extraction_pages"


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}  # path -> (content type, body)
        self.failing: set[str] = set()
        self.redirects: dict[str, str] = {}  # path -> Location (a 302)
        self.requests: Counter[str] = Counter()
        self.statuses: list[tuple[str, int]] = []
        self.root = ""

    def put(self, path: str, body: str, content_type: str = "text/html") -> None:
        self.routes[path] = (content_type, body.encode())

    def reset_counts(self) -> None:
        self.requests.clear()
        self.statuses.clear()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.requests[self.path] += 1
            if self.path in site.redirects:
                site.statuses.append((self.path, 302))
                self.send_response(302)
                self.send_header("Location", site.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if self.path in site.failing or self.path not in site.routes:
                return self._answer(500 if self.path in site.failing else 404, b"", "text/plain")
            content_type, body = site.routes[self.path]
            etag = f'"{hashlib.sha1(body).hexdigest()[:12]}"'
            if self.headers.get("If-None-Match") == etag:
                return self._answer(304, b"", content_type)  # no ETag again, as many servers
            return self._answer(200, body, content_type, etag)

        def _answer(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
            site.statuses.append((self.path, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def feed_site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.root = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def rss(items: list[tuple[str, str, str, str]]) -> str:
    """RSS 2.0: items of (title, link, pubDate, summary)."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{d}</pubDate><description>{s}</description></item>"
        for t, link, d, s in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Coastline Courier</title>'
        f"<link>https://courier.example.com/</link><description>News</description>{body}"
        "</channel></rss>"
    )


def atom(entries: list[tuple[str, str, str, str]]) -> str:
    """Atom: entries of (title, link, updated, summary)."""
    body = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id>'
        f"<updated>{u}</updated><summary>{s}</summary></entry>"
        for t, link, u, s in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>TechLedger</title><id>urn:techledger</id><updated>2026-11-26T10:00:00Z</updated>"
        f"{body}</feed>"
    )


def rdf(items: list[tuple[str, str, str]]) -> str:
    """RSS 1.0 (RDF): items of (title, link, summary)."""
    body = "".join(
        f'<item rdf:about="{link}"><title>{t}</title><link>{link}</link>'
        f"<description>{s}</description><dc:date>2026-11-29T07:30:00Z</dc:date></item>"
        for t, link, s in items
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="urn:northern"><title>Northern Post</title><link>https://np.example/'
        f"</link><description>Local</description></channel>{body}</rdf:RDF>"
    )
