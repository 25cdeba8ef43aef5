"""The QuickBooks Online query language, as far as the sandbox needs it.

Grammar (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries)::

    SELECT * | COUNT(*) | Field[, Field...] FROM Entity
      [WHERE Cond [AND Cond ...]]          Cond: Field (= | < | > | <= | >=) Value
                                                 | Field IN (Value, ...) | Field LIKE '%text%'
      [ORDERBY Field [ASC|DESC][, ...]]
      [STARTPOSITION n] [MAXRESULTS n]     1-based; MAXRESULTS defaults to 100, at most 1000

No OR, no joins, no GROUP BY, only ``%`` as wildcard. Keywords are case-insensitive.

>>> q = parse_query("SELECT * FROM Customer WHERE Id IN ('1', '2') MAXRESULTS 10")
>>> q.entity, q.max_results
('Customer', 10)

New entities (Estimate, Invoice, Payment, Item) are one ``EntitySpec`` in ``ENTITIES`` each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "ENTITIES",
    "Condition",
    "EntitySpec",
    "Query",
    "QueryError",
    "QueryResult",
    "execute_query",
    "parse_query",
]

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 1000


class QueryError(Exception):
    """A query QBO would reject; ``code`` is Intuit's error code (4000 parse, 4001 invalid)."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message
        self.detail = detail


def _parse_error(detail: str) -> QueryError:
    return QueryError("4000", "Error parsing query", f"QueryParserError: {detail}")


def _invalid(detail: str) -> QueryError:
    return QueryError("4001", "Invalid query", f"QueryValidationError: {detail}")


@dataclass(frozen=True)
class EntitySpec:
    """What the query engine knows of one entity: which properties filter and sort."""

    name: str
    filterable: frozenset[str]
    # Name-list entities (Customer, Item, ...) hide inactive records unless the query names Active.
    has_active: bool = False
    # Properties that are objects in the JSON but compare on one sub-field (PrimaryEmailAddr.Address).
    compare_on: Mapping[str, str] = field(default_factory=dict)


