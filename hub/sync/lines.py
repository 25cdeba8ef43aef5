"""Invoice lines: an estimate's lines copied, or an order's "Lines" text mapped to QuickBooks Items.

An order that came from a quote is billed with the estimate's own lines. Any other order's "Lines" is
text the workshop types, parts separated by ``;`` (or new lines)::

    2 x Chorus Tunic; 1 x Rush fee; Tosca: chorus coats

``N x Name`` is a quantity and a product; a part without ``N x`` is one of a product named by the whole
part. A product is the QuickBooks Item named in ``items.overrides`` for it, else the active Item of that
name (case-insensitive), else ``items.default``; otherwise the order cannot be invoiced
(``UNMAPPABLE_LINE``). A named Item bills at its ``UnitPrice``; a line on the default Item (or on an
Item without a price) is priced at what the order's Total leaves after the other lines, so at most one
such line fits an order (``UNPRICED_LINE`` otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from connectors.base import SourceRecord
from hub.errors import ConfigError
from mappings.sync_spec import ItemRef, ItemsSpec

__all__ = ["ItemCatalog", "LineError", "OrderLine", "estimate_lines", "order_lines", "parse_lines"]

_CENT = Decimal("0.01")
_PLACES = Decimal("0.000001")  # a unit price QuickBooks keeps past the cent
_PART = re.compile(r"^(\d+(?:\.\d+)?)\s*[x×]\s+(.+)$", re.IGNORECASE)
_COPIED_DETAILS = ("SalesItemLineDetail", "DiscountLineDetail", "DescriptionOnly")


class LineError(Exception):
    """An order's lines cannot become invoice lines; ``code`` says why (UNMAPPABLE_LINE, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OrderLine:
    quantity: Decimal
    product: str
    text: str  # the part as written, kept as the invoice line's description


def money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def parse_lines(text: str | None) -> list[OrderLine]:
    """``"2 x Chorus Tunic; 1 x Rush fee"`` -> two lines; blank parts are skipped."""
    lines = []
    for part in re.split(r"[;\n]", text or ""):
        part = " ".join(part.split())
        if not part:
            continue
        match = _PART.match(part)
        if match:
            try:
                quantity = Decimal(match.group(1))
            except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
                quantity = Decimal(1)
            if quantity > 0:
                lines.append(OrderLine(quantity, match.group(2).strip(), part))
                continue
        lines.append(OrderLine(Decimal(1), part, part))
    return lines


class ItemCatalog:
    """The QuickBooks Item list, looked up as ``items`` in the sync file says."""

    def __init__(self, items: Sequence[SourceRecord], spec: ItemsSpec) -> None:
        self.by_id = {r.external_id: r for r in items}
        self.by_name: dict[str, SourceRecord] = {}
        for record in items:
            if not record.archived:
                self.by_name.setdefault(_fold(record.data.get("Name")), record)
        self.overrides = {_fold(name): ref for name, ref in spec.overrides.items()}
        self.default = self._ref(spec.default, "items.default") if spec.default is not None else None
        for name, ref in spec.overrides.items():
            self._ref(ref, f"items.overrides[{name!r}]")  # a wrong override stops the run before writing

    def _ref(self, ref: ItemRef, where: str) -> SourceRecord:
        found = self.by_id.get(ref.id) if ref.id is not None else self.by_name.get(_fold(ref.name))
        if found is None or found.archived:
            what = f"id {ref.id!r}" if ref.id is not None else f"name {ref.name!r}"
            raise ConfigError(f"sync.invoices.yaml: {where}: no active QuickBooks Item with {what}")
        return found

    def find(self, product: str) -> tuple[SourceRecord | None, bool]:
        """The Item for ``product`` and whether it is the default one."""
        folded = _fold(product)
        if folded in self.overrides:
            return self._ref(self.overrides[folded], f"items.overrides[{product!r}]"), False
        if folded in self.by_name:
            return self.by_name[folded], False
        return self.default, self.default is not None


def _fold(name: Any) -> str:
    return " ".join(str(name or "").casefold().split())


def _price(item: SourceRecord) -> Decimal | None:
    try:
        price = Decimal(str(item.data.get("UnitPrice")))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 else None


def order_lines(text: str | None, total: Decimal | None, catalog: ItemCatalog,
                tax_code: str | None) -> list[dict[str, Any]]:
    """QuickBooks ``Line`` entries for an order's "Lines" text; raises ``LineError``."""
    parsed = parse_lines(text)
    if not parsed:
        raise LineError("NO_LINES", "the order's Lines are empty: nothing to invoice")
    out: list[dict[str, Any]] = []
    unpriced: list[int] = []
    for line in parsed:
        item, is_default = catalog.find(line.product)
        if item is None:
            raise LineError("UNMAPPABLE_LINE", f"no QuickBooks Item for {line.product!r} (line {line.text!r})"
                                               "; add it to items.overrides or set items.default")
        price = None if is_default else _price(item)
        if price is None:
            unpriced.append(len(out))
        detail: dict[str, Any] = {"ItemRef": {"value": item.external_id, "name": str(item.data.get("Name"))},
                                  "Qty": line.quantity, "UnitPrice": price or Decimal(0)}
        if tax_code:
            detail["TaxCodeRef"] = {"value": tax_code}
        out.append({"DetailType": "SalesItemLineDetail", "Amount": money(line.quantity * (price or 0)),
                    "Description": line.text[:4000], "SalesItemLineDetail": detail})
    if len(unpriced) > 1:
        raise LineError("UNPRICED_LINE", "more than one line has no price of its own (default item or an "
                                         "Item without a UnitPrice); only one can take the order's Total")
    if unpriced:
        rest = (total or Decimal(0)) - sum((line["Amount"] for line in out), Decimal(0))
        if total is None or rest <= 0:
            raise LineError("UNPRICED_LINE", f"line {parsed[unpriced[0]].text!r} has no price of its own and "
                                             "the order's Total leaves nothing for it")
        taker = out[unpriced[0]]
        detail = taker["SalesItemLineDetail"]
        quantity = detail["Qty"]
        price = rest / quantity
        exact = money(price)
        detail["UnitPrice"] = exact if money(exact * quantity) == money(rest) else price.quantize(_PLACES)
        taker["Amount"] = money(rest)
    return out


def estimate_lines(estimate: SourceRecord) -> list[dict[str, Any]]:
    """The estimate's lines as an invoice's (item, discount and description lines; QuickBooks adds the
    subtotal), without the estimate's line Ids."""
    out = []
    for line in estimate.data.get("Line") or []:
        if not isinstance(line, dict) or line.get("DetailType") not in _COPIED_DETAILS:
            continue
        out.append({k: v for k, v in line.items() if k not in ("Id", "LineNum", "LinkedTxn")})
    return out
