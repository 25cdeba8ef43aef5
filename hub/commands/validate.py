"""Input checks for the quote and order commands, run before anything is written to the outbox.

Each check returns the value in the form the outbox payload keeps (Decimals as given, dates as
``date``) or raises ``CommandValidationError`` naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from hub.commands.errors import CommandValidationError
from hub.store.outbox import MAX_KEY_LENGTH

__all__ = ["QuoteLine", "check_date", "check_email", "check_id", "check_key", "check_lines", "check_text",
           "line_payload"]

MAX_LINES = 100
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class QuoteLine(NamedTuple):
    """One quote line: a QuickBooks Item Id, an optional description (else the item's), quantity and
    unit price (``Decimal``; the line amount is ``quantity x unit_price`` rounded to cents)."""

    item_ref: str
    description: str | None
    quantity: Decimal
    unit_price: Decimal


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise CommandValidationError("key", f"an idempotency key is a non-blank string of at most "
                                            f"{MAX_KEY_LENGTH} characters")
    return key


def check_id(field: str, value: Any, *, digits: bool = False, optional: bool = False) -> str | None:
    """A record id: a non-blank string (only digits for QuickBooks ids)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CommandValidationError(field, "is required (a non-blank id)")
    if len(value) > 128 or (digits and not value.isdigit()):
        raise CommandValidationError(field, f"{value[:40]!r} is not a {'QuickBooks ' if digits else ''}id")
    return value


def check_text(field: str, value: Any, *, limit: int, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CommandValidationError(field, "must be non-blank text" + (" or null" if optional else ""))
    if len(value) > limit:
        raise CommandValidationError(field, f"is {len(value)} characters long; at most {limit} are allowed")
    return value


def check_email(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 100 or not _EMAIL.match(value):
        raise CommandValidationError(field, "is not an email address")
    return value


def check_date(field: str, value: Any, *, not_before: date | None = None) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date):
        raise CommandValidationError(field, "must be a date")
    if not_before is not None and value < not_before:
        raise CommandValidationError(field, f"{value.isoformat()} is in the past")
    return value


def _decimal(field: str, value: Any, *, positive: bool) -> Decimal:
    # floats are refused: money and quantities stay Decimal from the edge to the vendor
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        raise CommandValidationError(field, "must be a decimal number")
    number = Decimal(value)
    if number < 0 or (positive and number == 0):
        raise CommandValidationError(field, "must be greater than 0" if positive else "cannot be negative")
    return number


def check_lines(value: Any) -> list[QuoteLine]:
    """The lines of a quote: 1 to 100 of ``(item_ref, description, quantity, unit_price)``."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise CommandValidationError("lines", "at least one line is required")
    if len(value) > MAX_LINES:
        raise CommandValidationError("lines", f"{len(value)} lines; at most {MAX_LINES} are allowed")
    lines = []
    for n, raw in enumerate(value):
        where = f"lines[{n}]"
        if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 4:
            raise CommandValidationError(where, "must be (item_ref, description, quantity, unit_price)")
        item_ref = check_id(f"{where}.item_ref", raw[0], digits=True)
        assert item_ref is not None
        description = check_text(f"{where}.description", raw[1], limit=4000)
        quantity = _decimal(f"{where}.quantity", raw[2], positive=True)
        unit_price = _decimal(f"{where}.unit_price", raw[3], positive=False)
        if unit_price != unit_price.quantize(Decimal("0.00001")):
            raise CommandValidationError(f"{where}.unit_price", "has more than 5 decimal places")
        lines.append(QuoteLine(item_ref, description, quantity, unit_price))
    return lines


def line_payload(lines: Sequence[QuoteLine]) -> list[dict[str, Any]]:
    """Lines as the outbox payload keeps them."""
    return [line._asdict() for line in lines]
