"""The invoice sync's file, ``sync.invoices.yaml``: which orders are invoiced and how they become invoices.

::

    version: 1
    statuses: [Delivered, Ready to invoice]   # Notion order statuses ready to invoice (default [Delivered])
    invoiced_status: Invoiced                 # written back once the invoice exists
    properties:                               # the Notion Orders properties the sync writes
      invoice_number: QuickBooks Invoice      # rich_text: the invoice DocNumber
      invoice_link: Invoice Link              # url: the invoice in QuickBooks (null: not written)
      status: Status
      payment_status: Payment Status          # select (payments back)
      amount_paid: Amount Paid                # number (payments back)
    payment_statuses: {paid: Paid, partially_paid: Partially paid, unpaid: Unpaid}
    items:                                    # lines of orders that did not come from a quote
      overrides: {Rush: Rush fee, Gown: {id: "1"}}   # product name in "Lines" -> QBO Item name or id
      default: Costume design fee             # item for a line naming no product; null: UNMAPPABLE_LINE
    tax_code: NON                             # TaxCodeRef of those lines (null: QuickBooks decides)
    terms: {id: "3", name: Net 30}            # SalesTermRef (null: the customer's terms)
    due_days: 30                              # DueDate = today + due_days (null: from the terms)

Every key but ``version`` has the default shown in ``InvoiceSyncSpec``. A bad file stops the sync with
``MappingError("sync.invoices.yaml: key.path: reason (line N)")`` before anything is read or written.

>>> spec = parse_sync_spec("version: 1\\nstatuses: [Delivered]\\n", "sync.invoices.yaml")
>>> spec.invoiced_status, spec.properties.invoice_number
('Invoiced', 'QuickBooks Invoice')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.errors import ConfigError
from mappings.checks import Invalid, Loc, check_version, located, read_yaml, validate

__all__ = [
    "SYNC_FILE",
    "InvoiceSyncSpec",
    "ItemRef",
    "ItemsSpec",
    "PaymentStatuses",
    "PropertyNames",
    "TermsRef",
    "load_sync_spec",
    "parse_sync_spec",
]

SYNC_FILE = "sync.invoices.yaml"
_DEFAULT_DIRECTORY = Path(__file__).resolve().parent


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PropertyNames(_Model):
    """Notion Orders properties the sync writes (names as in the data source)."""

    invoice_number: str = Field("QuickBooks Invoice", min_length=1, max_length=100)
    invoice_link: str | None = Field("Invoice Link", min_length=1, max_length=100)
    status: str = Field("Status", min_length=1, max_length=100)
    payment_status: str = Field("Payment Status", min_length=1, max_length=100)
    amount_paid: str = Field("Amount Paid", min_length=1, max_length=100)


class PaymentStatuses(_Model):
    """The option names of the Payment Status select."""

    paid: str = Field("Paid", min_length=1, max_length=100)
    partially_paid: str = Field("Partially paid", min_length=1, max_length=100)
    unpaid: str = Field("Unpaid", min_length=1, max_length=100)


class ItemRef(_Model):
    """A QuickBooks Item by ``id`` or by ``name`` (exactly one of them)."""

    id: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=100)


class ItemsSpec(_Model):
    overrides: dict[str, ItemRef] = Field(default_factory=dict)
    default: ItemRef | None = None


class TermsRef(_Model):
    """A ``SalesTermRef``: the Term's Id and, for people reading the invoice JSON, its name."""

    id: str = Field(min_length=1, max_length=20)
    name: str | None = None


class InvoiceSyncSpec(_Model):
    """A validated ``sync.invoices.yaml``."""

    version: int
    description: str | None = None
    statuses: tuple[str, ...] = Field(("Delivered",), min_length=1)
    invoiced_status: str = Field("Invoiced", min_length=1, max_length=100)
    properties: PropertyNames = PropertyNames()
    payment_statuses: PaymentStatuses = PaymentStatuses()
    items: ItemsSpec = ItemsSpec()
    tax_code: str | None = Field(None, min_length=1, max_length=20)
    terms: TermsRef | None = None
    due_days: int | None = Field(None, ge=0, le=365)
    file: str = Field(SYNC_FILE, exclude=True)


