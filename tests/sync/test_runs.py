"""``sync_runs``: a run whose process is gone is marked crashed by the next; a live one blocks a second."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import update

from hub.store import Store
from hub.store.tables import sync_runs
from hub.store.types import utcnow
from hub.sync import SyncAlreadyRunning, SyncRuns
from hub.sync.runs import _alive


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(
        f"sqlite+aiosqlite:///{tmp_path}/hub.db", secret_key=SecretStr(Fernet.generate_key().decode())
    )
    yield store
    await store.close()


async def _own(store: Store, run_id: str, **values: object) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(**values))


def _state(pid: int) -> str:
    """The process state letter Linux reports for ``pid`` (``Z``: a zombie, not reaped yet)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no process has it now (pids are not reused this quickly)


async def test_a_run_of_a_process_that_is_gone_is_marked_crashed(store: Store) -> None:
    runs = SyncRuns(store)
    run = await runs.start("invoices", dry_run=False)
    await _own(store, run.id, owner=f"{socket.gethostname()[:120]}:{_dead_pid()}:abc")
    runs.abandon(run.id)
    fresh = await runs.start("invoices", dry_run=False)  # not refused: the other one is dead
    got = {r.id: r for r in await runs.list()}
    assert got[run.id].status == "crashed" and got[run.id].finished_at is not None
    assert got[fresh.id].status == "running"
    done = await runs.finish(fresh.id, counts={"created": 1}, errors=[])
    assert (done.status, done.counts) == ("ok", {"created": 1})
    failed = await runs.start("payments", dry_run=False)
    assert (
        await runs.finish(failed.id, counts={}, errors=[{"order": "", "code": "X", "message": "m"}])
    ).status == "errors"


async def test_a_live_run_elsewhere_blocks_until_its_heartbeat_goes_stale(store: Store) -> None:
    runs = SyncRuns(store, stale_after=timedelta(minutes=10))
    run = await runs.start("invoices", dry_run=False)
    await _own(store, run.id, owner="another-host:4242:abc", heartbeat_at=utcnow())
    with pytest.raises(SyncAlreadyRunning):
        await runs.start("invoices", dry_run=False)
    assert (await runs.start("payments", dry_run=False)).status == "running"  # another kind: fine
    await _own(store, run.id, heartbeat_at=utcnow() - timedelta(minutes=11))
    await runs.start("invoices", dry_run=False)
    assert (await runs.get(run.id)).status == "crashed"  # type: ignore[union-attr]


async def test_this_process_s_own_live_run_blocks_and_its_abandoned_one_does_not(store: Store) -> None:
    runs = SyncRuns(store)
    run = await runs.start("invoices", dry_run=False)
    assert run.id and os.getpid()
    with pytest.raises(SyncAlreadyRunning):
        await runs.start("invoices", dry_run=False)
    runs.abandon(run.id)  # the run died (an exception nothing caught) without finishing
    await runs.start("invoices", dry_run=False)
    assert (await runs.get(run.id)).status == "crashed"  # type: ignore[union-attr]


def test_a_killed_child_not_yet_reaped_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert _alive(child.pid)
        child.kill()
        while _state(child.pid) != "Z":  # the kernel makes it a zombie at once; no timing assumed
            pass
        assert not _alive(child.pid)  # its parent has not reaped it: still in the process table
    finally:
        child.kill()
        child.wait()
