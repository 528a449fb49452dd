"""The `newsbot` command line: index, ask, sources, stats, forget (and serve, eval).

Thin: every command builds an `Engine` and prints what it returns, as text or as JSON.
Errors the user can act on are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.cli.context import (
    EXIT_ERROR,
    LOG_FORMAT,
    engine_of,
    fail,
    friendly_errors,
    settings_of,
)
from bot.cli.progress import progress_bar
from bot.cli.render_text import render_answer, render_passages, render_report, render_stats
from bot.cli.slice_options import slice_options, to_slice
from bot.cli.startup import opens_engine, opens_the_engine_first, pause_collector, resume_collector
from bot.cli.terminal import PrintableFormatter, echo
from bot.cli.through_helper import answer_from_helper, keep_warm
from bot.logs import guard_root_handlers
from index.errors import NewsbotError
from index.settings import Settings, load_settings, settings_warnings

log = logging.getLogger("newsbot")

EXIT_SETTINGS = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Say what newsbot does, step by step (-vv: everything, the libraries' debug too).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Ask questions about your news articles and get answers with checked citations.

    Works offline: articles are embedded locally into a Chroma store (NEWSBOT_DATA_DIR, or a
    Chroma server with NEWSBOT_CHROMA_HOST). Settings come from NEWSBOT_* variables and .env.

    \b
    Examples:
      newsbot ask "How many people did the Pakistani strike kill?"
      newsbot index ~/articles corpus.json
      newsbot sources "Iran strikes" --json
    """
    obj = ctx.ensure_object(dict)
    if "settings" in obj:  # run by a warm helper: its client loaded, checked and warned already
        return
    try:
        settings = load_settings()
    except NewsbotError as exc:
        resume_collector()  # paused by main(); a caller that goes on (CliRunner) needs it back
        fail(str(exc), EXIT_SETTINGS, as_json="--json" in obj.get("argv", ()))
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter(LOG_FORMAT))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    if verbose:
        set_verbosity(verbose)
    guard_root_handlers(settings)  # no secret in any record, at any level
    for warning in settings_warnings(settings):
        log.warning(warning)
    obj["settings"] = settings
    if not opens_the_engine_first(cli, ctx, ctx.invoked_subcommand):
        resume_collector()


# The loggers of newsbot's own code; -v opens them wider than the libraries' loggers.
OWN_LOGGERS = ("index", "bot", "newsbot")


def set_verbosity(verbose: int) -> None:
    """-v: what newsbot does, step by step (its own INFO lines, the libraries' stay quiet);
    -vv: everything at DEBUG, the libraries' chatter included."""
    if verbose >= 2:
        logging.getLogger().setLevel("DEBUG")
        return
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel("INFO")


def _run_index(engine: Any, paths: list[Path] | None, prune: bool = True) -> Any:
    update, close = progress_bar()
    try:
        return engine.index(paths, progress=update, prune=prune)
    finally:
        close()


