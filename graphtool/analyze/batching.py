"""The one batching helper of the store layers: ``UNWIND $ids`` / ``UNWIND $rows`` in bounded pieces."""
from __future__ import annotations

from typing import Iterator, Sequence, TypeVar

T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items.

    >>> [list(b) for b in batches([1, 2, 3, 4, 5], 2)]
    [[1, 2], [3, 4], [5]]
    """
    for i in range(0, len(items), size):
        yield items[i:i + size]
