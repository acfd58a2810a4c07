"""Python's garbage collector, told to pass less often where it walks tens of thousands of
rows for nothing: ranking a digest's candidates makes no reference cycles, and the
collector's full passes, walking every live row, took a third of its time on a year of
history. Imports nothing heavy: the CLI uses it before a reading command's imports.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FEWER_PASSES = (50_000, 20, 100)  # Python's are (700, 10, 10)


@contextmanager
def collecting_less() -> Iterator[None]:
    """FEWER_PASSES meanwhile; the thresholds before it restored after."""
    before = gc.get_threshold()
    gc.set_threshold(*FEWER_PASSES)
    try:
        yield
    finally:
        gc.set_threshold(*before)
