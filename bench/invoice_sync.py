"""Invoice sync benchmark: N delivered orders to QuickBooks invoices with the vendors' real limits.

    python -m bench.invoice_sync [--orders 1000] [--notion-unlimited] [--json results.json]

Two processes on loopback. The simulators (QuickBooks: 10 requests/s and 500/min per realm, 40 batch
requests/min; Notion: 3 requests/s) run in a child, seeded with the costume shop plus ``--orders``
synthetic Delivered orders created through the Notion API before the limits are switched on. This
process authorises the hub with QuickBooks and runs ``hub.sync.build_invoice_sync(hub).run()`` on a
cold hub (empty mirror), timing its phases through the sync's progress sink and checkpoints:

- ``plan``: directory and sales refresh (reads), outbox claims;
- ``quickbooks``: the marker look-up and every ``POST /batch`` (30 invoices each), outbox records;
- ``notion``: the write-back, one ``PATCH /v1/pages/{id}`` per order (3 writers).

``--notion-unlimited`` lifts Notion's limit (simulator and hub budget), so the run is bound by
QuickBooks alone. 429s are counted as the hub received them (``hub_upstream_requests_total`` with
status 429) and as the QuickBooks simulator sent them. The ceiling model is in ``ceiling_seconds``;
the arithmetic is explained in bench/INVOICE_SYNC_REPORT.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BATCH_ITEMS, BATCHES_PER_MINUTE, REQUESTS_PER_SECOND = 30, 40, 10


def ceiling_seconds(invoices: int) -> float:
    """The least time QuickBooks' limits allow between the first and the last batch of ``invoices``,
    from an idle realm, if answers took no time: at most 40 batches in any rolling minute and 10
    requests in any rolling second, so batch k (from 0) goes out at 60 * (k // 40) + (k % 40) // 10
    seconds. (500 requests a minute never binds: 40 batches use 40 of them.)"""
    last = math.ceil(invoices / BATCH_ITEMS) - 1
    return 60.0 * (last // BATCHES_PER_MINUTE) + float((last % BATCHES_PER_MINUTE) // REQUESTS_PER_SECOND)


SUSTAINED_PER_MINUTE = BATCHES_PER_MINUTE * BATCH_ITEMS  # 1,200: the batch limit binds, not 500/min


# --- the simulators' process -----------------------------------------------------------------------


def _text(value: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": value}}]


def _plain(page: dict[str, Any], name: str) -> Any:
    prop = page["properties"][name]
    inner = prop[prop["type"]]
    if prop["type"] in ("title", "rich_text"):
        return "".join(t["plain_text"] for t in inner)
    if prop["type"] in ("status", "select"):
        return inner and inner["name"]
    if prop["type"] == "relation":
        return [r["id"] for r in inner]
    return inner


def synthetic_orders(shop: Any, count: int) -> list[dict[str, Any]]:
    """``count`` Delivered orders (Notion request bodies): the lines and totals of the seed's orders not
    made from a quote, for the clients the seed has invoiced (so each has a QuickBooks customer)."""
    from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID

    orders = shop.pages_in(NOTION_ORDERS_DATA_SOURCE_ID)
    templates = sorted({(_plain(p, "Lines"), str(_plain(p, "Total"))) for p in orders
                        if _plain(p, "Lines") and not _plain(p, "Quote ID") and _plain(p, "Total")})
    clients = sorted({c for p in orders if _plain(p, "Status") == "Invoiced" for c in _plain(p, "Client")})
    bodies = []
    for n in range(count):
        lines, total = templates[n % len(templates)]
        bodies.append({
            "parent": {"data_source_id": NOTION_ORDERS_DATA_SOURCE_ID},
            "properties": {
                "Order": {"title": _text(f"SO-{5000 + n}")},
                "Client": {"relation": [{"id": clients[n % len(clients)]}]},
                "Status": {"status": {"name": "Delivered"}},
                "Lines": {"rich_text": _text(lines)},
                "Total": {"number": float(Decimal(total))},
                "Payment Status": {"select": {"name": "Unpaid"}},
            },
        })
    return bodies


def _write(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value))


async def _serve(orders: int, notion_unlimited: bool, ready: Path, stats: Path) -> None:
    import httpx

    from hub.sandbox.notion import NOTION_API_VERSION
    from hub.sandbox.runner import SandboxServers
    from hub.sandbox.seed import NOTION_SANDBOX_TOKEN
    from hub.settings import SandboxSettings

    servers = SandboxServers(settings=SandboxSettings(enforce_rate_limits=True))
    urls = await servers.start()
    notion = servers.apps["notion"]
    bucket, notion.state.bucket = notion.state.bucket, None  # seeding is not part of the benchmark
    headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": NOTION_API_VERSION}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=notion), base_url="https://api.notion.com",
                                 headers=headers) as client:
        for body in synthetic_orders(notion.state.shop, orders):
            response = await client.post("/v1/pages", json=body)
            response.raise_for_status()
    notion.state.bucket = None if notion_unlimited else bucket
    _write(ready, urls)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    api = servers.apps["quickbooks"].state.api
    requests = servers.apps["quickbooks"].state.requests
    _write(stats, {
        "quickbooks_429_sent": api.throttle.throttled + api.batch_throttle.throttled,
        "quickbooks_batch_429_sent": api.batch_throttle.throttled,
        "quickbooks_requests": sum(requests.values()),
        "notion_requests": len(servers.apps["notion"].state.requests),
    })
    await servers.stop()


# --- the hub's side ---------------------------------------------------------------------------------


@dataclass
class Timings:
    """Phase boundaries (``time.perf_counter``) recorded by the sync's progress sink and checkpoints."""

    start: float = 0.0
    claimed: float = 0.0
    batches: list[float] = field(default_factory=list)
    recorded: float = 0.0
    end: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    async def checkpoint(self, point: str) -> None:
        now = time.perf_counter()
        if point == "claimed":
            self.claimed = now
        elif point == "created":
            self.batches.append(now)
        elif point == "recorded":
            self.recorded = now


class _Progress:
    """A ``hub.sync.ProgressSink`` that only notes when each phase began."""

    def __init__(self, timings: Timings) -> None:
        self.timings = timings

    def start(self, phase: str, total: int) -> None:
        self.timings.phases.setdefault(phase, time.perf_counter())

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


def _statuses(metrics: Any) -> dict[str, dict[str, int]]:
    """source -> status -> requests, from the hub's Prometheus counters."""
    out: dict[str, dict[str, int]] = {}
    for metric in metrics.requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                source, status = sample.labels["source"], sample.labels["status"]
                out.setdefault(source, {})
                out[source][status] = out[source].get(status, 0) + int(sample.value)
    return out


async def _authorise(settings: Any) -> None:
    from hub.authorise import authorise_quickbooks
    from hub.sandbox.runner import sandbox_authorization_code
    from hub.store import Store

    q = settings.quickbooks
    code, realm = await sandbox_authorization_code(q.authorize_url, client_id=q.client_id or "",
                                                   redirect_uri=q.redirect_uri, scopes=q.scopes)
    store = await Store.open(settings.database_url, secret_key=settings.secret_key)
    try:
        await authorise_quickbooks(settings, store, code=code, realm_id=realm)
    finally:
        await store.close()


async def measure(urls: dict[str, str], workdir: Path, *, notion_unlimited: bool) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from hub.runtime import Hub
    from hub.sandbox.runner import sandbox_settings
    from hub.settings import Settings
    from hub.sync import build_invoice_sync

    values = {**sandbox_settings(urls), "database_url": f"sqlite+aiosqlite:///{workdir / 'hub.db'}",
              "secret_key": Fernet.generate_key().decode(), "log_level": "WARNING"}
    if notion_unlimited:
        values["notion"] = {**values["notion"], "rate_per_second": 100_000.0, "rate_burst": 100_000}
    settings = Settings(**values)
    await _authorise(settings)
    hub = await Hub.start(settings)
    timings = Timings()
    try:
        sync = build_invoice_sync(hub, progress=_Progress(timings), checkpoint=timings.checkpoint)
        timings.start = time.perf_counter()
        result = await sync.run()
        timings.end = time.perf_counter()
        statuses = _statuses(hub.upstreams.metrics)
        by_endpoint = hub.upstreams.metrics.by_endpoint()
    finally:
        await hub.close()
    counts = result.run.counts
    created = counts.get("created", 0)
    qbo_seconds = (timings.recorded or timings.end) - (timings.claimed or timings.start)
    batch_span = timings.batches[-1] - timings.batches[0] if len(timings.batches) > 1 else 0.0
    ceiling = ceiling_seconds(created) if created else 0.0
    per_minute = 60.0 * created / qbo_seconds if qbo_seconds > 0 else 0.0
    job_ceiling_per_minute = 60.0 * created / ceiling if ceiling > 0 else float("inf")
    return {
        "status": result.run.status,
        "counts": counts,
        "errors": result.run.errors[:5],
        "error_count": len(result.run.errors),
        "seconds": {
            "total": timings.end - timings.start,
            "plan": (timings.claimed or timings.end) - timings.start,
            "quickbooks": qbo_seconds,
            "batches_first_to_last": batch_span,
            "notion": timings.end - (timings.recorded or timings.end),
        },
        "batches": len(timings.batches),
        "invoices_per_minute": {
            "quickbooks_phase": per_minute,
            "end_to_end": 60.0 * created / (timings.end - timings.start),
        },
        "ceiling": {
            "sustained_per_minute": SUSTAINED_PER_MINUTE,
            "job_min_seconds": ceiling,
            "job_per_minute": job_ceiling_per_minute,
            "fraction_of_job_ceiling": per_minute / job_ceiling_per_minute if created else 0.0,
            "fraction_of_sustained": per_minute / SUSTAINED_PER_MINUTE,
        },
        "http_429_received": {source: s.get("429", 0) for source, s in statuses.items()},
        "statuses": statuses,
        "requests_by_endpoint": by_endpoint,
    }


@dataclass
class Sims:
    orders: int
    notion_unlimited: bool
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hub-invoice-bench-")))
    proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> dict[str, str]:
        ready = self.workdir / "ready.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        args = [sys.executable, "-m", "bench.invoice_sync", "_serve", "--orders", str(self.orders),
                "--ready", str(ready), "--stats", str(self.workdir / "stats.json")]
        if self.notion_unlimited:
            args.append("--notion-unlimited")
        self.proc = self._spawn(args, env)
        deadline = time.monotonic() + 300
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("simulators did not start:\n" + (self.workdir / "sims.log").read_text())
            await asyncio.sleep(0.2)
        urls: dict[str, str] = json.loads(ready.read_text())
        return urls

    def _spawn(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.workdir / "sims.log").open("wb") as log:
            return subprocess.Popen(args, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)

    def stop(self) -> dict[str, Any]:
        if self.proc is None:
            return {}
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        stats = self.workdir / "stats.json"
        return json.loads(stats.read_text()) if stats.exists() else {}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sims = Sims(args.orders, args.notion_unlimited)
    try:
        urls = await sims.start()
        result = await measure(urls, sims.workdir, notion_unlimited=args.notion_unlimited)
    finally:
        sim_stats = sims.stop()
    return {"orders": args.orders, "notion_unlimited": args.notion_unlimited, **result,
            "simulators": sim_stats, "run_id": uuid.uuid4().hex[:8]}


