"""The named transforms a mapping file may use, in one registry.

A transform turns one value into another. In YAML a step is either a bare name (``strip``) or a
one-key object whose value holds its arguments (``{money: {currency_from: CurrencyRef.value}}``); some
transforms take a scalar shorthand for their single argument (``{join: " / "}``). Arguments are checked
by a pydantic model at load time, so a bad argument stops start-up, never a query.

At apply time a transform that cannot convert its input raises ``TransformError``; the engine turns that
into ``None`` for the field plus a warning. ``None`` input skips every transform except those that
handle absence themselves (``map`` with a ``default``, ``present``).

===============  ========================================================================================
name             does
===============  ========================================================================================
text             str (or int/Decimal) -> trimmed str with inner whitespace runs collapsed; blank -> None
strip            str -> trimmed str; blank -> None
lower / upper    str -> lower / upper case
phone            str -> phone number with single spaces, leading ``+`` kept; rejects letters
decimal          int/Decimal/numeric str -> Decimal, optional ``places`` (half-up); rejects float
money            number -> Money quantized to ``places`` (2; null keeps the exponent as given); currency
                 from ``currency`` / ``currency_from`` (a path from the record, ``^`` for the one around)
map              look the value up in ``values``; ``default`` for unknown or missing values
present          ``then`` when the value is non-empty, else ``else``
qbo_address      QuickBooks ``PhysicalAddress`` object -> Address
notion_date      decoded Notion date ``{start, end, time_zone}`` -> date or UTC datetime (``part``)
bool             bool, 0/1 or true/false/yes/no strings -> bool
first            list -> its first element (None when empty)
join             list of text -> one str joined by ``sep`` (", ")
get              object (or list of objects) -> the value at ``path`` inside it
where            list of objects -> those matching a filter (``mappings.filters``)
date             ISO 8601 date (or datetime: its date as written) -> date
qbo_estimate_status  QuickBooks Estimate TxnStatus (+ expiry, links, e-mail status) -> quote status
qbo_invoice_status   QuickBooks Invoice Balance (+ total, due date, note) -> invoice status as of today
===============  ========================================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mappings.paths import KeyPath, PathSyntaxError, PathTypeError
from mappings.values import Address, Money

__all__ = ["REGISTRY", "Args", "Context", "Step", "TransformDef", "TransformError", "register"]

Loc = tuple[str | int, ...]


class TransformError(ValueError):
    """The value cannot be converted; the engine records a warning and maps the field to ``None``."""


@dataclass(frozen=True)
class Context:
    """What a transform may look at besides its input.

    ``record`` is the record being mapped (inside a list field's ``each``: the current item), ``around``
    the records enclosing it, nearest first (what ``^`` reaches), and ``today`` the date the mapping is
    applied as of (``EntityMapping.apply(..., today=...)``), for statuses such as "overdue".
    """

    record: Mapping[str, Any]
    around: tuple[Mapping[str, Any], ...] = ()
    today: date | None = None

    def as_of(self) -> date:
        """``today``, or the current UTC date when the caller gave none."""
        return self.today if self.today is not None else datetime.now(UTC).date()

    def inside(self, item: Mapping[str, Any]) -> Context:
        """The context for ``item``, one level inside the current record."""
        return Context(item, (self.record, *self.around), self.today)


class Args(BaseModel):
    """Base of transform argument models; ``shorthand`` names the field a scalar argument fills."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True)
    shorthand: ClassVar[str | None] = None


@dataclass(frozen=True)
class TransformDef:
    """A registered transform: its function, argument model and what it is known to return."""

    name: str
    func: Callable[[Any, Any, Context], Any]
    args: type[Args] | None
    returns: tuple[type, ...] | None
    handles_none: bool
    literals: Callable[[Any], list[tuple[Loc, Any]]] | None


@dataclass(frozen=True)
class Step:
    """A transform bound to its validated arguments."""

    transform: TransformDef
    args: Any

    def __call__(self, value: Any, ctx: Context) -> Any:
        if value is None and not self.transform.handles_none:
            return None
        return self.transform.func(value, self.args, ctx)

    def literals(self) -> list[tuple[Loc, Any]]:
        """Constant outputs this step can produce, with where they are written (for choice checks)."""
        return self.transform.literals(self.args) if self.transform.literals else []


REGISTRY: dict[str, TransformDef] = {}


def register(
    name: str,
    *,
    args: type[Args] | None = None,
    returns: tuple[type, ...] | None = None,
    handles_none: bool = False,
    literals: Callable[[Any], list[tuple[Loc, Any]]] | None = None,
) -> Callable[[Callable[[Any, Any, Context], Any]], Callable[[Any, Any, Context], Any]]:
    """Add a transform to ``REGISTRY`` under ``name``."""

    def deco(func: Callable[[Any, Any, Context], Any]) -> Callable[[Any, Any, Context], Any]:
        if name in REGISTRY:
            raise ValueError(f"transform {name!r} registered twice")
        REGISTRY[name] = TransformDef(name, func, args, returns, handles_none, literals)
        return func

    return deco


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _need_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TransformError(f"expected a string, got {_kind(value)}")
    return value


def _blank_none(text: str) -> str | None:
    return text or None


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TransformError("got a float; amounts must be exact (decode JSON numbers as Decimal)")
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise TransformError(f"expected a number, got {_kind(value)}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise TransformError("not a number") from None
    if not number.is_finite():
        raise TransformError("not a finite number")
    return number


def _quantize(number: Decimal, places: int) -> Decimal:
    # Half-up is how invoices round; Decimal's default (half-even) would surprise a bookkeeper.
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _parse_path(value: Any) -> KeyPath:
    try:
        return KeyPath.parse(value)
    except PathSyntaxError as exc:
        raise PydanticCustomError("path", exc.reason) from None


# --- text ------------------------------------------------------------------------------------------


@register("text", returns=(str,))
def _text(value: Any, args: None, ctx: Context) -> str | None:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return _blank_none(" ".join(_need_str(value).split()))


@register("strip", returns=(str,))
def _strip(value: Any, args: None, ctx: Context) -> str | None:
    return _blank_none(_need_str(value).strip())


@register("lower", returns=(str,))
def _lower(value: Any, args: None, ctx: Context) -> str:
    return _need_str(value).lower()


@register("upper", returns=(str,))
def _upper(value: Any, args: None, ctx: Context) -> str:
    return _need_str(value).upper()


_PHONE = re.compile(r"\+?[0-9()./ -]+(?: ?(?:x|ext\.?|#) ?[0-9]+)?", re.IGNORECASE)


@register("phone", returns=(str,))
def _phone(value: Any, args: None, ctx: Context) -> str | None:
    text = " ".join(_need_str(value).split())
    text = re.sub(r"\( +", "(", re.sub(r" +\)", ")", text))
    text = re.sub(r"^\+ +", "+", text)
    if not text:
        return None
    # Messages never echo the number: warnings end up in logs and phone numbers are personal data.
    if not _PHONE.fullmatch(text):
        raise TransformError("not a phone number (unexpected characters)")
    if sum(c.isdigit() for c in text) < 3:
        raise TransformError("not a phone number (too few digits)")
    return text


# --- numbers and money -----------------------------------------------------------------------------


class DecimalArgs(Args):
    shorthand: ClassVar[str | None] = "places"
    places: int | None = Field(None, ge=0, le=12)


@register("decimal", args=DecimalArgs, returns=(Decimal,))
def _decimal(value: Any, args: DecimalArgs, ctx: Context) -> Decimal:
    number = _to_decimal(value)
    return number if args.places is None else _quantize(number, args.places)


_ISO_CURRENCY = r"^[A-Z]{3}$"


def _currency_code(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(_ISO_CURRENCY, value):
        raise PydanticCustomError("currency", "must be a 3-letter ISO 4217 code such as USD")
    return value


CurrencyCode = Annotated[str, BeforeValidator(_currency_code)]


class MoneyArgs(Args):
    currency: CurrencyCode | None = None
    currency_from: KeyPath | None = None
    default_currency: CurrencyCode | None = None
    places: int | None = Field(2, ge=0, le=6)

    @field_validator("currency_from", mode="before")
    @classmethod
    def _path(cls, value: Any) -> KeyPath | None:
        return None if value is None else _parse_path(value)

    @model_validator(mode="after")
    def _one_currency_source(self) -> MoneyArgs:
        if self.currency and (self.currency_from or self.default_currency):
            raise PydanticCustomError(
                "money", "give either 'currency' or 'currency_from'/'default_currency', not both"
            )
        if not (self.currency or self.currency_from or self.default_currency):
            raise PydanticCustomError("money", "needs 'currency', 'currency_from' or 'default_currency'")
        return self


@register("money", args=MoneyArgs, returns=(Money,))
def _money(value: Any, args: MoneyArgs, ctx: Context) -> Money:
    amount = _to_decimal(value)
    if args.places is not None:
        amount = _quantize(amount, args.places)
    currency: Any = args.currency
    if args.currency_from is not None:
        try:
            currency = args.currency_from.resolve(ctx.record, ctx.around)
        except PathTypeError as exc:
            raise TransformError(f"currency: {exc}") from None
        if isinstance(currency, str):
            currency = currency.strip().upper() or None
        currency = currency if currency is not None else args.default_currency
    if currency is None:
        raise TransformError(f"no currency at {args.currency_from} and no default_currency")
    if not isinstance(currency, str) or not re.fullmatch(_ISO_CURRENCY, currency):
        raise TransformError("currency is not a 3-letter ISO 4217 code")
    return Money(amount, currency)


# --- lookups ---------------------------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    if value is not None and not isinstance(value, str | int | bool):
        raise PydanticCustomError("scalar", "must be text, a whole number, true/false or null")
    return value


MapKey = Annotated[str | int | bool, BeforeValidator(_scalar)]
MapValue = Annotated[str | int | bool | None, BeforeValidator(_scalar)]


class MapArgs(Args):
    values: dict[MapKey, MapValue] = Field(min_length=1)
    default: MapValue = None
    ignore_case: bool = False

    def lookup(self, value: Any) -> Any:
        if self.ignore_case and isinstance(value, str):
            folded = {k.casefold() if isinstance(k, str) else k: v for k, v in self.values.items()}
            if value.casefold() in folded:
                return folded[value.casefold()]
        elif isinstance(value, Hashable) and value in self.values:
            return self.values[value]
        if "default" in self.model_fields_set:
            return self.default
        if not isinstance(value, Hashable):
            raise TransformError(f"cannot look up {_kind(value)}")
        raise TransformError(f"no mapping for {str(value)[:40]!r} and no default")


def _map_literals(args: MapArgs) -> list[tuple[Loc, Any]]:
    found: list[tuple[Loc, Any]] = [(("values", k), v) for k, v in args.values.items()]
    if "default" in args.model_fields_set:
        found.append((("default",), args.default))
    return found


@register("map", args=MapArgs, handles_none=True, literals=_map_literals)
def _map(value: Any, args: MapArgs, ctx: Context) -> Any:
    if value is None:
        return args.default
    return args.lookup(value)


class PresentArgs(Args):
    then: MapValue
    otherwise: MapValue = Field(None, alias="else")


@register(
    "present",
    args=PresentArgs,
    handles_none=True,
    literals=lambda a: [(("then",), a.then), (("else",), a.otherwise)],
)
def _present(value: Any, args: PresentArgs, ctx: Context) -> Any:
    empty = value is None or (isinstance(value, str | list | tuple | Mapping) and not _strip_len(value))
    return args.otherwise if empty else args.then


def _strip_len(value: Any) -> int:
    return len(value.strip()) if isinstance(value, str) else len(value)


class GetArgs(Args):
    shorthand: ClassVar[str | None] = "path"
    path: KeyPath

    @field_validator("path", mode="before")
    @classmethod
    def _path(cls, value: Any) -> KeyPath:
        path = _parse_path(value)
        if path.up:
            raise PydanticCustomError("path", "'get' reads inside its input; '^' cannot be used here")
        return path


@register("get", args=GetArgs)
def _get(value: Any, args: GetArgs, ctx: Context) -> Any:
    try:
        if isinstance(value, Mapping):
            return args.path.resolve(value)
        if isinstance(value, list | tuple):
            found = []
            for item in value:
                if not isinstance(item, Mapping):
                    raise TransformError(f"expected a list of objects, found {_kind(item)}")
                found.append(args.path.resolve(item))
            return [item for item in found if item is not None]
    except PathTypeError as exc:
        raise TransformError(str(exc)) from None
    raise TransformError(f"expected an object, got {_kind(value)}")


# --- structures ------------------------------------------------------------------------------------


def _opt_text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise TransformError(f"{key} is {_kind(value)}, expected text")
    return value.strip() or None


@register("qbo_address", returns=(Address,))
def _qbo_address(value: Any, args: None, ctx: Context) -> Address | None:
    # PhysicalAddress: Line1..Line5, City, CountrySubDivisionCode, PostalCode, Country (+ Id, Lat, Long).
    if not isinstance(value, Mapping):
        raise TransformError(f"expected an address object, got {_kind(value)}")
    extra = [_opt_text(value.get(f"Line{i}"), f"Line{i}") for i in range(2, 6)]
    address = Address(
        line1=_opt_text(value.get("Line1"), "Line1"),
        line2=", ".join(line for line in extra if line) or None,
        city=_opt_text(value.get("City"), "City"),
        region=_opt_text(value.get("CountrySubDivisionCode"), "CountrySubDivisionCode"),
        postal_code=_opt_text(value.get("PostalCode"), "PostalCode"),
        country=_opt_text(value.get("Country"), "Country"),
    )
    return None if address.is_empty else address


class NotionDateArgs(Args):
    shorthand: ClassVar[str | None] = "part"
    part: Literal["start", "end"] = "start"


@register("notion_date", args=NotionDateArgs, returns=(date, datetime))
def _notion_date(value: Any, args: NotionDateArgs, ctx: Context) -> date | None:
    zone: str | None = None
    if isinstance(value, Mapping):
        zone = value.get("time_zone")
        value = value.get(args.part)
        if value is None:
            return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            raise TransformError("not an ISO 8601 date") from None
    if not isinstance(value, date):
        raise TransformError(f"expected a date, got {_kind(value)}")
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        if not zone:
            raise TransformError("datetime has no time zone")
        try:
            value = value.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise TransformError("unknown time zone") from None
    return value.astimezone(UTC)


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


@register("bool", returns=(bool,))
def _bool(value: Any, args: None, ctx: Context) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().casefold()
        if not folded:
            return None
        if folded in _TRUE or folded in _FALSE:
            return folded in _TRUE
    raise TransformError(f"not a yes/no value ({_kind(value)})")


# --- lists -----------------------------------------------------------------------------------------


@register("first")
def _first(value: Any, args: None, ctx: Context) -> Any:
    if not isinstance(value, list | tuple):
        raise TransformError(f"expected a list, got {_kind(value)}")
    return value[0] if value else None


class JoinArgs(Args):
    shorthand: ClassVar[str | None] = "sep"
    sep: str = ", "


@register("join", args=JoinArgs, returns=(str,))
def _join(value: Any, args: JoinArgs, ctx: Context) -> str | None:
    if not isinstance(value, list | tuple):
        raise TransformError(f"expected a list, got {_kind(value)}")
    parts = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | Decimal | type(None)):
            raise TransformError(f"list items must be text, found {_kind(item)}")
        if item is not None and str(item).strip():
            parts.append(str(item).strip())
    return args.sep.join(parts) or None


# Transforms for sales documents live in their own module; importing it here registers them wherever
# REGISTRY is used.
from mappings import transforms_sales  # noqa: E402, F401
