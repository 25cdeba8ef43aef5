"""Transforms for sales documents: ``where``, ``date`` and the QuickBooks status derivations.

Registered into ``mappings.transforms.REGISTRY`` on import (``mappings.transforms`` imports this module).

Status rules, decided once here so every reader of a quote or invoice sees the same answer:

* ``qbo_estimate_status`` reads ``TxnStatus`` (QBO: Pending, Accepted, Closed, Rejected):

  - Pending -> DRAFT while never e-mailed nor printed (``EmailStatus`` in ``draft_email_status``,
    default NotSet/NeedToSend, and ``PrintStatus`` not PrintComplete); else EXPIRED when
    ``ExpirationDate`` is before today, else SENT. A Pending estimate with no ``EmailStatus`` at all
    is SENT: a draft is claimed only on evidence.
  - Accepted -> ACCEPTED (even past its expiry: acceptance is what counts).
  - Rejected -> DECLINED.
  - Closed -> CONVERTED when ``LinkedTxn`` holds an Invoice; otherwise ACCEPTED. QBO closes an
    estimate when it is copied to an invoice; a Closed estimate with no invoice link had one that was
    deleted, or was closed by hand after the customer agreed -- either way it was accepted, and not
    (or no longer) invoiced. The QuickBooks sandbox makes the same assumption.

* ``qbo_invoice_status`` reads ``Balance`` with ``TotalAmt``, ``DueDate`` and ``PrivateNote``:
  VOID when the total is 0 and the note starts with "Voided" (what QBO does to a voided invoice);
  else PAID when nothing is owed; else OVERDUE when ``DueDate`` is before today (overdue wins over
  partly paid: it is what needs chasing); else PARTIALLY_PAID when something was paid; else OPEN.
  "Today" is ``apply(..., today=...)``, by default the current UTC date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mappings.entities import INVOICE_STATUSES, QUOTE_STATUSES
from mappings.filters import Filter
from mappings.paths import KeyPath, PathSyntaxError, PathTypeError
from mappings.transforms import Args, Context, TransformError, _kind, _to_decimal, register

__all__: list[str] = []


def _path_arg(value: Any) -> KeyPath:
    if isinstance(value, KeyPath):
        return value
    try:
        return KeyPath.parse(value)
    except PathSyntaxError as exc:
        raise PydanticCustomError("path", exc.reason) from None


# --- where -----------------------------------------------------------------------------------------


class WhereArgs(Args):
    """The filter itself is the argument: ``{where: {TxnType: Invoice}}``."""

    filter: Filter

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: Any) -> Any:
        try:
            return {"filter": Filter.parse(data)}
        except PathSyntaxError as exc:
            where = ".".join(map(str, exc.loc))
            reason = f"filter key {where!r}: {exc.reason}" if where else exc.reason
            raise PydanticCustomError("filter", reason) from None


@register("where", args=WhereArgs)
def _where(value: Any, args: WhereArgs, ctx: Context) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise TransformError(f"expected a list, got {_kind(value)}")
    return [item for item in value if args.filter.matches(item)]


# --- dates -----------------------------------------------------------------------------------------


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TransformError(f"expected a date, got {_kind(value)}")
    text = value.strip()
    try:
        return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise TransformError("not an ISO 8601 date") from None


@register("date", returns=(date,))
def _date(value: Any, args: None, ctx: Context) -> date | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _as_date(value)


def _read(path: KeyPath, ctx: Context) -> Any:
    try:
        return path.resolve(ctx.record, ctx.around)
    except PathTypeError as exc:
        raise TransformError(str(exc)) from None


def _read_date(path: KeyPath, ctx: Context) -> date | None:
    value = _read(path, ctx)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _as_date(value)
    except TransformError as exc:
        raise TransformError(f"{path}: {exc}") from None


# --- QuickBooks estimate status --------------------------------------------------------------------


class EstimateStatusArgs(Args):
    expires: KeyPath = KeyPath(("ExpirationDate",))
    links: KeyPath = KeyPath(("LinkedTxn",))
    email_status: KeyPath = KeyPath(("EmailStatus",))
    print_status: KeyPath = KeyPath(("PrintStatus",))
    draft_email_status: tuple[str, ...] = Field(("NotSet", "NeedToSend"))

    @field_validator("expires", "links", "email_status", "print_status", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> KeyPath:
        return _path_arg(value)

    @field_validator("draft_email_status", mode="before")
    @classmethod
    def _tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


def _statuses(names: tuple[str, ...]) -> Any:
    return lambda args: [((), name) for name in names]


@register("qbo_estimate_status", args=EstimateStatusArgs, returns=(str,), literals=_statuses(QUOTE_STATUSES))
def _estimate_status(value: Any, args: EstimateStatusArgs, ctx: Context) -> str:
    status = value.strip() if isinstance(value, str) else value
    if status == "Pending":
        email = _read(args.email_status, ctx)
        if email in args.draft_email_status and _read(args.print_status, ctx) != "PrintComplete":
            return "DRAFT"
        expires = _read_date(args.expires, ctx)
        return "EXPIRED" if expires is not None and expires < ctx.as_of() else "SENT"
    if status == "Accepted":
        return "ACCEPTED"
    if status == "Rejected":
        return "DECLINED"
    if status == "Closed":
        links = _read(args.links, ctx) or []
        if not isinstance(links, list | tuple):
            raise TransformError(f"{args.links} is {_kind(links)}, not a list")
        invoiced = any(isinstance(link, Mapping) and link.get("TxnType") == "Invoice" for link in links)
        return "CONVERTED" if invoiced else "ACCEPTED"
    if not isinstance(status, str):
        raise TransformError(f"expected a TxnStatus string, got {_kind(value)}")
    raise TransformError(
        f"unknown TxnStatus {status[:40]!r} (expected Pending, Accepted, Closed or Rejected)"
    )


# --- QuickBooks invoice status ---------------------------------------------------------------------


class InvoiceStatusArgs(Args):
    total: KeyPath = KeyPath(("TotalAmt",))
    due: KeyPath = KeyPath(("DueDate",))
    note: KeyPath = KeyPath(("PrivateNote",))
    void_note_prefix: str = Field("Voided", min_length=1)

    @field_validator("total", "due", "note", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> KeyPath:
        return _path_arg(value)


@register("qbo_invoice_status", args=InvoiceStatusArgs, returns=(str,), literals=_statuses(INVOICE_STATUSES))
def _invoice_status(value: Any, args: InvoiceStatusArgs, ctx: Context) -> str:
    balance = _to_decimal(value)
    raw_total = _read(args.total, ctx)
    try:
        total = None if raw_total is None else _to_decimal(raw_total)
    except TransformError as exc:
        raise TransformError(f"{args.total}: {exc}") from None
    note = _read(args.note, ctx)
    if total == 0 and isinstance(note, str) and note.strip().startswith(args.void_note_prefix):
        return "VOID"
    if balance <= 0:
        return "PAID"
    due = _read_date(args.due, ctx)
    if due is not None and due < ctx.as_of():
        return "OVERDUE"
    if total is not None and balance < total:
        return "PARTIALLY_PAID"
    return "OPEN"


# Transforms for documents and Notion sales pages live in their own module; importing it here registers
# them wherever REGISTRY is used.
from mappings import transforms_docs  # noqa: E402, F401
