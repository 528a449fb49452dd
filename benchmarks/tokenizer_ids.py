"""Token ids of the tokenizer newsbot ships (index/models/) against another tokenizer.json, on
real texts: the seeds, the test articles, the news set and MultiHop-RAG's corpus, each
paragraph one text.

    python benchmarks/tokenizer_ids.py [--other tokenizer.json] [--vocab vocab.txt] \\
        [--multihop corpus.json]

--other defaults to the original model folder's tokenizer.json (the fp32 reference the `dev`
extra installs). --vocab also compares a tokenizer built from a BERT vocab.txt with
`tokenizers`' BertWordPieceTokenizer (the route of building it from a vocab file). Prints how
many texts and tokens were compared and how many texts differ, with and without the 256-token
truncation the embedder applies.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.embedding import MAX_TOKENS, default_tokenizer_path  # noqa: E402

MULTIHOP = ROOT.parent / "shared" / "eval" / "multihop-rag" / "corpus.json"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def texts(multihop: Path) -> Iterator[tuple[str, str]]:
    """(where, text) for every paragraph of the project's articles and the MultiHop corpus."""
    for folder in ("seeds", "tests/articles", "benchmarks/news-set/articles"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".md", ".txt", ".html"}:
                for p in paragraphs(path.read_text(encoding="utf-8", errors="replace")):
                    yield folder, p
    if multihop.is_file():
        for article in json.loads(multihop.read_text(encoding="utf-8")):
            for p in paragraphs(article.get("body", "")):
                yield "multihop-rag", p


def loaded(path: Path, truncate: bool) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    if truncate:
        tok.enable_truncation(MAX_TOKENS)
    else:
        tok.no_truncation()
    return tok


def from_vocab(vocab: Path, truncate: bool) -> Tokenizer:
    from tokenizers.implementations import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(str(vocab), lowercase=True)
    if truncate:
        tok.enable_truncation(MAX_TOKENS)
    return tok._tokenizer  # type: ignore[attr-defined]


def compare(ours: Tokenizer, other: Tokenizer, corpus: list[str]) -> dict[str, int]:
    a = ours.encode_batch(corpus)
    b = other.encode_batch(corpus)
    differ = sum(x.ids != y.ids for x, y in zip(a, b, strict=True))
    return {"texts": len(corpus), "tokens": sum(len(x.ids) for x in a), "texts_differing": differ}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", type=Path, default=None, help="another tokenizer.json")
    parser.add_argument("--vocab", type=Path, default=None, help="a vocab.txt to build one from")
    parser.add_argument("--multihop", type=Path, default=MULTIHOP, help="MultiHop-RAG corpus.json")
    args = parser.parse_args(argv)
    if args.other is None:
        from tests.reference_minilm import model_dir

        args.other = model_dir() / "tokenizer.json"
    corpus = [t for _, t in texts(args.multihop)]
    report: dict[str, object] = {"ours": str(default_tokenizer_path()), "other": str(args.other)}
    for truncate in (False, True):
        ours = loaded(default_tokenizer_path(), truncate)
        key = f"truncated_{MAX_TOKENS}" if truncate else "whole"
        report[key] = compare(ours, loaded(args.other, truncate), corpus)
        if args.vocab is not None:
            report[f"{key}_from_vocab"] = compare(ours, from_vocab(args.vocab, truncate), corpus)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