@cli.command()
@opens_engine
@click.argument("paths", nargs=-1)
@click.option(
    "--prune/--no-prune",
    default=True,
    show_default=True,
    help="Remove indexed articles whose files are gone from the given folders.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@friendly_errors
def index(ctx: click.Context, paths: tuple[str, ...], prune: bool, as_json: bool) -> None:
    """Index articles from PATHS (files, folders or http(s) urls of web pages; default:
    NEWSBOT_SOURCES).

    Reads .txt, .md (front matter: title, source, url, published_at, author), .html, .pdf, and
    .json/.jsonl lists of {title, body, source, url, published_at, author, category}.
    Unchanged articles are skipped without re-embedding; changed ones are replaced whole.
    Urls are fetched like `/ingest url:` (public addresses only, NEWSBOT_INGEST_* limits) and
    their article text extracted; each becomes an article with the page's url as its id.
    """
    from bot.cli.url_index import fetch_urls, split_urls

    files, urls = split_urls(paths)
    fetched = fetch_urls(settings_of(ctx), urls, bool(files)) if urls else []
    report = _run_index(engine_of(ctx), [*files, *fetched] or None, prune)
    echo(report.model_dump_json(indent=2) if as_json else render_report(report))
    if report.skipped and not (
        report.added or report.updated or report.unchanged or report.duplicates
    ):
        # Everything given was unreadable: a script must not read that as success.
        if not as_json:
            echo("newsbot: error: nothing was indexed: no file given could be read", err=True)
        sys.exit(EXIT_ERROR)


def _question_command(default_k: str) -> Callable[..., Any]:
    """QUESTION, --json and -k for `ask` and `sources`; `default_k` names the setting that
    decides how many passages when -k is not given."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(fn)
        fn = click.option(
            "-k",
            "k",
            type=click.IntRange(1, 50),
            default=None,
            help=f"How many passages to retrieve (default: {default_k}).",
        )(fn)
        return click.argument("question")(fn)

    return decorate


def _ready_engine(ctx: click.Context, quiet: bool) -> Any:
    """The engine, with the configured sources indexed first if the store is empty."""
    engine = engine_of(ctx)
    sources = ", ".join(str(p) for p in settings_of(ctx).sources)
    update, close = progress_bar()
    try:
        report = engine.ensure_indexed(
            update, lambda: echo(f"The index is empty: indexing {sources} first.", err=True)
        )
    finally:
        close()
    if report is not None and not quiet:
        echo(render_report(report), err=True)
    return engine


def _warn_llm(engine: Any) -> None:
    """In LLM mode: one line on stderr when the backend is unusable (answers fall back)."""
    try:
        engine.check_llm()
    except NewsbotError as exc:  # LLMUnavailable
        echo(f"newsbot: warning: {exc}; answering extractively", err=True)


@cli.command()
@opens_engine
@_question_command("NEWSBOT_ANSWER_PASSAGES, the passages an answer is chosen from")
@slice_options
@click.pass_context
@friendly_errors
def ask(ctx: click.Context, question: str, k: int | None, as_json: bool, **within: Any) -> None:
    """Answer QUESTION from the indexed articles, citing each sentence's source.

    With NEWSBOT_LLM set, the answer is generated by that model and every citation is checked
    (`--json` carries the checks as "verification"). --source, --since and --until answer from
    those articles only; "today", "yesterday", "this week" in a question are read the same way.
    """
    answer_from_helper(ctx)
    engine = engine_of(ctx)
    question = engine.check_question(question)
    if settings_of(ctx).llm != "none":
        _warn_llm(engine)
    answer = _ready_engine(ctx, as_json).ask(question, k=k, within=to_slice(**within))
    echo(answer.model_dump_json(indent=2) if as_json else render_answer(answer))
    keep_warm(ctx)


@cli.command()
@opens_engine
@_question_command("NEWSBOT_TOP_K")
@slice_options
@click.pass_context
@friendly_errors
def sources(ctx: click.Context, question: str, k: int | None, as_json: bool, **within: Any) -> None:
    """Show the passages retrieved for QUESTION, best first (no answer)."""
    answer_from_helper(ctx)
    engine = engine_of(ctx)
    question = engine.check_question(question)
    passages = _ready_engine(ctx, as_json).sources(question, k=k, within=to_slice(**within))
    if as_json:
        payload = {"question": question, "passages": [p.model_dump() for p in passages]}
        echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        echo(render_passages(passages))
    keep_warm(ctx)


@cli.command()
@opens_engine
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
@friendly_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """How many articles and chunks are indexed, where, and when last."""
    result = engine_of(ctx).stats()
    data_dir = str(settings_of(ctx).data_dir.resolve())
    if as_json:
        echo(json.dumps({**result.model_dump(mode="json"), "data_dir": data_dir}, indent=2))
    else:
        echo(f"{render_stats(result)}\ndata folder: {data_dir}")


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the setup: settings, the store, the index's consistency, and the LLM backend
    (NEWSBOT_LLM), one line each.

    Exits 1 when something is unusable.
    """
    settings = settings_of(ctx)
    echo("settings: valid")
    echo(f"data folder: {settings.data_dir.resolve()}")
    ok = _doctor_sources(settings)
    from index.engine import Engine

    try:
        # The store on its own: a broken LLM setup is reported on its own line below.
        engine = Engine(settings.model_copy(update={"llm": "none"}))
        stats = engine.stats()
        echo(f"store: {stats.store}, {stats.articles} articles, {stats.chunks} chunks")
        ok = _doctor_consistency(engine) and ok
    except NewsbotError as exc:
        echo(f"store: error: {exc}")
        ok = False
    except Exception as exc:  # a diagnostic reports what it cannot open, never a traceback
        echo(f"store: error: cannot open it ({exc.__class__.__name__}: {exc})")
        ok = False
    try:
        echo(f"llm: {Engine.check_llm_setup(settings)}")
    except NewsbotError as exc:  # LLMUnavailable
        echo(f"llm: error: {exc}")
        ok = False
    if not ok:
        sys.exit(EXIT_ERROR)


def _doctor_sources(settings: Settings) -> bool:
    """The `sources:` line of doctor; False when a path of NEWSBOT_SOURCES does not exist."""
    missing = [str(p) for p in settings.sources if not p.exists()]
    if missing:
        echo(
            f"sources: error: no such file or directory: {', '.join(missing)} "
            "(NEWSBOT_SOURCES; relative paths are read from the current folder)"
        )
        return False
    echo(f"sources: {', '.join(str(p.resolve()) for p in settings.sources)}")
    return True


_DOCTOR_VECTOR_SAMPLE = 200  # chunks looked up in the vector index: a second or so


def _doctor_consistency(engine: Any) -> bool:
    """The `index:` line of doctor; False when the index is inconsistent."""

    try:
        report = engine.check_consistency(vectors=_DOCTOR_VECTOR_SAMPLE)
    except NewsbotError as exc:  # a damaged store, a full disk: its sentence
        echo(f"index: error: {exc}")
        return False
    except Exception as exc:  # a diagnostic reports what it cannot check, never a traceback
        echo(f"index: error: cannot check consistency ({exc.__class__.__name__}: {exc})")
        return False
    echo(f"index: {report.summary()}")
    return report.ok


@cli.command()
@opens_engine
@click.argument("article")
@click.pass_context
@friendly_errors
def forget(ctx: click.Context, article: str) -> None:
    """Remove one ARTICLE from the index: its url, id, file path, or its title when only one
    article has that title (`newsbot list` shows them)."""
    title = engine_of(ctx).forget(article)
    echo(f"Forgot {title!r}.")


from bot.cli.eval_command import eval_group  # noqa: E402

cli.add_command(eval_group)

from bot.cli.database_command import database_group  # noqa: E402

cli.add_command(database_group)

from bot.cli.serve_command import serve  # noqa: E402

cli.add_command(serve)

from bot.cli.feed_command import feed_group  # noqa: E402
from bot.cli.list_command import list_articles  # noqa: E402

cli.add_command(feed_group)
cli.add_command(list_articles)

from bot.cli.warm_command import warm_group  # noqa: E402

cli.add_command(warm_group)


def main() -> None:
    pause_collector()
    args = sys.argv[1:]
    # The arguments as typed, for `ask` and `sources` to hand to a warm helper.
    obj = {"argv": args}
    if "--json" not in args:
        cli(args, prog_name="newsbot", obj=obj)
        return
    # With --json a usage error (a bad option, a date that is not one) is JSON too.
    try:
        code = cli.main(args, prog_name="newsbot", obj=obj, standalone_mode=False)
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code, as_json=True)
    except click.Abort:
        fail("aborted", EXIT_ERROR, as_json=True)
    sys.exit(code if isinstance(code, int) else 0)
