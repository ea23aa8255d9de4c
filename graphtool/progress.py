"""The one progress display: a rich bar on stderr when it is a terminal, nothing when piped.

Long steps (import, analyze, coordination, copies, maps, schedule run) open a
:func:`progress_bar` and add one task per unit of work, with a total where it is known, or
count a run's named steps with :func:`steps`::

    with progress_bar(show) as bar:
        task = bar.task("sketching", total=len(articles), unit="articles")
        task.advance(len(batch))

``show=None`` means "when stderr is a terminal"; ``False`` keeps it quiet (tests, the demo).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def _count_column():
    """``1,234/5,000 rows`` with a total, ``1,234 rows`` without (rich imported only for a shown display:
    a tenth of a CPU second of every command's start-up)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task) -> Text:
            unit = task.fields.get("unit", "")
            done = f"{int(task.completed):,}"
            text = f"{done}/{int(task.total):,}" if task.total is not None else done
            return Text(f"{text} {unit}".rstrip())

    return Count()


class _Hidden:
    """The display when it is not shown: every call a no-op."""

    def add_task(self, *args, **fields) -> int:
        return 0

    def advance(self, *args) -> None:
        pass

    def update(self, *args, **fields) -> None:
        pass


class Task:
    """One line of the display."""

    def __init__(self, progress: Progress, task_id: TaskID):
        self._progress, self._id = progress, task_id

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._id, n)

    def describe(self, text: str) -> None:
        self._progress.update(self._id, description=text)

    def total(self, total: int | None) -> None:
        self._progress.update(self._id, total=total)


class Bar:
    """What :func:`progress_bar` yields: :meth:`task` adds a line."""

    def __init__(self, progress: Progress):
        self._progress = progress

    def task(self, description: str, total: int | None = None, unit: str = "") -> Task:
        return Task(self._progress, self._progress.add_task(description, total=total, unit=unit))


def showing(show: bool | None) -> bool:
    """``show``, or whether stderr is a terminal when it is None."""
    return sys.stderr.isatty() if show is None else bool(show)


@contextmanager
def progress_bar(show: bool | None = None) -> Iterator[Bar]:
    """A transient progress display on stderr; disabled (every call a no-op) unless :func:`showing`."""
    if not showing(show):
        yield Bar(_Hidden())
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), _count_column(),
                        console=Console(stderr=True), transient=True)
    with progress:
        yield Bar(progress)


@contextmanager
def steps(show: bool | None, name: str, total: int) -> Iterator[Callable[[str], None]]:
    """One progress line counting the ``total`` steps of a run; yields ``step(description)``.

    Each call to ``step`` finishes the step before and names the one starting.
    """
    with progress_bar(show) as bar:
        task = bar.task(name, total=total, unit="steps")
        started = False

        def step(text: str) -> None:
            nonlocal started
            if started:
                task.advance()
            started = True
            task.describe(text)

        yield step
        task.advance()