def summary(r: dict[str, Any]) -> str:
    s, c, ipm = r["seconds"], r["ceiling"], r["invoices_per_minute"]
    return "\n".join([
        f"orders {r['orders']} (Notion {'unlimited' if r['notion_unlimited'] else '3 req/s'}): "
        f"run {r['status']}, counts {r['counts']}",
        f"  seconds: total {s['total']:.1f}, plan {s['plan']:.1f}, quickbooks {s['quickbooks']:.1f} "
        f"({r['batches']} batches, first to last {s['batches_first_to_last']:.1f}), notion {s['notion']:.1f}",
        f"  invoices/min: quickbooks phase {ipm['quickbooks_phase']:.0f}, end to end {ipm['end_to_end']:.0f}",
        f"  ceiling: sustained {c['sustained_per_minute']}/min; this job >= {c['job_min_seconds']:.1f} s "
        f"({c['job_per_minute']:.0f}/min); fraction of job ceiling {c['fraction_of_job_ceiling']:.1%}, "
        f"of sustained {c['fraction_of_sustained']:.1%}",
        f"  429 received by the hub: {r['http_429_received']}; sent by the QuickBooks simulator: "
        f"{r['simulators'].get('quickbooks_429_sent')}",
    ])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_serve":
        parser = argparse.ArgumentParser(prog="invoice_sync _serve")
        parser.add_argument("--orders", type=int, required=True)
        parser.add_argument("--ready", type=Path, required=True)
        parser.add_argument("--stats", type=Path, required=True)
        parser.add_argument("--notion-unlimited", action="store_true")
        a = parser.parse_args(argv[1:])
        asyncio.run(_serve(a.orders, a.notion_unlimited, a.ready, a.stats))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.invoice_sync", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="synthetic Delivered orders to invoice")
    parser.add_argument("--notion-unlimited", action="store_true",
                        help="lift Notion's 3 req/s (simulator and hub) so QuickBooks alone binds")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(summary(result))
    if args.json is not None:
        results = json.loads(args.json.read_text()) if args.json.exists() else []
        results.append(result)  # one file collects several runs (scenarios)
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
