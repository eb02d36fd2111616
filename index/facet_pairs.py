"""Counting a facet's values over many documents, from its (document, value) pairs in value order.

Both engines keep each facet as (document, value code) pairs in numpy arrays.  For a few matching
documents, gathering their pairs is cheapest; once a query matches a good share of the archive, one pass
over every pair, ordered by value, summing each value's matching documents, costs the same for any
number of matches (2 ms for 430,000 actor pairs at 100,000 articles, where gathering the pairs of 80,000
matches took 4.5 ms, and selecting them from all pairs by a mask 4-10 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MANY_MATCHES = 4  # the pass over all pairs pays once a query matches more than 1/4 of the documents


@dataclass(frozen=True)
class PairsByValue:
    """A facet's pairs ordered by value: each pair's document, and where the pairs of each value that has
    any start."""

    documents: np.ndarray  # intp, one per pair
    starts: np.ndarray  # intp, strictly increasing: one per value with pairs
    present: np.ndarray  # the codes of those values
    values: int  # how many value codes there are, with pairs or not

    @classmethod
    def of(cls, documents: np.ndarray, codes: np.ndarray, values: int) -> PairsByValue:
        """From pairs in any order (``codes`` in ``range(values)``): a sort of every pair, ~30 ms for 430,000."""
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(values))
        present = np.flatnonzero(np.diff(starts, append=len(codes)) > 0)
        return cls(documents[order].astype(np.intp, copy=False), starts[present], present, values)

    def counts(self, matched: np.ndarray) -> np.ndarray:
        """How many documents of the boolean mask ``matched`` have each value code."""
        counts = np.zeros(self.values, dtype=np.int64)
        if len(self.documents):
            counts[self.present] = np.add.reduceat(matched.view(np.uint8)[self.documents], self.starts, dtype=np.int64)
        return counts
