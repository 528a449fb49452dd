"""`newsbot eval multihop`: the MultiHop-RAG retrieval benchmark, ours beside llama-index's default.

Thin like the rest of the CLI: options in, `bot.evaluation.suite.evaluate` does the work.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.context import fail
from bot.cli.terminal import echo
from index.errors import NewsbotError
from index.settings import PROJECT_ROOT

DEFAULT_DATA = Path("../shared/eval/multihop-rag")


def _data_dir(given: Path) -> Path:
    """`--data` as given; the default also works from outside the project root."""
    if given.is_dir() or given != DEFAULT_DATA:
        return given
    return (PROJECT_ROOT / DEFAULT_DATA).resolve()


@click.group("eval")
def eval_group() -> None:
    """Measure answer and retrieval quality on benchmarks."""


@eval_group.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder with corpus.json and MultiHopRAG.json.",
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="dev",
    show_default=True,
    help="Questions at even (dev) or odd (test) positions, or all.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Only the first N questions (the whole corpus is still indexed: see --articles).",
)
@click.option(
    "--articles",
    type=click.IntRange(1),
    default=None,
    help="Only the first N articles and the questions they answer (a quick slice, for CI).",
)
@click.option("-k", "k", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--no-baseline", is_flag=True, help="Skip the llama-index default baseline.")
@click.option(
    "--retrievals",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write our top k per question here, in upstream's format.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def multihop(
    data: Path,
    split: str,
    limit: int | None,
    articles: int | None,
    k: int,
    no_baseline: bool,
    retrievals: Path | None,
    as_json: bool,
) -> None:
    """Run MultiHop-RAG: index its corpus, answer each question, score retrieval as upstream does
    and the answers a reader gets (named answer found, facts quoted, refusals, untrue citations).

    The corpus goes into its own collections under NEWSBOT_DATA_DIR/eval (never the index you
    ask questions of) and is reused while it is unchanged: the first run of the whole corpus
    embeds it for minutes, with a progress line every tenth. Prints ours beside llama-index's
    default (VectorStoreIndex, 1024/200 splitter).
    """
    from bot.evaluation.report import render
    from bot.evaluation.suite import evaluate

    data = _data_dir(data)
    if not (data / "corpus.json").is_file() or not (data / "MultiHopRAG.json").is_file():
        fail(f"no MultiHop-RAG data in {data}", as_json=as_json)
    if limit is not None and articles is None:
        echo(
            f"--limit {limit}: the first {limit} questions, over the whole corpus (indexed once, "
            "then reused); --articles N answers from the first N articles only",
            err=True,
        )
    try:
        report = evaluate(
            data,
            split=split,  # type: ignore[arg-type]
            limit=limit,
            articles=articles,
            k=k,
            baseline=not no_baseline,
            retrievals=retrievals,
            progress=lambda msg: echo(msg, err=True),
        )
    except NewsbotError as exc:
        fail(str(exc), as_json=as_json)
    echo(json.dumps(report, indent=2) if as_json else render(report))


NEWS_SET = PROJECT_ROOT / "benchmarks" / "news-set"


@eval_group.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    default=NEWS_SET,
    show_default="benchmarks/news-set",
    help="Folder with articles/ and questions.jsonl.",
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="dev",
    show_default=True,
    help="Questions about the dev stories (for tuning) or the test stories (for reporting).",
)
@click.option(
    "--answers",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Score these answers (JSON lines: `ask --json` output plus the question's id) "
    "instead of asking.",
)
@click.option(
    "--save-answers",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write every answer here, as JSON lines.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def news(
    data: Path, split: str, answers: Path | None, save_answers: Path | None, as_json: bool
) -> None:
    """Run the news set: short articles in several house styles and the questions a team
    channel asks (who, when, where, how many, how much, which, what happened, yes or no), a
    third of them near misses whose fact no article states.

    Scores what a reader gets: answers with the expected fact, lead precision and coverage by
    question type, near misses refused, yes/no verdicts. The articles go into their own store
    under NEWSBOT_DATA_DIR/eval, reused while unchanged.
    """
    from bot.evaluation.news_scores import render
    from bot.evaluation.news_suite import evaluate_news, score_answers

    if not (data / "questions.jsonl").is_file():
        fail(f"no news set in {data} (questions.jsonl missing)", as_json=as_json)
    try:
        if answers is not None:
            report = score_answers(data, split, answers)  # type: ignore[arg-type]
        else:
            report = evaluate_news(
                data,
                split,  # type: ignore[arg-type]
                answers_out=save_answers,
                progress=lambda msg: echo(msg, err=True),
            )
    except NewsbotError as exc:
        fail(str(exc), as_json=as_json)
    echo(json.dumps(report, indent=2) if as_json else render(report))
