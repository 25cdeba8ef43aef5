"""The row formats of ``hub sync ... --format``: the same columns whatever the rows, JSON with the run."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console

from hub.sync import PaymentUpdate, PlannedInvoice, SyncRun
from hub.sync.reconcile import Mismatch
from hub.sync.report import _FIELDS, invoice_rows, mismatch_rows, payment_rows, print_rows

RUN = SyncRun(
    id="r1",
    kind="invoices",
    dry_run=True,
    started_at=datetime(2026, 11, 2, tzinfo=UTC),
    status="ok",
    counts={"planned": 1},
)


def printed(fmt: str, name: str, rows: list[dict[str, object]], run: SyncRun | None = None) -> str:
    console = Console(file=io.StringIO(), width=200)
    print_rows(console, fmt, name, rows, run=run)  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_rows_carry_every_field_in_csv_order() -> None:
    plan = PlannedInvoice("p1", "SO-1", amount=Decimal("10.50"), customer="Maya")
    assert tuple(invoice_rows([plan], dry_run=True)[0]) == _FIELDS["invoices"]
    update = PaymentUpdate("p1", "SO-1", "1013", "Paid", Decimal("5"), "Unpaid", Decimal("0"))
    assert tuple(payment_rows([update])[0]) == _FIELDS["payments"]
    assert tuple(mismatch_rows([Mismatch("AMOUNT_MISMATCH", "d")])[0]) == _FIELDS["mismatches"]


def test_csv_has_its_header_even_without_rows_and_json_carries_the_run() -> None:
    assert printed("csv", "invoices", []) == ",".join(_FIELDS["invoices"]) + "\n"
    rows = invoice_rows([PlannedInvoice("p1", "SO-1", amount=Decimal("10.50"))], dry_run=True)
    body = json.loads(printed("json", "invoices", rows, RUN))
    assert body["run"]["counts"] == {"planned": 1} and body["run"]["dry_run"] is True
    assert body["invoices"][0]["amount"] == "10.50" and body["invoices"][0]["action"] == "create"
    table = printed("table", "invoices", rows, RUN)
    assert "SO-1" in table and "dry run, nothing changed" in table
