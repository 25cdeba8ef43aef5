"""The ORM methods the simulator serves: ``search_read``, ``search``, ``search_count``, ``read``,
``fields_get``, over the records of one Odoo version.

Values go out as Odoo's RPC layers write them: many2one ``[id, "display name"]`` or ``false``,
x2many id lists, datetimes ``"YYYY-MM-DD HH:MM:SS"`` in UTC, dates ``"YYYY-MM-DD"``, empty text
``false``. Failures are ``OdooError`` carrying the Python exception Odoo would raise, which the two
protocols render their own way (``hub.sandbox.odoo``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.sandbox.odoo_domain import DomainError, compile_domain, parse_value
from hub.sandbox.odoo_schema import Field, fields_for

__all__ = ["METHODS", "Database", "OdooError", "fault_response", "http_error"]

Records = dict[str, dict[int, dict[str, Any]]]

# method -> (parameter names in positional order, @api.model (takes no ids), required parameters)
METHODS: dict[str, tuple[tuple[str, ...], bool, tuple[str, ...]]] = {
    "search_read": (("domain", "fields", "offset", "limit", "order", "load"), True, ()),
    "search": (("domain", "offset", "limit", "order"), True, ("domain",)),
    "search_count": (("domain", "limit"), True, ("domain",)),
    "read": (("fields", "load"), False, ()),
    "fields_get": (("allfields", "attributes"), True, ()),
}


class OdooError(Exception):
    """An exception as Odoo raises it: fully qualified ``name``, ``message`` and HTTP ``status``
    (the JSON-2 status; JSON-RPC always answers 200 with an error object)."""

    def __init__(
        self, name: str, message: str, status: int = 500, arguments: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.name, self.message, self.status = name, message, status
        self.arguments = arguments if arguments is not None else [message]

    def serialize(self, context: dict[str, Any] | None = None) -> dict[str, Any]:
        """Odoo's ``serialize_exception`` shape: name, message, arguments, context, debug."""
        debug = f"Traceback (most recent call last):\n  (simulated)\n{self.name}: {self.message}\n"
        return {
            "name": self.name,
            "message": self.message,
            "arguments": self.arguments,
            "context": context or {},
            "debug": debug,
        }


_HTTP_NAMES = {
    401: "Unauthorized",
    404: "NotFound",
    400: "BadRequest",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}


def http_error(status: int, message: str) -> OdooError:
    """A werkzeug HTTP exception as Odoo's dispatchers serialise it."""
    return OdooError(f"werkzeug.exceptions.{_HTTP_NAMES[status]}", message, status, [message, status])


def fault_response(decision: str, render_error: Callable[..., Any]) -> Any:
    """The fault knob's decision as a response, rendered by the protocol's ``render_error``."""
    if decision == "outage":
        return render_error(http_error(503, "The server is temporarily unavailable (simulated outage)."))
    if decision == "rate_limited":
        return render_error(http_error(429, "Too many requests, slow down."), headers={"Retry-After": "1"})
    return render_error(OdooError("builtins.Exception", "Simulated server error", 500))


def value_error(message: str) -> OdooError:
    return OdooError("builtins.ValueError", message)


