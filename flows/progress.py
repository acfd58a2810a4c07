"""A night's progress, for whoever listens: the CLI on a terminal, nobody otherwise.

The flow and its tasks call `report`; with no listener it does nothing, so a scheduled
run, a pipe or a log file stays quiet. Listeners are per process: tasks run in threads
of the process that started the flow, and so do the listeners' callbacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

Listener = Callable[[str, int, int | None], None]

STAGES = {
    "sources": "sources fetched",
    "articles": "articles extracted",
    "analysed": "articles analysed",
    "digests": "digests written",
}

_listeners: list[Listener] = []
_lock = threading.Lock()


def report(stage: str, advance: int = 0, total: int | None = None) -> None:
    """`advance` more of `stage` done; `total`, when known, is how many there will be."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(stage, advance, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


@contextmanager
def terminal_progress(console: Console) -> Iterator[Progress]:
    """One rich progress bar per stage while the body runs, drawn on `console`."""
    # Imported here: the progress bars alone cost `tipsheet digest` a tenth of its start-up.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    ids: dict[str, int] = {}
    lock = threading.Lock()

    def on_report(stage: str, advance: int, total: int | None) -> None:
        with lock:
            if stage not in ids:
                ids[stage] = bars.add_task(STAGES.get(stage, stage), total=total)
            elif total is not None:
                bars.update(ids[stage], total=total)
            bars.advance(ids[stage], advance)

    with bars, listening(on_report):
        yield bars
