"""Load benchmark of ``POST /graphql`` against the sandbox (simulated upstream latency), cold and warm.

    python -m bench.graphql_load [--connections 16 --seconds 20 --scenario all --transport httpx]

Three processes on loopback: the simulators (``hub sandbox``), the hub (``hub serve``) and this load
generator, which keeps one keep-alive connection per worker and posts the customers query for a fixed
time after a warm-up. Scenarios:

- ``warm``: the mirror is fresh under the default policy, so a query should not go upstream.
- ``cold``: ``maxAge: 0``, so every query re-reads upstream; the simulators' rate limits are off and the
  hub's budgets are raised, so what is measured is the hub and its HTTP layer.
- ``limited``: ``maxAge: 0`` with the vendors' limits on (simulators and the hub's default budgets).
- ``http``: the HTTP layer alone, in this process: ``SourceClient.json`` against the Notion simulator,
  to compare ``--transport httpx`` (httpx's own pool) with ``--transport aiohttp`` (httpx-aiohttp).

``--gc-tune`` serves the hub with the garbage collector tuned (see bench/REPORT.md).

Upstream requests per query come from the hub's ``GET /metrics`` read before and after each window;
CPU per process from ``/proc``. ``--profile DIR`` samples the hub with py-spy during each window.
Nothing is written outside a temporary directory (and ``--profile DIR``); subprocesses are killed on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
QUERY = (
    "query Customers($maxAge: Float) { customers(first: 50, maxAge: $maxAge) { edges { node { "
    "id name email segment openBalance { amount currency } sources { system externalId fetchedAt } "
    "} } } }"
)
REQUEST_TIMEOUT = 60.0  # one request; the limited scenario queues for seconds by design
HIGH_BUDGET = {  # budgets far above anything 2 cores can send, so the hub's own work is measured
    "HUB_NOTION__RATE_PER_SECOND": "100000",
    "HUB_NOTION__RATE_BURST": "100000",
    "HUB_QUICKBOOKS__RATE_PER_SECOND": "100000",
    "HUB_QUICKBOOKS__RATE_PER_MINUTE": "10000000",
}
_METRIC = re.compile(r'^hub_upstream_requests_total\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)$', re.M)
_LABEL = re.compile(r'(\w+)="([^"]*)"')


# -- a minimal HTTP/1.1 keep-alive client: the load generator shares 2 cores with the hub, so it must
#    spend as little CPU per request as possible (no pool, no header objects, no JSON decoding).


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _ensure(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        reader, writer = await self._ensure()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nAccept: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        writer.write(head.encode() + body)
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            if headers.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    parts.append(await reader.readexactly(size + 2))
                await reader.readuntil(b"\r\n")
                data = b"".join(p[:-2] for p in parts)
            else:
                data = await reader.readexactly(int(headers.get("content-length", "0")))
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, data
        except BaseException:
            self.close()  # a half-read response leaves the connection unusable
            raise

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


# -- the processes under test ------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``), to see other load."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _flatten(prefix: str, values: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in values.items():
        name = f"{prefix}__{key.upper()}" if prefix else f"HUB_{key.upper()}"
        out.update(_flatten(name, value) if isinstance(value, dict) else {name: str(value)})
    return out


def simulator_names() -> list[str]:
    """The simulators ``hub sandbox`` serves, read from its ``--<name>-port`` options."""
    import inspect

    from hub.cli import sandbox

    return [name.removesuffix("_port") for name in inspect.signature(sandbox).parameters
            if name.endswith("_port")]


def _hub_supports_transport_setting() -> bool:
    from hub.settings import HttpSettings

    return "transport" in HttpSettings.model_fields


@dataclass
class Stack:
    """Simulators and hub as subprocesses of this one, with their temporary directory."""

    latency_ms: float
    vendor_limits: bool
    transport: str
    gc_tune: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hub-bench-")))
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    hub_port: int = 0
    hub_pid: int = 0
    sims_pid: int = 0
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.transport + ("+gc" if self.gc_tune else "")

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.update(extra)
        return env

    def _spawn(self, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen([sys.executable, *args], cwd=self.workdir, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    async def _wait_http(self, port: int, path: str, proc: subprocess.Popen[bytes], name: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            conn = Connection(HOST, port)
            try:
                status, _ = await asyncio.wait_for(conn.request("GET", path), 2)
                if status < 500:
                    return
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                pass
            finally:
                conn.close()
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{name} did not answer on port {port} within 30 s:\n{self.log_tail(name)}")

    def log_tail(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    async def start(self) -> None:
        from cryptography.fernet import Fernet

        from hub.authorise import authorise_quickbooks
        from hub.sandbox.runner import sandbox_authorization_code, sandbox_settings
        from hub.settings import Settings
        from hub.store import Store

        ports = {name: free_port() for name in simulator_names()}
        self.hub_port = free_port()
        fault_env = {f"HUB_SANDBOX__{name.upper()}__LATENCY_MS": str(self.latency_ms) for name in ports}
        fault_env["HUB_SANDBOX__ENFORCE_RATE_LIMITS"] = str(self.vendor_limits).lower()
        sims = self._spawn(
            ["-m", "hub.cli", "sandbox", "--host", HOST,
             *[arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]],
            self._env(fault_env), "sims")
        self.sims_pid = sims.pid
        for port in ports.values():
            await self._wait_http(port, "/", sims, "sims")

        # Authorise exactly as `hub demo` does: consent (the simulator approves), then the code grant.
        self.urls = {name: f"http://{HOST}:{port}" for name, port in ports.items()}
        values = sandbox_settings(self.urls)
        values["database_url"] = f"sqlite+aiosqlite:///{self.workdir / 'hub.db'}"
        values["secret_key"] = Fernet.generate_key().decode()
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        q = settings.quickbooks
        code, realm = await sandbox_authorization_code(
            q.authorize_url, client_id=q.client_id or "", redirect_uri=q.redirect_uri, scopes=q.scopes)
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        try:
            await authorise_quickbooks(settings, store, code=code, realm_id=realm)
        finally:
            await store.close()

        env = _flatten("", values)
        env["HUB_LOG_LEVEL"] = "WARNING"  # no access log line per request
        if not self.vendor_limits:
            env.update(HIGH_BUDGET)
        args = ["-m", "hub.cli", "serve", "--host", HOST, "--port", str(self.hub_port)]
        if _hub_supports_transport_setting():
            env["HUB_HTTP__TRANSPORT"] = self.transport
        if self.gc_tune or (self.transport != "httpx" and not _hub_supports_transport_setting()):
            # `hub serve` as it is cannot do this: the bench's own launcher hands create_app the transports
            args = ["-m", "bench.graphql_load", "_serve", "--port", str(self.hub_port),
                    "--transport", self.transport] + (["--gc-tune"] if self.gc_tune else [])
        hub = self._spawn(args, self._env(env), "hub")
        self.hub_pid = hub.pid
        await self._wait_http(self.hub_port, "/healthz", hub, "hub")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.procs.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _serve(port: int, transport: str, gc_tune: bool) -> None:
    """Hidden ``_serve`` command: ``hub serve`` with the transports handed to ``create_app``, and
    optionally the garbage collector tuned (start-up heap frozen, larger young generation)."""
    import gc

    import uvicorn

    from hub.app import create_app
    from hub.cli import _logging, _settings

    settings = _settings()
    _logging(settings)
    transports = {name: client_transport(transport) for name in simulator_names()}
    app = create_app(settings, transports=None if transport == "httpx" else transports)
    if gc_tune:
        started = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> Any:
            async with started(app) as state:
                # Every start-up object (schema, SQLAlchemy, mappings) would otherwise be re-scanned by
                # each full collection, which the per-query garbage triggers every few queries.
                gc.collect()
                gc.freeze()
                # A query allocates tens of thousands of containers (tasks, futures, result dicts):
                # with the default 700 the young generation is collected dozens of times per query.
                gc.set_threshold(50_000, 20, 100)
                yield state

        app.router.lifespan_context = lifespan
    uvicorn.run(app, host=HOST, port=port, log_level=settings.log_level.lower())


# -- one measured window -----------------------------------------------------------------------


@dataclass
class Window:
    scenario: str
    transport: str
    connections: int
    seconds: float
    latencies: list[float]
    errors: Counter[str]
    upstream: dict[str, float]  # "source" and "source:endpoint" -> requests in the window
    cpu: dict[str, float]  # process -> share of one core

    def row(self) -> dict[str, str]:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(p: float) -> str:
            return f"{lat[min(n - 1, int(p * n))] * 1000:.0f}" if n else "-"

        ours = self.cpu["hub"] + self.cpu["sims"] + self.cpu["loadgen"]
        answered = n + sum(self.errors.values())  # a query answered with errors went upstream too
        per_q = {s: self.upstream.get(s, 0) / max(1, answered) for s in ("notion", "quickbooks")}
        cpu_ms = self.cpu["hub"] * self.seconds / max(1, answered) * 1000
        return {
            "scenario": self.scenario, "transport": self.transport, "conns": str(self.connections),
            "requests": str(n), "req/s": f"{n / self.seconds:.1f}",
            "p50 ms": pct(0.50), "p90 ms": pct(0.90), "p99 ms": pct(0.99),
            "max ms": f"{lat[-1] * 1000:.0f}" if n else "-",
            "errors": str(sum(self.errors.values())),
            "upstream/query notion": f"{per_q['notion']:.2f}",
            "upstream/query qbo": f"{per_q['quickbooks']:.2f}",
            "hub CPU ms/query": f"{cpu_ms:.1f}" if answered else "-",
            "CPU hub": f"{self.cpu['hub']:.0%}", "CPU sims": f"{self.cpu['sims']:.0%}",
            "CPU loadgen": f"{self.cpu['loadgen']:.0%}",
            "other load": f"{max(0.0, self.cpu['machine'] - ours):.0%}",
        }


async def upstream_counts(port: int) -> dict[str, float]:
    conn = Connection(HOST, port)
    try:
        status, body = await asyncio.wait_for(conn.request("GET", "/metrics"), 10)
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"GET /metrics answered {status}")
    counts: dict[str, float] = {}
    for match in _METRIC.finditer(body.decode()):
        labels = dict(_LABEL.findall(match["labels"]))
        value = float(match["value"])
        keys = [labels["source"], f"{labels['source']}:{labels['endpoint']}"]
        if not labels["status"].startswith("2"):
            keys.append(f"{labels['source']}:{labels['endpoint']}:HTTP {labels['status']}")
        for key in keys:
            counts[key] = counts.get(key, 0.0) + value
    return counts


def _error_kind(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    if b'"errors"' in body[:200] or b'"errors":' in body[-2000:]:
        match = re.search(rb'"code":\s*"([A-Z_]+)"', body)
        return f"GraphQL {match.group(1).decode() if match else 'error'}"
    return None


async def drive(port: int, connections: int, seconds: float, body: bytes,
                latencies: list[float] | None, errors: Counter[str]) -> None:
    """``connections`` workers, one keep-alive connection each, posting ``body`` for ``seconds``."""
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = Connection(HOST, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status, data = await asyncio.wait_for(
                        conn.request("POST", "/graphql", body), REQUEST_TIMEOUT)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)  # a refused connection must not spin
                    continue
                elapsed = time.perf_counter() - started
                kind = _error_kind(status, data)
                if kind:
                    errors[kind] += 1
                elif latencies is not None:
                    latencies.append(elapsed)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def _cpu_snapshot(stack: Stack) -> dict[str, float]:
    return {"hub": cpu_seconds(stack.hub_pid), "sims": cpu_seconds(stack.sims_pid),
            "loadgen": time.process_time(), "machine": machine_busy_seconds()}


async def measure(stack: Stack, scenario: str, *, connections: int, seconds: float, warmup: float,
                  max_age: float | None, profile: Path | None) -> Window:
    body = json.dumps({"query": QUERY, "variables": {"maxAge": max_age}}).encode()
    await drive(stack.hub_port, connections, warmup, body, None, Counter())
    before = await upstream_counts(stack.hub_port)
    cpu_before = _cpu_snapshot(stack)
    spy = _start_profiler(stack, profile, f"{scenario}-{stack.label}", seconds)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    await drive(stack.hub_port, connections, seconds, body, latencies, errors)
    wall = time.perf_counter() - started  # includes draining the requests in flight at the deadline
    cpu_after = _cpu_snapshot(stack)
    after = await upstream_counts(stack.hub_port)
    if spy is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(timeout=15)
        if spy.poll() is None:
            spy.kill()
    return Window(scenario, stack.label, connections, wall, latencies, errors,
                  {k: after.get(k, 0) - before.get(k, 0) for k in after},
                  {k: (cpu_after[k] - cpu_before[k]) / wall for k in cpu_after})


def client_transport(name: str) -> Any:
    """The transport under every source client for ``--transport``: httpx's own pool, or aiohttp."""
    if name == "httpx":
        return None
    import httpx

    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:  # measured, not adopted: see bench/REPORT.md
        raise SystemExit("--transport aiohttp needs httpx-aiohttp: pip install httpx-aiohttp") from None
    return AiohttpTransport(limits=httpx.Limits(max_connections=50, max_keepalive_connections=50))


