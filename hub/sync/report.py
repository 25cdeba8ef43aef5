"""Sync results as rows, printed as a table, JSON or CSV (``hub sync ... --format``).

Invoice rows (``hub sync invoices``): order, order_id, customer, customer_id, estimate, action,
invoice, invoice_id, amount, currency, code, message, order_url, invoice_url. ``action`` is what a dry
run would do (create, adopt, update order, failed, skipped) or what a run did (created, recovered,
adopted, written back, failed, skipped). Amounts are decimal strings. JSON is
``{"run": {...}, "<rows name>": [...]}``; CSV is the rows alone, with a header line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

from hub.sync.payments import PaymentUpdate
from hub.sync.plan import PlannedInvoice
from hub.sync.reconcile import Mismatch
from hub.sync.runs import SyncRun

__all__ = ["Format", "invoice_rows", "mismatch_rows", "payment_rows", "print_rows", "run_json"]

Format = Literal["table", "json", "csv"]
_PLANNED = {"create": "create", "adopt": "adopt", "write_back": "update order", "failed": "failed",
            "skipped": "skipped"}
_INVOICE_COLUMNS = ("order", "customer", "action", "invoice", "amount", "estimate", "message")
_PAYMENT_COLUMNS = ("order", "invoice", "payment_status", "amount_paid", "previous_payment_status",
                    "previous_amount_paid", "outcome", "message")
_MISMATCH_COLUMNS = ("kind", "order", "invoice", "customer_id", "detail", "order_url", "invoice_url")
# Every field of a row, in CSV column order.
_FIELDS = {
    "invoices": ("order", "order_id", "customer", "customer_id", "estimate", "action", "invoice",
                 "invoice_id", "amount", "currency", "code", "message", "order_url", "invoice_url"),
    "payments": ("order", "order_id", "invoice", "payment_status", "amount_paid", "previous_payment_status",
                 "previous_amount_paid", "outcome", "code", "message", "order_url", "invoice_url"),
    "mismatches": ("kind", "detail", "order", "order_id", "order_url", "invoice", "invoice_id", "invoice_url",
                   "customer_id"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def invoice_rows(plans: Iterable[PlannedInvoice], *, dry_run: bool) -> list[dict[str, Any]]:
    rows = []
    for plan in plans:
        action = _PLANNED[plan.action] if dry_run else plan.extra.get("outcome") or _PLANNED[plan.action]
        note = f"{plan.code}: {plan.message}" if plan.code else plan.message
        invoice = plan.invoice
        rows.append({
            "order": plan.order, "order_id": plan.order_id, "customer": plan.customer,
            "customer_id": plan.customer_id, "estimate": plan.estimate_id, "action": action,
            "invoice": invoice.number if invoice else None, "invoice_id": invoice.id if invoice else None,
            "amount": _plain(plan.amount), "currency": plan.currency if plan.amount is not None else None,
            "code": plan.code, "message": note, "order_url": plan.order_url,
            "invoice_url": invoice.url if invoice else None,
        })
    return rows


def payment_rows(updates: Iterable[PaymentUpdate]) -> list[dict[str, Any]]:
    return [{
        "order": u.order, "order_id": u.order_id, "invoice": u.invoice, "payment_status": u.status,
        "amount_paid": _plain(u.paid), "previous_payment_status": u.previous_status,
        "previous_amount_paid": _plain(u.previous_paid), "outcome": u.outcome, "code": u.code,
        "message": u.message, "order_url": u.order_url, "invoice_url": u.invoice_url,
    } for u in updates]


def mismatch_rows(mismatches: Iterable[Mismatch]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(m) for m in mismatches]


def run_json(run: SyncRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "dry_run": run.dry_run, "status": run.status,
            "started_at": _plain(run.started_at), "finished_at": _plain(run.finished_at),
            "counts": dict(run.counts), "errors": list(run.errors)}


def run_summary(run: SyncRun) -> str:
    counts = " · ".join(f"{name.replace('_', ' ')} {value}" for name, value in run.counts.items())
    what = "dry run, nothing changed" if run.dry_run else run.status
    return f"{run.kind} run {run.id[:8]} ({what}): {counts or 'nothing to do'}"


def print_rows(console: Console, fmt: Format, name: str, rows: Sequence[dict[str, Any]], *,
               run: SyncRun | None = None, title: str = "") -> None:
    """Print ``rows`` to ``console`` as ``fmt``; ``name`` is the JSON key and picks the table columns."""
    if fmt == "json":
        body: dict[str, Any] = {"run": run_json(run)} if run is not None else {}
        body[name] = rows
        console.file.write(json.dumps(body, indent=2, default=_plain) + "\n")
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_FIELDS[name], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        console.file.write(out.getvalue())
        return
    columns = _columns(name)
    table = Table(*[c.replace("_", " ") for c in columns], title=title or None)
    for row in rows:
        style = "red" if row.get("code") or row.get("action") == "failed" else None
        table.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns], style=style)
    if rows:
        console.print(table)
    if run is not None:
        console.print(run_summary(run))
        for error in run.errors:  # the orders' own errors are in their rows
            if not error.get("order"):
                console.print(f"[red]{error.get('code')}[/red] {error.get('message')}", highlight=False)


def _columns(name: str) -> tuple[str, ...]:
    return {"invoices": _INVOICE_COLUMNS, "payments": _PAYMENT_COLUMNS}.get(name, _MISMATCH_COLUMNS)
