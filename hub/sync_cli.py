"""``hub sync invoices|payments|reconcile`` and ``hub worker``: the invoice sync from the command line.

Settings come from the environment (``HUB_*``), as for ``hub serve``; what is invoiced and how is in
``mappings/sync.invoices.yaml`` (or the one in ``HUB_MAPPINGS_DIR``). Results go to stdout (a table,
or ``--format json|csv``); progress goes to stderr: a bar when stdout is a terminal, log lines otherwise.

Exit codes: 0 the run recorded no errors; 1 it recorded some (every invoice that could be made was
made), or another run of the same sync is in progress; 2 settings, mappings or the sync file are wrong
(nothing was written).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hub.errors import ConfigError, HubError, MappingError
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.runtime import Hub
    from hub.sync import ProgressSink

__all__ = ["sync_app", "worker"]

log = logging.getLogger("hub.sync")

sync_app = typer.Typer(
    help="Delivered Notion orders to QuickBooks invoices (exactly once), payments back, reconciliation.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError lists every bad setting
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):  # upstream URLs and their query strings stay out of logs
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _progress() -> ProgressSink:
    from hub.sync import LogProgress, RichProgress

    return RichProgress(err) if sys.stdout.isatty() else LogProgress()


def _run(action: Callable[[Hub], Awaitable[int]]) -> None:
    """Start a hub from the environment, run ``action`` on it, exit with its code (2 on bad config)."""
    from hub.runtime import Hub
    from hub.sync import SyncAlreadyRunning

    settings = _settings()
    _logging(settings)

    async def main() -> int:
        hub = await Hub.start(settings)
        try:
            return await action(hub)
        finally:
            await hub.close()

    try:
        code = asyncio.run(main())
    except (ConfigError, MappingError) as exc:
        err.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except SyncAlreadyRunning as exc:
        err.print(f"[yellow]{exc}[/yellow]", highlight=False)
        raise typer.Exit(1) from None
    except HubError as exc:
        err.print(f"[red]error:[/red] {exc.code}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    raise typer.Exit(code)


@sync_app.command("invoices")
def invoices(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print what would be created or updated; "
                                                           "change nothing")] = False,
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="only orders last edited in Notion on or after this day (UTC), "
                                   "YYYY-MM-DD")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="invoice at most N orders this run")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Create a QuickBooks invoice for every order ready to invoice and mark the order invoiced."""
    from hub.sync import build_invoice_sync
    from hub.sync.report import invoice_rows, print_rows

    async def action(hub: Hub) -> int:
        sync = build_invoice_sync(hub, progress=_progress())
        result = await sync.run(dry_run=dry_run, since=since.date() if since else None, limit=limit)
        title = "Invoices to create (dry run: nothing changed)" if dry_run else "Invoices"
        print_rows(out, fmt.value, "invoices", invoice_rows(result.rows, dry_run=dry_run), run=result.run,
                   title=title)
        return 0 if result.ok else 1

    _run(action)


@sync_app.command("payments")
def payments(fmt: FormatOpt = OutputFormat.table) -> None:
    """Copy payment status and amount paid from QuickBooks invoices onto the Notion orders."""
    from hub.sync import build_payments_sync
    from hub.sync.report import payment_rows, print_rows

    async def action(hub: Hub) -> int:
        result = await build_payments_sync(hub, progress=_progress()).run()
        print_rows(out, fmt.value, "payments", payment_rows(result.rows), run=result.run,
                   title="Orders updated from QuickBooks payments")
        return 0 if result.ok else 1

    _run(action)


@sync_app.command("reconcile")
def reconcile(fmt: FormatOpt = OutputFormat.table) -> None:
    """Report where Notion orders and QuickBooks invoices disagree, with links to both records.

    Orders without invoices, invoices without orders, amounts or customers that disagree. Exits 0
    whatever it finds; 1 when a source could not be read (its last mirrored state is used)."""
    from hub.sync import run_reconcile
    from hub.sync.report import mismatch_rows, print_rows

    async def action(hub: Hub) -> int:
        mismatches, failed = await run_reconcile(hub)
        for error in failed:
            err.print(f"[yellow]{error.code}[/yellow] {error} (its last mirrored state was used)",
                      highlight=False)
        print_rows(out, fmt.value, "mismatches", mismatch_rows(mismatches), title="Orders and invoices")
        if fmt == OutputFormat.table:
            out.print(f"{len(mismatches)} mismatch{'es' if len(mismatches) != 1 else ''}")
        return 1 if failed else 0

    _run(action)


async def _round(hub: Hub) -> int:
    """One scheduled round: invoices, then payments back (``settings.sync.payments_back``)."""
    from hub.sync import SyncAlreadyRunning, build_invoice_sync, build_payments_sync
    from hub.sync.report import run_summary

    jobs: list[Callable[[], Awaitable[object]]] = [build_invoice_sync(hub, progress=_progress()).run]
    if hub.settings.sync.payments_back:
        jobs.append(build_payments_sync(hub, progress=_progress()).run)
    code = 0
    for job in jobs:
        try:
            result = await job()
        except SyncAlreadyRunning as exc:
            log.warning("%s", exc)
            code = 1
            continue
        run = result.run  # type: ignore[attr-defined]
        out.print(run_summary(run), highlight=False)
        code = max(code, 0 if run.status == "ok" else 1)
    return code


def worker(
    once: Annotated[bool, typer.Option("--once", help="run one round and exit with its code")] = False,
) -> None:
    """Run the invoice sync, then payments back, every settings.sync.interval_seconds (until stopped)."""

    async def action(hub: Hub) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        interval = hub.settings.sync.interval_seconds
        while True:
            code = await _round(hub)
            if once or stop.is_set():
                return code
            log.info("next sync in %.0f s", interval)
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                continue
            return code

    _run(action)