async def measure_http_layer(stack: Stack, *, connections: int, seconds: float, warmup: float) -> Window:
    """The HTTP layer alone, in this process: ``SourceClient.json`` posting the Notion data-source
    query (first page of the customers, about as big as a vendor page gets) through the hub's
    budget, breaker, auth, retry, metrics and JSON decoding, with the chosen transport underneath."""
    from pydantic import SecretStr

    from connectors.notion import NotionConnector
    from hub.http import Limit, Upstreams
    from hub.sandbox.seed import NOTION_SANDBOX_TOKEN
    from hub.settings import HttpSettings, NotionSettings
    from mappings import load_mappings

    collection = load_mappings(None).get("customer", "notion").collection
    transport = client_transport(stack.transport)
    upstreams = Upstreams(HttpSettings(), transports={"notion": transport} if transport else None)
    client = upstreams.client("notion", stack.urls["notion"], limits=[Limit(100000, 1.0, 100000)],
                              **NotionConnector.client_options(SecretStr(NOTION_SANDBOX_TOKEN),
                                                               NotionSettings().version))
    path = f"/v1/data_sources/{collection}/query"
    errors: Counter[str] = Counter()

    async def drive_client(duration: float, latencies: list[float] | None) -> None:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    body = await asyncio.wait_for(client.json(
                        "POST", path, endpoint="data_source.query", json={"page_size": 100},
                        idempotent=True), REQUEST_TIMEOUT)
                except Exception as exc:  # counted, not fatal: the window goes on
                    errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                if latencies is not None and body.get("results"):
                    latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(connections)))

    try:
        await drive_client(warmup, None)
        errors.clear()
        latencies: list[float] = []
        before, started = _cpu_snapshot(stack), time.perf_counter()
        await drive_client(seconds, latencies)
        wall = time.perf_counter() - started
        after = _cpu_snapshot(stack)
        # The client under test is this process: charge its CPU as "hub", the idle hub as other load.
        cpu = {k: (after[k] - before[k]) / wall for k in after}
        cpu["hub"], cpu["loadgen"] = cpu["loadgen"], 0.0
    finally:
        await upstreams.aclose()
    return Window("http", stack.transport, connections, wall, latencies, errors,
                  {"notion": float(len(latencies))}, cpu)