class Database:
    """One Odoo database of ``major`` version over ``records`` (model -> id -> record, mutable)."""

    def __init__(self, records: Records, major: int, clock: Callable[[], datetime] | None = None) -> None:
        self.records, self.major = records, major
        self.clock = clock or (lambda: datetime.now(UTC))
        self.fields = {model: fields_for(model, major) for model in records}

    def lookup(self, model: str, name: str) -> tuple[str, str | None]:
        field = self.fields[model][name]
        return field.type, field.relation

    def fetch(self, model: str, id_: Any) -> dict[str, Any] | None:
        return self.records.get(model, {}).get(id_) if isinstance(id_, int) else None

    def write(self, model: str, id_: int, values: dict[str, Any]) -> None:
        """Change a record as a user would in Odoo: ``write_date`` moves forward."""
        latest = max(r["write_date"] for table in self.records.values() for r in table.values())
        self.records[model][id_] |= values
        self.records[model][id_]["write_date"] = max(self.clock(), latest + timedelta(seconds=1)).replace(
            microsecond=0
        )

    # -- dispatch ----------------------------------------------------------------------------------
    def call(self, model: str, method: str, ids: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run ``model.method`` on ``ids`` with named arguments, as both protocols end up doing."""
        if method.startswith("_"):
            raise OdooError(
                "odoo.exceptions.AccessError",
                f"Private methods (such as '{model}.{method}') cannot be called remotely.",
                403,
            )
        if method not in METHODS:
            raise OdooError("builtins.AttributeError", f"The method '{model}.{method}' does not exist", 404)
        names, api_model, required = METHODS[method]
        if api_model and ids:
            raise OdooError("builtins.TypeError", f"cannot call {model}.{method} with ids", 422)
        unexpected = [k for k in kwargs if k not in names]
        if unexpected:
            raise OdooError(
                "builtins.TypeError", f"got an unexpected keyword argument '{unexpected[0]}'", 422
            )
        missing = [k for k in required if k not in kwargs]
        if missing:
            raise OdooError("builtins.TypeError", f"missing a required argument: '{missing[0]}'", 422)
        if method == "fields_get":
            return self.fields_get(model, kwargs.get("allfields"), kwargs.get("attributes"))
        if method == "read":
            return self.read(model, ids, kwargs.get("fields"), kwargs.get("load", "_classic_read"))
        found = self.search(
            model,
            kwargs.get("domain"),
            kwargs.get("offset") or 0,
            kwargs.get("limit"),
            kwargs.get("order"),
            count_only=method == "search_count",
        )
        if method == "search_count":
            return found
        if method == "search":
            return [r["id"] for r in found]
        return self.export(model, found, kwargs.get("fields"), kwargs.get("load", "_classic_read"))

    # -- methods -----------------------------------------------------------------------------------
    def fields_get(self, model: str, allfields: Any = None, attributes: Any = None) -> dict[str, Any]:
        out = {}
        for name, field in self.fields[model].items():
            if allfields and name not in allfields:
                continue
            described = field.describe(name)
            out[name] = {k: v for k, v in described.items() if not attributes or k in attributes}
        return out

    def search(
        self,
        model: str,
        domain: Any,
        offset: int,
        limit: int | None,
        order: str | None,
        *,
        count_only: bool = False,
    ) -> Any:
        try:
            matches = compile_domain(model, domain, self.lookup, self.fetch)
            rows = [r for r in self.records[model].values() if matches(r)]
        except DomainError as exc:
            raise value_error(str(exc)) from None
        if count_only:
            return len(rows) if not limit else min(len(rows), int(limit))
        rows = self._sort(model, rows, order or "id")
        rows = rows[int(offset) :]
        return rows[: int(limit)] if limit else rows

    def read(self, model: str, ids: list[Any], fields: list[str] | None, load: Any) -> list[dict[str, Any]]:
        table = self.records[model]
        # Odoo drops ids that do not exist (deleted records) rather than failing the whole read.
        return self.export(model, [table[i] for i in ids if isinstance(i, int) and i in table], fields, load)

    # -- helpers -----------------------------------------------------------------------------------
    def _sort(self, model: str, rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
        terms = []
        for part in str(order).split(","):
            words = part.split()
            if (
                not words
                or len(words) > 2
                or words[0] not in self.fields[model]
                or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
            ):
                raise value_error(
                    f'Invalid "order" specified ({order}). A valid "order" specification is a '
                    "comma-separated list of valid field names (optionally followed by asc/desc "
                    "for the direction)"
                )
            terms.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
        for name, descending in reversed(terms):
            field = self.fields[model][name]

            # PostgreSQL puts NULLs last ascending and first descending: (is_null, value) does both.
            def key(row: dict[str, Any], field: Field = field, name: str = name) -> tuple[bool, Any]:
                return self._key(field, row.get(name, False))

            rows = sorted(rows, key=key, reverse=descending)
        return rows

    def _key(self, field: Field, value: Any) -> tuple[bool, Any]:
        if value is False or value is None or value == []:
            return (True, 0)
        if field.type == "many2one":
            target = self.fetch(field.relation or "", value)
            return (False, str(target.get("display_name", "")) if target else "")
        if isinstance(value, list):
            return (False, tuple(value))
        return (False, value)

    def export(self, model: str, rows: list[dict[str, Any]], fields: Any, load: Any) -> list[dict[str, Any]]:
        known = self.fields[model]
        names = list(fields) if fields else list(known)
        for name in names:
            if name not in known:
                raise value_error(f"Invalid field {name!r} on model {model!r}")
        return [
            {
                "id": row["id"],
                **{n: self.value(known[n], row.get(n, False), load) for n in names if n != "id"},
            }
            for row in rows
        ]

    def value(self, field: Field, value: Any, load: Any = "_classic_read") -> Any:
        """One stored value as Odoo serialises it."""
        empty = value is False or value is None
        if field.type == "many2one":
            if empty:
                return False
            if load is None:
                return value
            target = self.fetch(field.relation or "", value)
            return [value, target.get("display_name", "") if target else f"{field.relation},{value}"]
        if field.type in ("one2many", "many2many"):
            return list(value or [])
        if field.type == "datetime":
            return False if empty else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        if field.type == "date":
            return False if empty else (value.isoformat() if isinstance(value, date) else str(value))
        if field.type in ("float", "monetary"):
            return 0.0 if empty else float(value)
        if field.type == "integer":
            return 0 if empty else int(value)
        if field.type == "boolean":
            return bool(value)
        return False if empty or value == "" else (float(value) if isinstance(value, Decimal) else value)

    def parse(self, model: str, name: str, value: Any) -> Any:
        """A JSON value for ``model.name`` as the records store it (for tests that write)."""
        return parse_value(self.fields[model][name].type, value)
