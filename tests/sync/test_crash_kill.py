"""``hub sync invoices`` as a real child process, killed with SIGKILL at points picked in the simulators.

The simulators are served over loopback HTTP in this process; the child gets ``HUB_*`` settings pointing
at them and a shared SQLite store already holding the QuickBooks authorisation. Every order still in
production is set to Delivered through the Notion API first (the seed has two), so a run makes several
batches (``HUB_SYNC__BATCH_SIZE=10``). A trip wire holds one request (``hub.sandbox.tripwires``); once
the simulator reports it is holding it, the child is killed, the held request dropped or let go, and
the sync run again to completion. What must hold: one invoice per planned order, none missing, none
duplicated, counted in the QuickBooks simulator's own tables, and every order marked invoiced.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from hub.authorise import authorise_quickbooks
from hub.sandbox.counting import tally
from hub.sandbox.faults import Faults
from hub.sandbox.notion import NOTION_API_VERSION
from hub.sandbox.runner import SandboxServers, sandbox_authorization_code, sandbox_settings
from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID, NOTION_SANDBOX_TOKEN
from hub.settings import SandboxSettings, Settings
from hub.store import Store
from hub.sync.runs import SyncRuns
from tests.sync.conftest import plain

HUB = [sys.executable, "-m", "hub.cli"]
IN_PRODUCTION = {"Not started", "Cutting", "Sewing", "Fitting", "Finishing", "Ready"}
MARKER = r"hub-order:([0-9a-f-]{36})"  # what hub.sync.plan.marker writes into an invoice's PrivateNote
CHILD_TIMEOUT = 120.0  # seconds a child may take to finish (or to reach the trip) before the test fails
HELD_TIMEOUT = 60.0


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        assert self.stdout.strip(), self.stderr
        body: dict[str, Any] = json.loads(self.stdout)
        return body


class CrashShop:
    """The simulators, the child's environment and what the test reads back."""

    def __init__(self, servers: SandboxServers, env: dict[str, str], cwd: Path, settings: Settings) -> None:
        self.servers, self.env, self.cwd, self.settings = servers, env, cwd, settings
        self.seed_invoices = set(self.invoices())  # what QuickBooks held before any sync

    @property
    def qbo_faults(self) -> Faults:
        return self.servers.apps["quickbooks"].state.faults  # type: ignore[no-any-return]

    @property
    def notion_faults(self) -> Faults:
        return self.servers.apps["notion"].state.faults  # type: ignore[no-any-return]

    def orders(self) -> dict[str, dict[str, Any]]:
        """Order page id -> page, from the Notion simulator's store."""
        shop = self.servers.apps["notion"].state.shop
        return {p["id"]: p for p in shop.pages_in(NOTION_ORDERS_DATA_SOURCE_ID)}

    def invoices(self) -> dict[str, dict[str, Any]]:
        return self.servers.apps["quickbooks"].state.tables["Invoice"]  # type: ignore[no-any-return]

    def invoices_per_order(self) -> dict[str, int]:
        return dict(tally(self.invoices().values(), "PrivateNote", MARKER))

    async def deliver_everything_in_production(self) -> list[str]:
        """PATCH every order still in production to Delivered, as sales ops would in Notion."""
        headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": NOTION_API_VERSION}
        chosen = [i for i, p in self.orders().items() if plain(p, "Status") in IN_PRODUCTION]
        async with httpx.AsyncClient(base_url=self.servers.urls["notion"], headers=headers) as http:
            for page_id in chosen:
                body = {"properties": {"Status": {"status": {"name": "Delivered"}}}}
                response = await http.patch(f"/v1/pages/{page_id}", json=body)
                assert response.status_code == 200, response.text
        return chosen

    async def start(self, *args: str) -> tuple[asyncio.subprocess.Process, asyncio.Task[tuple[bytes, bytes]]]:
        proc = await asyncio.create_subprocess_exec(
            *HUB, "sync", "invoices", *args, env=self.env, cwd=self.cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        return proc, asyncio.create_task(proc.communicate())  # read as it writes: a full pipe would block it

    async def run(self, *args: str) -> Outcome:
        proc, output = await self.start(*args)
        try:
            stdout, stderr = await asyncio.wait_for(output, CHILD_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        assert proc.returncode is not None
        return Outcome(proc.returncode, stdout.decode(), stderr.decode())

    async def run_killed_when_held(self, faults: Faults, *, drop: bool) -> Outcome:
        """Run until ``faults`` holds a request, SIGKILL the child, then let the request go (or drop it)."""
        proc, output = await self.start("--format", "json")
        held = asyncio.ensure_future(faults.stalls.wait_held(within=HELD_TIMEOUT))
        try:
            done, _ = await asyncio.wait({held, output}, return_when=asyncio.FIRST_COMPLETED)
            if output in done:  # the child ended without reaching the trip: say how
                stdout, stderr = output.result()
                raise AssertionError(f"the sync ended before the trip: {stdout.decode()}{stderr.decode()}")
            os.kill(proc.pid, signal.SIGKILL)
            stdout, stderr = await output
            await proc.wait()  # reaped: the next run sees the pid gone and marks this run crashed
            held.result()  # a TimeoutError: the child never reached the trip
        finally:
            held.cancel()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            faults.stalls.release(drop=drop)
            faults.set(stall_at=None)
        assert proc.returncode == -signal.SIGKILL
        return Outcome(proc.returncode, stdout.decode(), stderr.decode())

    async def run_statuses(self) -> list[str]:
        store = await Store.open(self.settings.database_url, secret_key=self.settings.secret_key)
        try:
            return [r.status for r in await SyncRuns(store).list(kind="invoices")]
        finally:
            await store.close()


def _flatten(values: dict[str, Any]) -> dict[str, str]:
    env = {}
    for section, inner in values.items():
        if isinstance(inner, dict):
            env.update({f"HUB_{section.upper()}__{k.upper()}": str(v) for k, v in inner.items()})
        else:
            env[f"HUB_{section.upper()}"] = str(inner)
    return env


@pytest.fixture
async def crash_shop(tmp_path: Path) -> AsyncIterator[CrashShop]:
    servers = SandboxServers(settings=SandboxSettings(enforce_rate_limits=False))
    urls = await servers.start()
    try:
        values = {**sandbox_settings(urls), "database_url": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
                  "secret_key": Fernet.generate_key().decode()}
        settings = Settings(**values)
        q = settings.quickbooks
        code, realm = await sandbox_authorization_code(
            q.authorize_url, client_id=q.client_id or "", redirect_uri=q.redirect_uri, scopes=q.scopes)
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        try:
            await authorise_quickbooks(settings, store, code=code, realm_id=realm)
        finally:
            await store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(_flatten(values))
        env.update({"HUB_CONFIG_FILE": str(tmp_path / "none.toml"), "HUB_SYNC__BATCH_SIZE": "10",
                    "HUB_HTTP__BACKOFF_BASE": "0", "COLUMNS": "250",
                    # The simulators' limits are off; so are the hub's, to keep the test short (limits
                    # are not what is under test: bench/invoice_sync.py runs with them).
                    "HUB_NOTION__RATE_PER_SECOND": "1000", "HUB_NOTION__RATE_BURST": "1000",
                    "HUB_QUICKBOOKS__RATE_PER_SECOND": "1000", "HUB_QUICKBOOKS__RATE_PER_MINUTE": "100000"})
        yield CrashShop(servers, env, tmp_path, settings)
    finally:
        for app in servers.apps.values():
            app.state.faults.stalls.release(drop=True)
        await servers.stop()


async def planned_orders(shop: CrashShop) -> set[str]:
    """Deliver the orders in production; the ids of those a dry run (in a child) plans to invoice."""
    await shop.deliver_everything_in_production()
    before = len(shop.invoices())
    dry = await shop.run("--dry-run", "--format", "json")
    assert dry.code == 0, dry.stdout + dry.stderr
    planned = {row["order_id"] for row in dry.json()["invoices"] if row["action"] == "create"}
    assert len(shop.invoices()) == before and shop.invoices_per_order() == {}  # a dry run changes nothing
    assert len(planned) > 20  # several batches of 10
    return planned


async def assert_exactly_once(shop: CrashShop, planned: set[str], *, once_more: bool) -> dict[str, Any]:
    """Run to completion; one invoice per planned order, none missing, none extra, orders invoiced; with
    ``once_more`` a further run has nothing left to do."""
    rerun = await shop.run("--format", "json")
    assert rerun.code == 0, rerun.stdout + rerun.stderr
    per_order = shop.invoices_per_order()
    assert per_order == dict.fromkeys(planned, 1), {o: n for o, n in per_order.items() if n != 1}
    made = {i: inv for i, inv in shop.invoices().items() if i not in shop.seed_invoices}
    assert len(made) == len(planned)  # nothing made that is not an order's
    number = {m: inv["DocNumber"] for inv in made.values() for m in tally([inv], "PrivateNote", MARKER)}
    orders = shop.orders()
    for order_id in planned:
        assert plain(orders[order_id], "Status") == "Invoiced"
        assert plain(orders[order_id], "QuickBooks Invoice") == number[order_id]
    if once_more:
        again = await shop.run("--format", "json")
        assert again.code == 0 and again.json()["run"]["counts"]["created"] == 0
        assert shop.invoices_per_order() == dict.fromkeys(planned, 1)
    return rerun.json()["run"]


# point -> (simulator, trip, drop the held request after the kill?, invoices made by the killed run,
#           of which recorded in the outbox)
POINTS = {
    # before the upstream call: the first batch never reaches QuickBooks
    "before the first batch": ("quickbooks", "POST /batch#1", True, 0, 0),
    # between calls: two batches answered and recorded, the third never sent
    "before the third batch": ("quickbooks", "POST /batch#3", True, 20, 20),
    # during it: QuickBooks applied the second batch, the answer never came back
    "during the second batch": ("quickbooks", "POST /batch#2 after", False, 20, 10),
    # after it, before the Notion update: every invoice made and recorded, the orders not all marked
    "before the first Notion update": ("notion", "PATCH /v1/pages/#1", True, None, None),
}


@pytest.mark.parametrize("point", list(POINTS))
async def test_sigkill_then_rerun_makes_one_invoice_per_order(crash_shop: CrashShop, point: str) -> None:
    source, trip, drop, made, recorded = POINTS[point]
    planned = await planned_orders(crash_shop)
    made = len(planned) if made is None else made
    recorded = len(planned) if recorded is None else recorded
    faults = crash_shop.qbo_faults if source == "quickbooks" else crash_shop.notion_faults
    faults.set(stall_at=trip)

    await crash_shop.run_killed_when_held(faults, drop=drop)
    per_order = crash_shop.invoices_per_order()
    assert len(per_order) == made and set(per_order) <= planned and set(per_order.values()) <= {1}

    run = await assert_exactly_once(crash_shop, planned, once_more=point == "during the second batch")
    counts = run["counts"]
    assert counts["recovered"] == made - recorded  # made upstream, unknown to the outbox: found by marker
    assert counts["created"] == len(planned) - made
    statuses = await crash_shop.run_statuses()  # newest first: (again,) re-run, killed run, dry run
    assert statuses[-3:] == ["ok", "crashed", "ok"] and set(statuses) == {"ok", "crashed"}