def _start_profiler(stack: Stack, profile: Path | None, name: str,
                    seconds: float) -> subprocess.Popen[bytes] | None:
    if profile is None:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "-p", str(stack.hub_pid), "-d", str(max(1, int(seconds))), "-r", str(PROFILE_RATE),
         "--nonblocking", "-f", "raw", "-o", str(profile / f"{name}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Where a sample's innermost frame lives decides who is charged for it.
_PACKAGES = [
    ("graphql execution (strawberry, graphql-core)", ("strawberry/", "graphql/")),
    ("HTTP client (httpx, httpcore, aiohttp, anyio)",
     ("httpx/", "httpcore/", "httpx_aiohttp/", "aiohttp/", "anyio/")),
    ("HTTP server (uvicorn, starlette)", ("uvicorn/", "starlette/")),
    ("store (sqlalchemy, aiosqlite, sqlite3)", ("sqlalchemy/", "aiosqlite/", "sqlite3/")),
    ("JSON (json, pydantic)", ("json/", "pydantic")),
    ("retry, auth, metrics (tenacity, prometheus)", ("tenacity/", "prometheus_client/")),
    ("hub code (hub, schema, connectors, mappings)", ("hub/", "schema/", "connectors/", "mappings/")),
    ("asyncio event loop", ("asyncio/", "selectors.py")),
]


PROFILE_RATE = 100  # py-spy samples per second


def summarise_profile(path: Path, seconds: float, top: int = 12) -> str:
    """Where the hub's event-loop thread spends its time, from py-spy's collapsed stacks.

    Only running threads are sampled (py-spy drops idle ones), so samples / (rate x seconds) is how
    busy a thread was. The event-loop thread's samples are charged to the package of their innermost
    frame; aiosqlite's worker threads (SQLite itself) are counted apart.
    """
    by_package: Counter[str] = Counter()
    by_frame: Counter[str] = Counter()
    loop = sqlite = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        if "_connection_worker_thread (aiosqlite" in stack:
            sqlite += n
            continue
        loop += n
        leaf = stack.rsplit(";", 1)[-1]
        by_frame[leaf] += n
        if "(h11/" in leaf:  # h11 parses for both sides: charge whoever called it
            leaf = "(httpcore/" if "(httpcore/" in stack else "(uvicorn/"
        where = next((name for name, prefixes in _PACKAGES
                      if any(f"({p}" in leaf or f"/{p}" in leaf for p in prefixes)), "other")
        by_package[where] += n
    possible = PROFILE_RATE * seconds
    lines = [f"{path.name}: event-loop thread busy {loop / possible:.0%}, "
             f"SQLite worker threads busy {sqlite / possible:.0%} (of one core)"]
    if loop:
        lines.append("  event-loop thread time by package of the innermost frame:")
        lines += [f"  {n / loop:6.1%}  {name}" for name, n in by_package.most_common()]
        lines.append("  busiest frames:")
        lines += [f"  {n / loop:6.1%}  {frame}" for frame, n in by_frame.most_common(top)]
    return "\n".join(lines)


# -- orchestration -----------------------------------------------------------------------------


def markdown(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _window_seconds(scenario: str, args: argparse.Namespace) -> float:
    return min(args.seconds, args.limited_seconds) if scenario == "limited" else args.seconds


async def run(args: argparse.Namespace) -> list[Window]:
    scenarios = ["warm", "cold", "limited", "http"] if args.scenario == "all" else [args.scenario]
    transports = ["httpx", "aiohttp"] if args.transport == "both" else [args.transport]
    windows: list[Window] = []
    for transport in transports:
        unlimited = [s for s in scenarios if s != "limited"]
        plan = [(False, unlimited), (True, [s for s in scenarios if s == "limited"])]
        for vendor_limits, names in plan:
            if not names:
                continue
            stack = Stack(args.latency_ms, vendor_limits, transport, gc_tune=args.gc_tune)
            try:
                await stack.start()
                conn = Connection(HOST, stack.hub_port)
                first = json.dumps({"query": QUERY, "variables": {"maxAge": None}}).encode()
                started = time.perf_counter()
                status, data = await asyncio.wait_for(conn.request("POST", "/graphql", first), 60)
                conn.close()
                print(f"[{transport}] first query (empty mirror, full sync): "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms, HTTP {status}, "
                      f"{data.count(b'externalId')} source records", flush=True)
                for name in names:
                    if name == "http":
                        window = await measure_http_layer(stack, connections=args.connections,
                                                          seconds=args.http_seconds, warmup=args.warmup)
                        windows.append(window)
                        print(markdown([window.row()]).splitlines()[-1], flush=True)
                        continue
                    seconds = _window_seconds(name, args)
                    window = await measure(stack, name, connections=args.connections, seconds=seconds,
                                           warmup=args.warmup, max_age=None if name == "warm" else 0,
                                           profile=args.profile)
                    windows.append(window)
                    print(markdown([window.row()]).splitlines()[-1], flush=True)
                    if window.errors:
                        print(f"  errors: {dict(window.errors)}", flush=True)
                    detail = {k: round(v / max(1, len(window.latencies)), 2)
                              for k, v in sorted(window.upstream.items()) if ":" in k and v}
                    print(f"  upstream per query by endpoint: {detail}", flush=True)
            finally:
                stack.stop()
    return windows


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        parser = argparse.ArgumentParser(prog="graphql_load _serve")
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--transport", default="httpx")
        parser.add_argument("--gc-tune", action="store_true")
        opts = parser.parse_args(argv[1:])
        _serve(opts.port, opts.transport, opts.gc_tune)
        return
    parser = argparse.ArgumentParser(prog="python -m bench.graphql_load", description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured load before each window")
    parser.add_argument("--limited-seconds", type=float, default=10.0,
                        help="cap on the window of the rate-limited scenario")
    parser.add_argument("--http-seconds", type=float, default=10.0,
                        help="window of the HTTP-layer-only scenario")
    parser.add_argument("--scenario", choices=["warm", "cold", "limited", "http", "all"], default="all")
    parser.add_argument("--transport", choices=["httpx", "aiohttp", "both"], default="httpx")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="simulated upstream latency")
    parser.add_argument("--gc-tune", action="store_true",
                        help="serve the hub with gc.freeze() and gc.set_threshold(50000, 20, 100) after "
                             "start-up (a candidate fix, see REPORT.md)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="directory for py-spy samples of the hub during each window")
    args = parser.parse_args(argv)
    # A SIGTERM unwinds through the finally blocks that stop the subprocesses.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    windows = asyncio.run(run(args))
    print()
    print(f"{args.connections} connections, {args.latency_ms:g} ms simulated upstream latency, "
          f"{os.cpu_count()} CPUs; CPU is the share of one core over the window")
    print(markdown([w.row() for w in windows]))
    if args.profile:
        for window in windows:
            path = args.profile / f"{window.scenario}-{window.transport}.txt"
            if path.exists():
                print()
                print(summarise_profile(path, float(max(1, int(_window_seconds(window.scenario, args))))))


if __name__ == "__main__":
    main()