ENTITIES: dict[str, EntitySpec] = {
    "Customer": EntitySpec(
        name="Customer",
        filterable=frozenset(
            "Id DisplayName GivenName MiddleName FamilyName CompanyName FullyQualifiedName PrimaryEmailAddr "
            "Active Balance Job ParentRef MetaData.CreateTime MetaData.LastUpdatedTime".split()
        ),
        has_active=True,
        compare_on={"PrimaryEmailAddr": "Address", "ParentRef": "value"},
    ),
    # Filterable properties as the entity references mark them
    # (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/estimate and
    # .../invoice, .../payment, .../item); MetaData times filter on every entity.
    "Estimate": EntitySpec(
        name="Estimate",
        filterable=frozenset(
            "Id CustomerRef DocNumber TxnDate DueDate TotalAmt ProjectRef "
            "MetaData.CreateTime MetaData.LastUpdatedTime".split()
        ),
        compare_on={"CustomerRef": "value", "ProjectRef": "value"},
    ),
    "Invoice": EntitySpec(
        name="Invoice",
        filterable=frozenset(
            "Id CustomerRef DocNumber TxnDate DueDate Balance TotalAmt SalesTermRef ProjectRef "
            "MetaData.CreateTime MetaData.LastUpdatedTime".split()
        ),
        compare_on={"CustomerRef": "value", "SalesTermRef": "value", "ProjectRef": "value"},
    ),
    "Payment": EntitySpec(
        name="Payment",
        filterable=frozenset(
            "Id CustomerRef TxnDate TotalAmt PaymentMethodRef PaymentRefNum "
            "MetaData.CreateTime MetaData.LastUpdatedTime".split()
        ),
        compare_on={"CustomerRef": "value", "PaymentMethodRef": "value"},
    ),
    "Item": EntitySpec(
        name="Item",
        filterable=frozenset(
            "Id Name Type Active Taxable FullyQualifiedName SubItem Sku "
            "MetaData.CreateTime MetaData.LastUpdatedTime".split()
        ),
        has_active=True,
    ),
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # "=", "<", ">", "<=", ">=", "IN", "LIKE"
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    entity: str
    count: bool = False
    fields: tuple[str, ...] = ()  # empty = all
    where: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


@dataclass(frozen=True)
class QueryResult:
    entity: str
    records: list[dict[str, Any]]
    total: int
    count_only: bool
    start_position: int


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|''|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    "select from where and or in like orderby asc desc startposition maxresults count not".split()
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int

    @property
    def kw(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.rstrip().rstrip(";")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _parse_error(f"Encountered unexpected character at column {pos + 1}")
        kind = m.lastgroup or ""
        tokens.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise _parse_error("Encountered <EOF> where more of the statement was expected")
        self.i += 1
        return tok

    def expect_kw(self, kw: str) -> None:
        tok = self.take()
        if tok.kw != kw:
            raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected {kw.upper()}')

    def expect_op(self, op: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != op:
            raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected "{op}"')

    def ident(self) -> str:
        tok = self.take()
        if tok.kind != "word" or tok.kw in _KEYWORDS:
            raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected a property')
        return tok.text

    def literal(self) -> Any:
        tok = self.take()
        if tok.kind == "string":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1]).replace("''", "'")
        if tok.kind == "number":
            return Decimal(tok.text)
        if tok.kw in {"true", "false"}:
            return tok.kw == "true"
        raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected a value')

    def integer(self, what: str) -> int:
        tok = self.take()
        if tok.kind != "number" or not tok.text.isdigit():
            raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected {what}')
        return int(tok.text)

    def parse(self) -> Query:
        self.expect_kw("select")
        count, fields = False, []
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "*":
            self.take()
        elif tok is not None and tok.kw == "count":
            self.take()
            self.expect_op("(")
            self.expect_op("*")
            self.expect_op(")")
            count = True
        else:
            fields.append(self.ident())
            while (t := self.peek()) is not None and t.kind == "op" and t.text == ",":
                self.take()
                fields.append(self.ident())
        self.expect_kw("from")
        entity = self.ident()
        where: list[Condition] = []
        order: list[tuple[str, bool]] = []
        start, max_results = 1, DEFAULT_MAX_RESULTS
        if (t := self.peek()) is not None and t.kw == "where":
            self.take()
            where.append(self.condition())
            while (t := self.peek()) is not None and t.kw in {"and", "or"}:
                if t.kw == "or":
                    raise _parse_error(f"OR is not supported (column {t.pos + 1})")
                self.take()
                where.append(self.condition())
        if (t := self.peek()) is not None and t.kw == "orderby":
            self.take()
            order.append(self.order_item())
            while (t := self.peek()) is not None and t.kind == "op" and t.text == ",":
                self.take()
                order.append(self.order_item())
        seen: set[str] = set()
        while (t := self.peek()) is not None and t.kw in {"startposition", "maxresults"} and t.kw not in seen:
            seen.add(self.take().kw)
            if t.kw == "startposition":
                start = max(1, self.integer("a start position"))
            else:
                max_results = self.integer("a result count")
        if (t := self.peek()) is not None:
            raise _parse_error(f'Encountered "{t.text}" at column {t.pos + 1}')
        return Query(entity, count, tuple(fields), tuple(where), tuple(order), start, max_results)

    def condition(self) -> Condition:
        name = self.ident()
        tok = self.take()
        if tok.kw == "in":
            self.expect_op("(")
            values = [self.literal()]
            while (t := self.take()).kind == "op" and t.text == ",":
                values.append(self.literal())
            if t.text != ")":
                raise _parse_error(f'Encountered "{t.text}" at column {t.pos + 1}, expected ")"')
            return Condition(name, "IN", tuple(values))
        if tok.kw == "like":
            value = self.literal()
            if not isinstance(value, str):
                raise _parse_error("LIKE needs a quoted pattern")
            return Condition(name, "LIKE", (value,))
        if tok.kind == "op" and tok.text in {"=", "<", ">", "<=", ">="}:
            return Condition(name, tok.text, (self.literal(),))
        raise _parse_error(f'Encountered "{tok.text}" at column {tok.pos + 1}, expected an operator')

    def order_item(self) -> tuple[str, bool]:
        name = self.ident()
        desc = False
        if (t := self.peek()) is not None and t.kw in {"asc", "desc"}:
            desc = self.take().kw == "desc"
        return name, desc


def parse_query(text: str) -> Query:
    """Parse one statement; raises ``QueryError`` (code 4000) on a syntax error."""
    if not text or not text.strip():
        raise _parse_error("Encountered <EOF>: the query is empty")
    return _Parser(text).parse()


# --- evaluation ---------------------------------------------------------------------------------


def _resolve(spec: EntitySpec, name: str) -> str:
    for known in spec.filterable:
        if known.lower() == name.lower():
            return known
    raise _invalid(f"property '{name}' is not queryable")


def _get(record: Mapping[str, Any], path: str, spec: EntitySpec) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping) and path in spec.compare_on:
        value = value.get(spec.compare_on[path])
    return value


