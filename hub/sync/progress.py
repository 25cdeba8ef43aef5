"""How a sync run reports progress: a ``rich`` bar with counts and rate on a terminal, log lines otherwise.

A run calls ``start(phase, total)``, then ``advance(n)`` as items complete, then ``finish()``;
``LogProgress`` writes one line per advance (a batch of invoices, an order updated), which is what a
scheduler's log wants; ``RichProgress`` draws ``creating invoices ━━━━╸━━ 30/120 12.5/s 0:00:02``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

__all__ = ["LogProgress", "NullProgress", "ProgressSink", "RichProgress"]

log = logging.getLogger("hub.sync")


class ProgressSink(Protocol):
    def start(self, phase: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    """Reports nothing (GraphQL mutations, tests)."""

    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


class LogProgress:
    """``invoices: creating invoices 30/120 (12.5/s)`` as INFO log lines."""

    def __init__(self, logger: logging.Logger = log, clock: Any = time.monotonic) -> None:
        self.log, self.clock = logger, clock
        self.phase, self.total, self.done, self.started = "", 0, 0, 0.0

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done, self.started = phase, total, 0, self.clock()
        if total:
            self.log.info("%s: %d to do", phase, total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        elapsed = max(self.clock() - self.started, 1e-9)
        self.log.info("%s %d/%d (%.1f/s)", self.phase, self.done, self.total, self.done / elapsed)

    def finish(self) -> None:
        pass


class _Rate(ProgressColumn):
    """Items per second (rich's own speed columns are for bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("  -/s" if speed is None else f"{speed:5.1f}/s", style="progress.data.speed")


class RichProgress:
    """A live bar per phase on ``console`` (a terminal)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(),
                                 TimeElapsedColumn(), console=console, transient=False)
        self.task: TaskID | None = None
        self.started = False

    def start(self, phase: str, total: int) -> None:
        if not total:
            return
        if not self.started:
            self.progress.start()
            self.started = True
        self.task = self.progress.add_task(phase, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def finish(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False
