"""Chroma's multi-tenant addressing against a real `chroma run` on 127.0.0.1: a tenant and
database of one's own, one sentence when either does not exist, `newsbot database create`, two
databases on one server keeping their articles apart, and a token through a proxy that checks it
(as a secured Chroma 1.x server is deployed), never printed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from index.engine import Engine, keyword_folder
from index.settings import load_settings, settings_warnings
from index.store.chroma_server import AccessDenied, NoSuchPlace
from tests.conftest import ROOT, CountingEmbedder
from tests.test_cli import run
from tests.token_proxy import TokenProxy

ARTICLES = ROOT / "tests" / "articles"
TOKEN = "Zq9tenancyTOKEN-s3cret"


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns() % 10**9}"


def server_env(host: str, port: int, **more: str) -> dict[str, str]:
    return {
        "NEWSBOT_CHROMA_HOST": host,
        "NEWSBOT_CHROMA_PORT": str(port),
        "NEWSBOT_EMBEDDING_THREADS": "1",
        **more,
    }


def test_a_missing_database_or_tenant_is_one_sentence_and_nothing_is_created(
    chroma_server: tuple[str, int], tmp_path: Path
) -> None:
    host, port = chroma_server
    database = unique("nodb")
    out = run("stats", cwd=tmp_path, env=server_env(host, port, NEWSBOT_CHROMA_DATABASE=database))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert f"has no database '{database}' in tenant 'default_tenant'" in out.stderr
    assert "newsbot database create" in out.stderr

    tenant = unique("notenant")
    out = run(
        "ask", "anything?", cwd=tmp_path, env=server_env(host, port, NEWSBOT_CHROMA_TENANT=tenant)
    )
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert f"has no tenant '{tenant}' (NEWSBOT_CHROMA_TENANT)" in out.stderr

    # Asking did not create either: the same sentence again.
    out = run("stats", cwd=tmp_path, env=server_env(host, port, NEWSBOT_CHROMA_DATABASE=database))
    assert "has no database" in out.stderr


def test_database_create_makes_tenant_and_database_once(
    chroma_server: tuple[str, int], tmp_path: Path
) -> None:
    host, port = chroma_server
    env = server_env(
        host, port, NEWSBOT_CHROMA_TENANT=unique("team"), NEWSBOT_CHROMA_DATABASE="newsroom"
    )
    out = run("database", "create", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "Created tenant" in out.stdout and "database newsroom" in out.stdout
    again = run("database", "create", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "Nothing to do" in again.stdout
    stats = run("stats", cwd=tmp_path, env=env)
    assert stats.returncode == 0, stats.stderr
    assert "database newsroom" in stats.stdout


def test_database_create_without_a_server_says_so(tmp_path: Path) -> None:
    out = run("database", "create", cwd=tmp_path)
    assert out.returncode == 1 and "NEWSBOT_CHROMA_HOST is not set" in out.stderr


def test_two_databases_on_one_server_keep_their_articles_apart(
    chroma_server: tuple[str, int], tmp_path: Path, embedder: CountingEmbedder
) -> None:
    host, port = chroma_server
    tenant = unique("desk")
    engines = {}
    for database, article in (("sports", "ferry.md"), ("culture", "lighthouse.md")):
        settings = load_settings(
            data_dir=tmp_path / "data",  # one data folder: the keyword indexes must not mix
            chroma_host=host,
            chroma_port=port,
            chroma_tenant=tenant,
            chroma_database=database,
            collection="newsbot",  # the same collection name in both
            sources=[ARTICLES / article],
        )
        if database == "sports":
            from index.store.chroma_server import create_place

            assert create_place(settings) == [f"tenant {tenant}", "database sports"]
        else:
            assert create_place(settings) == ["database culture"]
        engines[database] = Engine(settings, embedder=embedder)
        engines[database].index()
    try:
        titles = {db: {t for _, t in e.list_articles()} for db, e in engines.items()}
        assert titles["sports"] == {"Ferry service to the islands resumes after storm"}
        assert titles["culture"] == {"Harbour lighthouse to be repainted this autumn"}
        for db, engine in engines.items():
            found = engine.sources("When will the lighthouse be repainted?")
            assert {p.title for p in found} <= titles[db]
        folders = {keyword_folder(e.settings) for e in engines.values()}
        assert len(folders) == 2
        assert engines["culture"].stats().store.endswith(f"(tenant {tenant}, database culture)")
    finally:
        for engine in engines.values():
            engine.close()


@pytest.mark.parametrize("header", ["x-chroma-token", "authorization"])
def test_a_token_reaches_a_secured_server_and_is_never_printed(
    chroma_server: tuple[str, int], tmp_path: Path, header: str
) -> None:
    host, port = chroma_server
    sent = TOKEN if header == "x-chroma-token" else f"Bearer {TOKEN}"
    with TokenProxy(f"http://{host}:{port}", header, sent) as proxy:
        env = server_env(
            host,
            proxy.port,
            NEWSBOT_COLLECTION=unique("secured"),
            NEWSBOT_SOURCES=str(ARTICLES / "ferry.md"),
            NEWSBOT_CHROMA_TOKEN_HEADER=header,
        )
        without = run("stats", cwd=tmp_path, env=env)
        assert without.returncode == 1 and without.stderr.count("\n") == 1
        assert "wants a token (HTTP 401)" in without.stderr

        wrong = run("-vv", "stats", cwd=tmp_path, env={**env, "NEWSBOT_CHROMA_TOKEN": "nope-x"})
        assert wrong.returncode == 1 and "refused the token (HTTP 401)" in wrong.stderr
        assert "nope-x" not in wrong.stderr + wrong.stdout

        env["NEWSBOT_CHROMA_TOKEN"] = TOKEN
        for args in (("-vv", "index"), ("doctor",)):
            out = run(*args, cwd=tmp_path, env=env)
            assert out.returncode == 0, (args, out.stderr)
            assert TOKEN not in out.stdout + out.stderr
        assert "1 articles" in run("stats", cwd=tmp_path, env=env).stdout


def test_engine_errors_are_the_store_errors_the_front_ends_catch(
    chroma_server: tuple[str, int], tmp_path: Path, embedder: CountingEmbedder
) -> None:
    host, port = chroma_server
    base = {"data_dir": tmp_path, "chroma_host": host, "chroma_port": port}
    with pytest.raises(NoSuchPlace):
        Engine(load_settings(**base, chroma_database=unique("gone")), embedder=embedder)
    with TokenProxy(f"http://{host}:{port}", "x-chroma-token", TOKEN) as proxy:
        with pytest.raises(AccessDenied) as caught:
            Engine(
                load_settings(**{**base, "chroma_port": proxy.port}, chroma_token="wrong-token"),
                embedder=embedder,
            )
        assert "wrong-token" not in str(caught.value)


def test_server_settings_without_a_server_are_a_warning(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, chroma_database="newsroom", chroma_token="t0k")
    warnings = settings_warnings(settings, environ={})
    assert any(
        "NEWSBOT_CHROMA_DATABASE and NEWSBOT_CHROMA_TOKEN apply to a Chroma server" in w
        for w in warnings
    )
    assert not any("t0k" in w for w in warnings)
