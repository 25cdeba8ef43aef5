"""Sync runs in the store (``sync_runs``): start, heartbeat, finish, list; crashed runs recognised.

A run is ``running`` from ``start`` until ``finish`` sets ``ok`` (no errors) or ``errors``. A process
killed mid-run leaves its row ``running``; the next ``start`` marks it ``crashed``. A row is dead when
its owner (``host:pid:token``) is this host and that process is gone (or is this process, but not the
run it is doing now), or, for another host, when its heartbeat is older than ``stale_after``.

One real (not dry) run of a kind at a time: ``start`` refuses with ``SyncAlreadyRunning`` while a live
one exists, deciding inside one write transaction so two starting together cannot both pass.

>>> runs = SyncRuns(store)  # doctest: +SKIP
>>> run = await runs.start("invoices", dry_run=False)  # doctest: +SKIP
>>> await runs.finish(run.id, counts={"created": 2}, errors=[])  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import select, text, update
from sqlalchemy.engine import Row

from hub.errors import HubError
from hub.store import Store
from hub.store.engine import begin_write
from hub.store.tables import sync_runs as table
from hub.store.types import utcnow

__all__ = ["RunStatus", "SyncAlreadyRunning", "SyncResult", "SyncRun", "SyncRuns"]

RunStatus = Literal["running", "ok", "errors", "crashed"]
_HOST = socket.gethostname()[:120]
_TOKEN = uuid.uuid4().hex[:12]  # tells this process from an earlier one that had the same pid
_LIVE: set[str] = set()  # ids of the runs this process is doing right now


class SyncAlreadyRunning(HubError):
    """Another process is running this sync now; try again when it has finished."""

    code = "SYNC_RUNNING"


@dataclass(frozen=True)
class SyncRun:
    """One row of ``sync_runs``. ``errors`` items are ``{"order", "code", "message"}``."""

    id: str
    kind: str
    dry_run: bool
    started_at: datetime
    status: RunStatus
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    finished_at: datetime | None = None


@dataclass
class SyncResult:
    """A finished run and its rows (what each order became, in the job's own row type)."""

    run: SyncRun
    rows: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.run.status == "ok"


def _run(row: Row[Any]) -> SyncRun:
    return SyncRun(id=row.id, kind=row.kind, dry_run=bool(row.dry_run), started_at=row.started_at,
                   status=cast(RunStatus, row.status), counts=dict(row.counts or {}),
                   errors=list(row.errors or []), finished_at=row.finished_at)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: dead for us (Linux)
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class SyncRuns:
    """The ``sync_runs`` table of ``store``."""

    def __init__(self, store: Store, *, stale_after: timedelta = timedelta(minutes=10)) -> None:
        self._engine = store.engine
        self._dialect = store.dialect
        self.stale_after = stale_after

    def _dead(self, row: Row[Any], now: datetime) -> bool:
        parts = (row.owner or "").split(":")
        if len(parts) == 3 and parts[0] == _HOST and parts[1].isdigit():
            pid, token = int(parts[1]), parts[2]
            if pid == os.getpid():  # this process, or an earlier one that had the same pid
                return token != _TOKEN or row.id not in _LIVE
            return not _alive(pid)
        beat = row.heartbeat_at or row.started_at
        return bool(now - beat > self.stale_after)

    async def start(self, kind: str, *, dry_run: bool) -> SyncRun:
        """Record a new ``running`` run of ``kind`` after marking dead ones ``crashed``."""
        now = utcnow()
        run = SyncRun(id=uuid.uuid4().hex, kind=kind, dry_run=dry_run, started_at=now, status="running")
        async with begin_write(self._engine) as conn:
            if self._dialect == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
                await conn.execute(text("LOCK TABLE sync_runs IN SHARE ROW EXCLUSIVE MODE"))
            rows = (await conn.execute(select(table).where(table.c.status == "running"))).all()
            dead = [r.id for r in rows if self._dead(r, now)]
            if dead:
                await conn.execute(update(table).where(table.c.id.in_(dead))
                                   .values(status="crashed", finished_at=now))
            live = [r for r in rows if r.id not in dead and r.kind == kind and not r.dry_run]
            if live and not dry_run:
                raise SyncAlreadyRunning(
                    f"a {kind} sync is already running (since {live[0].started_at:%Y-%m-%d %H:%M:%S} UTC); "
                    "try again when it has finished")
            await conn.execute(table.insert().values(
                id=run.id, kind=kind, dry_run=dry_run, started_at=now, status="running", counts={},
                errors=[], owner=f"{_HOST}:{os.getpid()}:{_TOKEN}", heartbeat_at=now))
        _LIVE.add(run.id)
        return run

    async def heartbeat(self, run_id: str, counts: Mapping[str, int] | None = None) -> None:
        """Say the run is alive (and, optionally, how far it got)."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if counts is not None:
            values["counts"] = dict(counts)
        async with begin_write(self._engine) as conn:
            await conn.execute(update(table).where(table.c.id == run_id, table.c.status == "running")
                               .values(**values))

    async def finish(self, run_id: str, *, counts: Mapping[str, int],
                     errors: Sequence[Mapping[str, str]]) -> SyncRun:
        """End the run: ``ok`` without errors, else ``errors``; returns the stored row."""
        status: RunStatus = "errors" if errors else "ok"
        async with begin_write(self._engine) as conn:
            await conn.execute(update(table).where(table.c.id == run_id).values(
                status=status, finished_at=utcnow(), counts=dict(counts),
                errors=[dict(e) for e in errors], heartbeat_at=utcnow()))
            row = (await conn.execute(select(table).where(table.c.id == run_id))).one()
        _LIVE.discard(run_id)
        return _run(row)

    @contextlib.asynccontextmanager
    async def beating(self, run_id: str, every: float = 60.0) -> AsyncIterator[None]:
        """Heartbeat ``run_id`` every ``every`` seconds while the block runs (a long write-back phase
        must not look dead to a replica on another host)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(every)
                with contextlib.suppress(Exception):  # a missed beat is no reason to stop the run
                    await self.heartbeat(run_id)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def abandon(self, run_id: str) -> None:
        """This process stopped working on the run without finishing it (the next start marks it
        crashed); used when a run is cancelled."""
        _LIVE.discard(run_id)

    async def get(self, run_id: str) -> SyncRun | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(table).where(table.c.id == run_id))).one_or_none()
        return None if row is None else _run(row)

    async def list(self, *, first: int = 20, kind: str | None = None) -> list[SyncRun]:
        """The newest ``first`` runs (of ``kind``), newest first."""
        query = select(table)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        query = query.order_by(table.c.started_at.desc(), table.c.id.desc()).limit(max(0, min(first, 500)))
        async with self._engine.connect() as conn:
            return [_run(row) for row in await conn.execute(query)]