def _as_datetime(value: Any, tz: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _key(value: Any, literal: Any, tz: tzinfo) -> tuple[Any, Any] | None:
    """Both sides in one comparable type, or None when they cannot be compared."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(literal, bool):
        lit = literal if isinstance(literal, bool) else str(literal).lower() == "true"
        return bool(value), lit
    if isinstance(value, (int, float, Decimal)):
        a, b = _as_decimal(value), _as_decimal(literal)
        return (a, b) if a is not None and b is not None else None
    dv, dl = _as_datetime(value, tz), _as_datetime(literal, tz)
    if dv is not None and dl is not None:
        return dv, dl
    sv, sl = str(value), str(literal)
    if sv.isdigit() and sl.isdigit():  # Ids are numeric strings; compare them as numbers
        return int(sv), int(sl)
    # Assumption: text comparisons are case-insensitive, as QBO's name lookups are in practice.
    return sv.casefold(), sl.casefold()


def _like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    regex = "".join(".*" if ch == "%" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, str(value), flags=re.IGNORECASE | re.DOTALL) is not None


def _matches(record: Mapping[str, Any], cond: Condition, spec: EntitySpec, tz: tzinfo) -> bool:
    value = _get(record, cond.field, spec)
    if cond.op == "LIKE":
        return _like(value, cond.values[0])
    if cond.op == "IN":
        return any((k := _key(value, v, tz)) is not None and k[0] == k[1] for v in cond.values)
    k = _key(value, cond.values[0], tz)
    if k is None:
        return False
    a, b = k
    try:
        return {"=": a == b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[cond.op]
    except TypeError:
        return False


def _sort_key(value: Any, tz: tzinfo) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float, Decimal)):
        return (2, Decimal(str(value)))
    if (dv := _as_datetime(value, tz)) is not None:
        return (3, dv)
    s = str(value)
    return (4, int(s)) if s.isdigit() else (5, s.casefold())


def _project(record: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in fields:
        head = path.split(".")[0]
        if head in record:
            out[head] = record[head]
    return out


def execute_query(
    text: str,
    tables: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    tz: tzinfo = timezone(timedelta(hours=-8)),
) -> QueryResult:
    """Run ``text`` against ``tables`` (entity name -> {Id: record}).

    ``tz`` is the company's offset, used for date literals without one (``'2026-01-01'``).
    """
    query = parse_query(text)
    spec = next((s for name, s in ENTITIES.items() if name.lower() == query.entity.lower()), None)
    if spec is None or spec.name not in tables:
        raise _invalid(f"entity '{query.entity}' is not queryable")
    where = tuple(Condition(_resolve(spec, c.field), c.op, c.values) for c in query.where)
    order = tuple((_resolve(spec, f), desc) for f, desc in query.order_by) or (("Id", False),)
    records = [dict(r) for r in tables[spec.name].values() if all(_matches(r, c, spec, tz) for c in where)]
    if spec.has_active and not any(c.field == "Active" for c in where):
        records = [r for r in records if r.get("Active", True) is not False]
    if query.count:
        return QueryResult(spec.name, [], len(records), True, 1)
    for name, desc in reversed(order):  # stable sorts, last key first

        def key(record: Mapping[str, Any], path: str = name) -> tuple[int, Any]:
            return _sort_key(_get(record, path, spec), tz)

        records.sort(key=key, reverse=desc)
    size = min(query.max_results, MAX_RESULTS_LIMIT)
    page = records[query.start_position - 1 : query.start_position - 1 + size]
    if query.fields:
        page = [_project(r, query.fields) for r in page]
    return QueryResult(spec.name, page, len(records), False, query.start_position)
