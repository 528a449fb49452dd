"""The feed, `index URL`, `list` and `forget TITLE` commands, as a user runs them, against a real
HTTP server on 127.0.0.1 (allow-listed through NEWSBOT_INGEST_ALLOWED_HOSTS)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.feed_site import PAGES, atom, feed_site
from tests.test_cli import run


def test_feed_commands_end_to_end(tmp_path: Path) -> None:
    env = {"NEWSBOT_DATA_DIR": str(tmp_path / "data"), "NEWSBOT_INGEST_ALLOWED_HOSTS": "127.0.0.1"}
    with feed_site() as site:
        r = site.root
        site.put("/chipmaker", (PAGES / "chipmaker.html").read_text())
        chip = ("Voltera cuts jobs", f"{r}/chipmaker", "2026-11-26T10:00:00Z", "1,200 jobs")
        site.put("/atom.xml", atom([chip]), "application/atom+xml")
        site.put("/not-a-feed", "<html><body><p>Hello</p></body></html>")

        added = run("feed", "add", f"{r}/atom.xml", cwd=tmp_path, env=env)
        assert added.returncode == 0, added.stderr
        assert "Following 'techledger' (TechLedger)" in added.stdout
        again = run("feed", "add", f"{r}/atom.xml", cwd=tmp_path, env=env)
        assert again.returncode == 1 and "already following" in again.stderr
        bad = run("feed", "add", f"{r}/not-a-feed", cwd=tmp_path, env=env)
        assert bad.returncode == 1 and "is not an RSS or Atom feed" in bad.stderr
        private = run("feed", "add", "http://10.0.0.1/rss", cwd=tmp_path, env=env)
        assert private.returncode == 1 and "private address 10.0.0.1" in private.stderr

        polled = run("feed", "poll", cwd=tmp_path, env=env)
        assert polled.returncode == 0, polled.stderr
        assert "techledger: 1 articles added or updated\n  + Voltera cuts jobs" in polled.stdout
        assert "nothing new" in run("feed", "poll", cwd=tmp_path, env=env).stdout
        listed = run("feed", "list", cwd=tmp_path, env=env).stdout
        assert "techledger" in listed and "1 articles added" in listed

        page = run("index", f"{r}/chipmaker-copy", f"{r}/nowhere", cwd=tmp_path, env=env)
        assert page.returncode == 1 and "answered 404" in page.stderr
        site.put("/drought", (PAGES / "drought.html").read_text())
        page = run("index", f"{r}/drought", cwd=tmp_path, env=env)
        assert page.returncode == 0, page.stderr

    articles = json.loads(run("list", "--json", cwd=tmp_path, env=env).stdout)
    assert [a["title"] for a in articles] == [
        "Drought forces water limits in three provinces",
        "Voltera cuts jobs",
    ]
    assert articles[0]["id"] == f"{r}/drought" and articles[0]["source"] == "Daily Meridian"
    from_feed = run("list", "--feed", "techledger", cwd=tmp_path, env=env).stdout
    assert "Voltera cuts jobs" in from_feed and "Drought" not in from_feed
    since = run("list", "--since", "2026-11-27", cwd=tmp_path, env=env).stdout
    assert "Drought" in since and "Voltera" not in since
    assert "not a date" in run("list", "--since", "soon", cwd=tmp_path, env=env).stderr
    assert (
        "Daily Meridian" in run("list", "--source", "daily meridian", cwd=tmp_path, env=env).stdout
    )

    forgot = run("forget", "Voltera cuts jobs", cwd=tmp_path, env=env)
    assert forgot.returncode == 0 and "Forgot 'Voltera cuts jobs'" in forgot.stdout
    removed = run("feed", "remove", "techledger", cwd=tmp_path, env=env)
    # Its one article was forgotten above: none stays (it once said "its 1 articles stay").
    assert removed.returncode == 0, removed.stderr
    assert "none of the articles it brought is indexed now" in removed.stdout
    assert "No feeds followed yet" in run("feed", "list", cwd=tmp_path, env=env).stdout
    missing = run("feed", "remove", "techledger", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "no followed feed" in missing.stderr


def test_a_refused_local_url_names_the_setting_that_allows_it(tmp_path: Path) -> None:
    """`newsbot index http://127.0.0.1:…` is refused with the setting to change, and an
    address allowed there also admits a name that resolves to it (localhost)."""
    env = {"NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    with feed_site() as site:
        site.put("/drought", (PAGES / "drought.html").read_text())
        refused = run("index", f"{site.root}/drought", cwd=tmp_path, env=env)
        assert refused.returncode == 1
        assert "NEWSBOT_INGEST_ALLOWED_HOSTS" in refused.stderr, refused.stderr
        allowed = {**env, "NEWSBOT_INGEST_ALLOWED_HOSTS": "127.0.0.1"}
        by_name = site.root.replace("127.0.0.1", "localhost")
        named = run("index", f"{by_name}/drought", cwd=tmp_path, env=allowed)
        assert named.returncode == 0, named.stderr
        assert "1 added" in named.stdout


def test_a_url_of_another_scheme_is_named_as_a_url(tmp_path: Path) -> None:
    result = run(
        "index", "ftp://example.com/x", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert "'ftp://example.com/x' is not an http(s) url" in result.stderr, result.stderr
    assert "no such file" not in result.stderr
