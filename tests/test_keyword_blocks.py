"""A block holds its postings exactly, whatever the gaps between positions and the counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.store import bm25_blocks

_GAPS = st.lists(st.integers(1, 2**31 // 4096), min_size=1, max_size=300)


@given(start=st.integers(1, 2**20), gaps=_GAPS, tfs=st.data())
def test_a_block_decodes_to_the_postings_encoded(start: int, gaps: list[int], tfs) -> None:
    pos = start + np.cumsum([0, *gaps[1:]], dtype=np.int64)
    tf = np.asarray(
        tfs.draw(st.lists(st.integers(1, 70_000), min_size=len(pos), max_size=len(pos)))
    )
    got_pos, got_tf = bm25_blocks.decode(int(pos[0]), len(pos), bm25_blocks.encode(pos, tf))
    assert got_pos.tolist() == pos.tolist() and got_tf.tolist() == tf.tolist()


def test_a_common_term_costs_about_three_bytes_a_posting() -> None:
    pos = np.arange(1, 200_001, 3, dtype=np.int64)
    tf = np.ones(len(pos), dtype=np.int64)
    assert len(bm25_blocks.encode(pos, tf)) <= 3 * len(pos) + 2
