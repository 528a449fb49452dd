"""Hostile input to the Discord bot: questions and article text full of mentions, markdown,
code fences, zero-width, control and RTL characters (property-based on the renderers, a few end
to end through the fake Discord), `/ingest url:` against private addresses and redirects,
attachment names that try to leave the uploads folder, admin commands granted to everyone, and
secrets in logs and output."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import discord
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.discord.client import NewsBot
from bot.discord.fetch import Upload, fetch_url, safe_name
from bot.discord.render import (
    MESSAGE_LIMIT,
    NO_MENTIONS,
    Part,
    answer_parts,
    citations_text,
    passages_text,
    report_text,
    split_message,
)
from bot.discord.replies import Refused
from index.engine import Engine
from index.ingest.url_guard import address_problem, parse_ip
from index.results import Answer, Citation, IndexReport, Passage, SkippedFile
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord, FakeMessage
from tests.test_discord_bot import assert_no_pings
from tests.test_discord_serve import NEWSBOT, child_env

NASTY = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "@123456789012345678",
    "```",
    "```py\n",
    "\n```\n",
    "`",
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\x00",
    "\x1b[31m",
    "\x07",
    "\r\n",
    "\\",
    "*",
    "_",
    "~~",
    "||",
    "> ",
    "# ",
    "-# ",
    "[click](https://evil.example)",
    "https://evil.example/@everyone",
    "\n\n",
    " ",
    "مرحبا",
    "👩‍👩‍👧‍👦",
]
FENCE_LINE = re.compile(r"^\s*```", re.M)
PING = re.compile(r"@(everyone|here)|<@[!&]?\d{17,20}>|@[!&]?\d{17,20}")
nasty_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(NASTY)), max_size=120).map(
    "".join
)
long_nasty_text = st.lists(
    st.one_of(st.text(min_size=1, max_size=200), st.sampled_from(NASTY)), min_size=20, max_size=200
).map("".join)
HUNDRED_KB = ("@everyone ```py\n<@&123456789012345678> \u202e\u200b" + "word " * 20 + "\n") * 1000


def assert_fits_and_pings_no_one(text: str) -> None:
    assert len(text) <= MESSAGE_LIMIT
    assert not PING.search(text), PING.search(text)


def assert_embed_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    fields = data.get("fields", [])
    assert len(fields) <= 25
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += len(data.get("footer", {}).get("text", ""))
    for f in fields:
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
        assert not PING.search(f["name"]) and not PING.search(f["value"])
        total += len(f["name"]) + len(f["value"])
    assert total <= 6000


def check_parts(parts: list[Part]) -> None:
    assert parts
    for part in parts:
        assert part.content.strip()
        assert_fits_and_pings_no_one(part.content)
        assert len(part.embeds) <= 10
        for embed in part.embeds:
            assert_embed_within_limits(embed)


def make_answer(text: str, title: str, quote: str, *, refused: bool, n: int) -> Answer:
    citations = [
        Citation(
            n=i + 1,
            doc_id=f"d{i}",
            title=title,
            source=quote[:30],
            url="https://example.com/a" if i % 2 else "",
            published_at="2024-01-18",
            quote=quote,
            passage=f"{title} {quote} {text[:500]}",
            start=0,
            end=len(quote),
        )
        for i in range(n)
    ]
    closest = [
        Passage(
            rank=i + 1, chunk_id=f"c{i}", doc_id=f"d{i}", title=title, text=quote, start=0, end=1
        )
        for i in range(n)
    ]
    return Answer(
        question=text[:3000],
        answer=text,
        refused=refused,
        citations=[] if refused else citations,
        closest=closest if refused else [],
    )


def test_the_sender_never_allows_mentions() -> None:
    assert NO_MENTIONS.to_dict() == {"parse": []}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(nasty_text, long_nasty_text),
    title=nasty_text,
    quote=nasty_text,
    refused=st.booleans(),
    n=st.integers(0, 30),
)
@example(text=HUNDRED_KB, title=HUNDRED_KB[:5000], quote=HUNDRED_KB, refused=False, n=30)
@example(text=HUNDRED_KB, title="@here", quote="```", refused=True, n=30)
def test_answers_fit_discord_and_ping_no_one(
    text: str, title: str, quote: str, refused: bool, n: int
) -> None:
    answer = make_answer(text, title, quote, refused=refused, n=n)
    for show_question in (False, True):
        check_parts(answer_parts(answer, show_question=show_question))
    for chunk in split_message(citations_text(answer)):
        assert_fits_and_pings_no_one(chunk)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(nasty_text, long_nasty_text), heading=nasty_text)
@example(text=HUNDRED_KB, heading="@everyone")
def test_passage_listings_and_reports_fit_and_ping_no_one(text: str, heading: str) -> None:
    passages = [
        Passage(rank=1, chunk_id="c", doc_id="d", title=text[:300], text=text, start=0, end=1)
    ]
    for chunk in split_message(passages_text(passages)):
        assert_fits_and_pings_no_one(chunk)
    report = IndexReport(skipped=[SkippedFile(path=heading or "x", reason=text)] * 12)
    assert_fits_and_pings_no_one(report_text(report))


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(nasty_text, long_nasty_text))
@example(text=HUNDRED_KB)
@example(text="```py\n" + "x = 1\n" * 2000)
def test_split_message_keeps_fences_closed_and_parts_short(text: str) -> None:
    parts = split_message(text)
    for part in parts:
        assert len(part) <= MESSAGE_LIMIT and part.strip()
    for part in parts[:-1]:  # a part cut from a longer text never leaves a code fence open
        assert len(FENCE_LINE.findall(part)) % 2 == 0, part


# Article urls as feedparser keeps them (spaces and ">" included): each tries to close the <url>
# wrapper or to start a masked link of its own after the real url.
HOSTILE_URLS = [
    "https://news.example/b [Verify your Discord account](https://evil.example/login)",
    "https://news.example/b> [Verify your Discord account](https://evil.example/login)",
    "https://news.example/b>[Verify](https://evil.example/login)",
    "https://news.example/b\n[Verify](<https://evil.example/login>)",
    "https://news.example/<@123456789012345678>/@everyone",
    "https://news.example/b)](https://evil.example/login) ||x|| `y` **z**",
    "javascript:alert(1) [Verify](https://evil.example/login)",
    "[Verify](https://evil.example/login)",
]
# A masked link Discord would render: [text](http...) with neither bracket escaped.
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(<?https?:", re.S)
WRAPPED = re.compile(r"<(https?://[^>]*)>")


def assert_links_inert(text: str) -> None:
    assert not MASKED_LINK.search(text), text
    for url in WRAPPED.findall(text):  # a link shown in full, nothing after it inside it
        assert not re.search(r"[\s<>\[\]]", url), url


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_article_urls_cannot_inject_masked_links(url: str) -> None:
    answer = make_answer(
        "The harbour reopened [1].", "Harbour", "The harbour reopened.", refused=False, n=1
    )
    answer.citations[0].url = url
    refused = make_answer("No answer.", "Harbour", "The harbour reopened.", refused=True, n=1)
    refused.closest[0].url = url
    for parts in (answer_parts(answer), answer_parts(refused)):
        check_parts(parts)
        for part in parts:
            assert_links_inert(part.content)
            for embed in part.embeds:
                for f in embed.to_dict().get("fields", []):
                    assert_links_inert(f["value"])
    for text in (citations_text(answer), citations_text(refused), passages_text(refused.closest)):
        assert_links_inert(text)
        assert "news.example/b" in text or not url.startswith("https://news.example/b")


# --- end to end through the fake Discord -------------------------------------------------------

HOSTILE_QUESTION = (
    "@everyone @here <@&123456789012345678> \u202eHow many\u200b people ```py\n"
    "import os``` did the **Pakistani** strike \x00kill?\u200f ||spoiler|| -# small"
)


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    engine = make_engine()
    engine.index()
    return engine


def test_hostile_questions_end_to_end(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        msg = await fake.send_message(HOSTILE_QUESTION, mentions_bot=True)
        reply = await fake.wait_for_reply(msg, timeout=15)
        assert_no_pings(reply)
        assert_fits_and_pings_no_one(reply.content)

        handle = await fake.slash("ask", {"question": HOSTILE_QUESTION})
        answer = await handle.wait_edit(timeout=15)
        assert_no_pings(answer)
        assert_fits_and_pings_no_one(answer.content)
        assert answer.content.startswith("> **@\u200beveryone @\u200bhere")  # quoted, inert

        huge = await fake.send_message(HUNDRED_KB, mentions_bot=True)
        refused = await fake.wait_for_reply(huge, timeout=15)
        assert "too long" in refused.content and len(refused.content) <= MESSAGE_LIMIT
        assert_no_pings(refused)
        sources = await fake.slash("sources", {"question": HOSTILE_QUESTION[:300]})
        shown = await sources.wait_edit(timeout=15)
        assert_no_pings(shown)
        assert_fits_and_pings_no_one(shown.content)

        ok = await fake.send_message(
            "How many people did the Pakistani strike kill?", mentions_bot=True
        )
        assert "nine" in (await fake.wait_for_reply(ok, timeout=15)).content
        assert fake.errors == []

    run_scenario(engine, scenario)


def test_admin_commands_refused_to_members_and_uploads_stay_in_the_folder(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        # a server that granted every admin command to everyone: still refused
        for name, values, attachments in (
            ("reindex", {}, None),
            ("stats", {}, None),
            ("forget", {"article": "Pakistan strikes targets in Iran"}, None),
            ("ingest", {"url": "https://example.com/a.html"}, None),
            ("ingest", {}, {"file": ("a.md", b"# A\n\nSome text about a harbour.")}),
        ):
            handle = await fake.slash(
                name, values, user=fake.member, attachments=attachments, bypass_permissions=True
            )
            refused: FakeMessage = await handle.wait_message()
            assert refused.ephemeral and "Manage Server" in refused.content, name
        assert await fake.autocomplete("forget", {"article": "pak"}, user=fake.member) == []
        assert engine.stats().articles == 1

        uploads = bot.settings.data_dir / "uploads"
        names = ("../../etc/passwd.md", "..\\..\\evil.md", "/etc/cron.d/x.md", ".hidden.md")
        for i, name in enumerate(names):
            article = f"# Lake report {i}\n\nThe lake level fell by {i + 2} metres this summer."
            # the CDN url stays plain (Discord's would); the file name is the hostile part
            attachment = {**fake.attachment("a.md", article.encode()), "filename": name}
            handle = await fake.slash("ingest", user=fake.admin, attachments={"file": attachment})
            assert "Added **Lake report" in (await handle.wait_edit(timeout=20)).content
        files = sorted(p.name for p in uploads.iterdir())
        assert files == ["evil.md", "hidden.md", "passwd.md", "x.md"]
        assert not (bot.settings.data_dir.parent / "etc").exists()
        assert engine.stats().articles == 5
        metadata = await fake.slash(
            "ingest", {"url": "http://169.254.169.254/latest/meta-data/"}, user=fake.admin
        )
        assert "not a public address" in (await metadata.wait_edit()).content
        assert engine.stats().articles == 5
        ok = await fake.send_message(
            "How many people did the Pakistani strike kill?", mentions_bot=True
        )
        assert "nine" in (await fake.wait_for_reply(ok, timeout=15)).content

    run_scenario(engine, scenario, timeout=60)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.md", "..\\..\\x.md", "/abs/path.md", "a/../../b.md", "....md", "\x00.md"],
)
def test_upload_names_cannot_escape_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "data" / "uploads"
    upload = Upload(folder, name, b"text")
    assert upload.path.parent == folder.resolve()
    assert safe_name(name) == upload.path.name and "/" not in upload.path.name


# --- /ingest url: -----------------------------------------------------------------------------


@asynccontextmanager
async def web_server(handlers: dict[str, web.StreamResponse]) -> AsyncIterator[str]:
    """A small site on 127.0.0.1: path -> a fixed response (or a handler)."""
    app = web.Application()
    for path, handler in handlers.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


PAGE = b"<html><head><title>Harbour</title></head><body><p>The harbour reopened.</p></body></html>"


def site_handlers(port_box: list[int]) -> dict[str, web.StreamResponse]:
    def redirect(location: Callable[[], str]):  # noqa: ANN202
        async def handler(request: web.Request) -> web.Response:
            raise web.HTTPFound(location())

        return handler

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n" * 10, content_type="image/png")

    async def big(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await resp.prepare(request)
        for _ in range(100):
            await resp.write(b"x" * 65536)
        return resp

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return web.Response(body=PAGE, content_type="text/html")

    port = lambda: port_box[0]  # noqa: E731
    return {
        "/page.html": page,
        "/image.png": image,
        "/big.txt": big,
        "/slow.html": slow,
        "/to-metadata": redirect(lambda: "http://169.254.169.254/latest/meta-data/"),
        "/to-private": redirect(lambda: "http://10.0.0.1/admin"),
        "/to-localhost": redirect(lambda: f"http://localhost:{port()}/page.html"),
        "/to-file": redirect(lambda: "file:///etc/passwd"),
        "/to-page": redirect(lambda: "/page.html"),
        "/loop": redirect(lambda: "/loop"),
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/page.html", "loopback address 127.0.0.1"),
        ("http://127.1/page.html", "loopback address 127.0.0.1"),  # short forms: the address
        ("http://2130706433:{port}/page.html", "loopback address 127.0.0.1"),
        ("http://0177.0.0.1:{port}/", "loopback address 127.0.0.1"),
        ("http://10.1/", "private address 10.0.0.1"),
        ("http://10.0.0.1/page.html", "private address 10.0.0.1"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"),
        ("http://[::1]:{port}/page.html", "loopback address ::1"),
        ("http://[::ffff:127.0.0.1]:{port}/", "loopback address 127.0.0.1"),
        ("http://[fd00:ec2::254]/latest/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0:{port}/", "unspecified"),
        ("http://100.64.0.1/", "not public"),
        ("http://224.0.0.1/", "multicast"),
        ("http://localhost:{port}/page.html", "localhost resolves to loopback"),
        ("ftp://example.com/a.txt", "not an http(s) url"),
        ("file:///etc/passwd", "not an http(s) url"),
        ("javascript:alert(1)", "not an http(s) url"),
        ("gopher://127.0.0.1:70/", "not an http(s) url"),
    ],
)
def test_ingest_url_refuses_non_public_addresses(url: str, reason: str) -> None:
    async def main() -> None:
        box: list[int] = [0]
        async with web_server(site_handlers(box)) as root:
            box[0] = int(root.rsplit(":", 1)[1])
            with pytest.raises(Refused) as refused:
                await fetch_url(url.format(port=box[0]), 1_000_000, 5)
            assert reason in str(refused.value), str(refused.value)

    asyncio.run(main())


def test_ingest_url_checks_every_redirect_and_its_limits() -> None:
    async def main() -> None:
        box: list[int] = [0]
        async with web_server(site_handlers(box)) as root:
            box[0] = int(root.rsplit(":", 1)[1])
            allowed = ["127.0.0.1"]

            async def refused(path: str, limit: int = 1_000_000, timeout: float = 5) -> str:
                with pytest.raises(Refused) as info:
                    await fetch_url(root + path, limit, timeout, allowed)
                return str(info.value)

            name, data = await fetch_url(root + "/page.html", 1_000_000, 5, allowed)
            assert re.fullmatch(r"127\.0\.0\.1-page-[0-9a-f]{12}\.json", name), name
            record = json.loads(data)
            assert (
                record["body"] == "The harbour reopened." and record["url"] == root + "/page.html"
            )
            assert await fetch_url(root + "/to-page", 1_000_000, 5, allowed) == (name, data)
            assert "link-local (cloud metadata) address 169.254.169.254" in await refused(
                "/to-metadata"
            )
            assert "private address 10.0.0.1" in await refused("/to-private")
            # 127.0.0.1 allowed admits the names that resolve to it (issue 30)
            _, data = await fetch_url(root + "/to-localhost", 1_000_000, 5, allowed)
            assert json.loads(data)["body"] == "The harbour reopened."
            assert "not an http(s) url" in await refused("/to-file")
            assert "redirects more than 5 times" in await refused("/loop")
            assert "is image/png, not an article" in await refused("/image.png")
            assert "larger than the limit of 100,000 bytes" in await refused("/big.txt", 100_000)
            assert "did not answer within 0.5 s" in await refused("/slow.html", timeout=0.5)
            # listed hosts are allowed, by name too
            both = [*allowed, "LOCALHOST"]
            _, data = await fetch_url(root + "/to-localhost", 1_000_000, 5, both)
            assert json.loads(data)["body"] == "The harbour reopened."

    asyncio.run(main())


STORY = (
    "<html><head><title>{title}</title></head><body><article><p>{text}</p></article></body></html>"
)
GENUINE = "The harbour reopened on Monday after repairs that cost 4 million euros."


def test_ingest_url_keeps_one_file_per_article_and_claims_only_its_own_site(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """`/ingest url:` of two pages with the same last path segment keeps both; the same url
    again replaces its own file; a page or an article list at a url cannot take the url of an
    article on another site (`localhost:PORT` is another host than `127.0.0.1:PORT`)."""
    from tests.feed_site import feed_site

    engine = make_engine(ingest_allowed_hosts=["127.0.0.1", "localhost"])
    with feed_site() as site:
        r, port = site.root, site.root.rsplit(":", 1)[1]
        genuine = f"http://localhost:{port}/a"
        article = {"title": "Harbour reopens", "body": GENUINE, "url": genuine}
        (tmp_path / "genuine.json").write_text(json.dumps(article))
        engine.index([tmp_path / "genuine.json"], prune=False)
        for month, text in (("jan", "January rain flooded the quay."), ("feb", "February ice.")):
            site.put(f"/{month}/story.html", STORY.format(title=f"{month} story", text=text))
        canonical = f'<link rel="canonical" href="{genuine}">'
        site.put(
            "/canon.html",
            STORY.format(
                title="Harbour reopens", text="The harbour stays shut until 2030."
            ).replace("<head>", f"<head>{canonical}"),
        )
        false = {"title": "Harbour reopens", "body": "The harbour shut until 2030.", "url": genuine}
        own = {**false, "url": f"{r}/own", "body": "The ferry timetable changes in May."}
        site.put("/claims.json", json.dumps([false, own]), "application/json")
        alone = {**false, "body": "The harbour is sold to a casino."}
        site.put("/claim.json", json.dumps(alone), "application/json")

        async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
            await fake.wait_for_sync()

            async def ingest(path: str) -> str:
                handle = await fake.slash("ingest", {"url": r + path}, user=fake.admin)
                return (await handle.wait_edit(timeout=20)).content

            assert "Added **jan story**" in await ingest("/jan/story.html")
            assert "Added **feb story**" in await ingest("/feb/story.html")
            site.put("/jan/story.html", STORY.format(title="jan story", text="January snow."))
            assert "Updated **jan story**" in await ingest("/jan/story.html")
            for path in ("/canon.html", "/claims.json", "/claim.json"):
                assert "Added" in await ingest(path), path

        run_scenario(engine, scenario, timeout=90)
    uploads = sorted((engine.settings.data_dir / "uploads").iterdir())
    assert len(uploads) == 5, uploads  # jan, feb, canon, claims, claim: one file each
    bodies = {i: engine.article_body(i) or "" for i in engine.store.articles()}
    assert bodies[genuine] == GENUINE  # still the genuine article, under its url
    assert f"{r}/jan/story.html" in bodies and f"{r}/feb/story.html" in bodies
    assert "January snow." in bodies[f"{r}/jan/story.html"]
    assert bodies[f"{r}/canon.html"].endswith("2030.") and f"{r}/claim.json" in bodies
    assert f"{r}/own" in bodies  # a list's article may claim a url of the site it came from
    assert len(bodies) == 7, sorted(bodies)


def test_address_checks_cover_mapped_and_6to4_addresses() -> None:
    for address in ("::ffff:10.0.0.1", "2002:a9fe:a9fe::1", "::", "::ffff:169.254.169.254"):
        parsed = parse_ip(address)
        assert parsed is not None and address_problem(parsed), address
    for address in ("93.184.216.34", "2606:4700::1111", "[2606:4700::1111]"):
        parsed = parse_ip(address)
        assert parsed is not None and address_problem(parsed) is None, address


# --- secrets ----------------------------------------------------------------------------------

DISCORD_SECRET = "discord-token-7f3a9c-never-shown"
API_SECRET = "sk-api-key-c41e2b-never-shown"


def test_token_and_api_key_never_appear_in_output_or_logs(tmp_path: Path) -> None:
    from tests.fakes.llm_servers import FakeLLMServer, Reply

    llm = FakeLLMServer(script=[Reply("The strike killed nine people [1].")]).start()
    try:

        async def main() -> list[str]:
            outputs: list[str] = []
            async with FakeDiscord() as fake:
                env = child_env(
                    tmp_path,
                    fake,
                    NEWSBOT_DISCORD_TOKEN=DISCORD_SECRET,  # not the fake's token: rejected
                    NEWSBOT_LLM="openai-compatible",
                    NEWSBOT_LLM_BASE_URL=llm.openai_url,
                    NEWSBOT_LLM_MODEL="fake",
                    NEWSBOT_LLM_API_KEY=API_SECRET,
                    NEWSBOT_LOG_LEVEL="DEBUG",
                )
                for args in (
                    ["ask", "How many people did the Pakistani strike kill?", "--json"],
                    ["doctor"],
                    ["serve"],
                ):
                    proc = await asyncio.create_subprocess_exec(
                        NEWSBOT,
                        *args,
                        env=env,
                        cwd=tmp_path,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                    )
                    out, err = await asyncio.wait_for(proc.communicate(), 120)
                    outputs.append(f"{args}\n{out.decode()}\n{err.decode()}")
                    if args[0] == "ask":
                        assert proc.returncode == 0, outputs[-1]
                        assert json.loads(out)["answer"]
                    if args[0] == "serve":
                        assert proc.returncode == 2 and "rejected" in err.decode(), outputs[-1]
            return outputs

        outputs = asyncio.run(main())
    finally:
        llm.stop()
    assert llm.requests  # the key was in use
    for output in outputs:
        assert DISCORD_SECRET not in output and API_SECRET not in output, output
        assert "Traceback" not in output