def load_sync_spec(directory: Path | None = None) -> InvoiceSyncSpec:
    """``sync.invoices.yaml`` of ``directory`` (a shop's ``mappings_dir``) when it has one, else the
    file shipped in the ``mappings`` package. Raises ``MappingError`` naming file, key path and reason."""
    path = Path(directory) / SYNC_FILE if directory is not None else None
    if path is None or not path.is_file():
        path = _DEFAULT_DIRECTORY / SYNC_FILE
    if not path.is_file():
        raise ConfigError(f"invoice sync file {path} does not exist")
    return parse_sync_spec(path.read_text(encoding="utf-8"), path.name)


def parse_sync_spec(text: str, file: str) -> InvoiceSyncSpec:
    """Validate one file's text; ``file`` is the name used in messages."""
    data, lines = read_yaml(text, file)
    try:
        return _compile(data, file)
    except Invalid as exc:
        raise located(exc, file, lines) from None


def _compile(raw: Any, file: str) -> InvoiceSyncSpec:
    if not isinstance(raw, Mapping):
        raise Invalid((), "expected a mapping with version and statuses")
    check_version(raw)
    raw = dict(raw)
    if isinstance(raw.get("statuses"), list):
        raw["statuses"] = tuple(raw["statuses"])  # strict mode takes tuples only as tuples
    elif "statuses" in raw:
        raise Invalid(("statuses",), "expected a list of status names, e.g. [Delivered]")
    items = raw.get("items")
    if isinstance(items, Mapping):
        raw["items"] = _items(items)
    spec = validate(InvoiceSyncSpec, {**raw, "file": file}, ())
    _check_names(spec.statuses, ("statuses",), "status")
    if spec.invoiced_status in spec.statuses:
        raise Invalid(("invoiced_status",), f"{spec.invoiced_status!r} is also one of statuses: invoiced "
                                            "orders would be invoiced again")
    for name, value in (("statuses", spec.statuses), ("invoiced_status", [spec.invoiced_status])):
        for i, status in enumerate(value):
            if status != status.strip():
                loc: Loc = (name, i) if name == "statuses" else (name,)
                raise Invalid(loc, "has leading or trailing spaces")
    props = spec.properties.model_dump()
    _check_names([v for v in props.values() if v is not None], ("properties",), "property",
                 keys=[k for k, v in props.items() if v is not None])
    payments = spec.payment_statuses.model_dump()
    _check_names(list(payments.values()), ("payment_statuses",), "option", keys=list(payments))
    return spec


def _items(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides``/``default`` values may be a plain item name: turn them into ``{name: ...}`` and
    check that each ref names exactly one of id and name."""
    out = dict(raw)
    overrides = raw.get("overrides")
    if isinstance(overrides, Mapping):
        fixed = {}
        for product, ref in overrides.items():
            if not isinstance(product, str) or not product.strip():
                raise Invalid(("items", "overrides", str(product)), "a product name must be non-empty text")
            fixed[product] = _ref(ref, ("items", "overrides", product))
        out["overrides"] = fixed
    if raw.get("default") is not None:
        out["default"] = _ref(raw["default"], ("items", "default"))
    return out


def _ref(ref: Any, loc: Loc) -> Any:
    if isinstance(ref, str):
        return {"name": ref}
    if not isinstance(ref, Mapping):
        raise Invalid(loc, "expected an item name or {id: ...}")
    if isinstance(ref, Mapping) and sum(1 for k in ("id", "name") if ref.get(k) is not None) != 1:
        if set(ref) <= {"id", "name"}:
            raise Invalid(loc, "give the item's id or its name, not both or neither")
    return ref


def _check_names(values: Any, loc: Loc, what: str, *, keys: list[str] | None = None) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            where = (*loc, keys[i] if keys is not None else i)
            raise Invalid(where, f"{value!r} is given twice: each {what} once")
        seen.add(value)
