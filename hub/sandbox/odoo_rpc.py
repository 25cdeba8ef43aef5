"""Odoo's legacy JSON-RPC endpoint, ``POST /jsonrpc`` (every version; deprecated from 19.0).

Services ``common`` (``version``, ``login``, ``authenticate``), ``db`` (``list``,
``server_version``) and ``object`` (``execute_kw``, ``execute``). Positional ORM arguments map onto
the method's parameters as in Python (``read``'s first one is the ids). Errors answer HTTP 200 with
a JSON-RPC error object whose ``data`` is Odoo's serialised exception
(https://www.odoo.com/documentation/18.0/developer/reference/external_api.html); only the fault
knobs answer 429/500/503, as a proxy in front of Odoo would.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.sandbox.faults import Faults
from hub.sandbox.odoo_orm import METHODS, Database, OdooError, fault_response
from hub.sandbox.odoo_schema import has_model

__all__ = ["JsonRpc"]


def _access_denied() -> OdooError:
    return OdooError("odoo.exceptions.AccessDenied", "Access Denied", 403)


class JsonRpc:
    """The ``/jsonrpc`` endpoint over one ``Database``."""

    def __init__(
        self,
        db: Database,
        faults: Faults,
        counter: Counter[tuple[str, str, str]],
        *,
        version: str,
        api_key: str,
        database: str,
        login: str,
        password: str,
        uid: int,
    ) -> None:
        self.db, self.faults, self.counter, self.version = db, faults, counter, version
        self.api_key, self.database, self.login, self.password, self.uid = (
            api_key,
            database,
            login,
            password,
            uid,
        )

    def version_info(self) -> list[Any]:
        major, minor = (int(p) for p in self.version.split("."))
        return [major, minor, 0, "final", 0, ""]

    async def handle(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            params = body.get("params") or {}
            service, method, args = (
                params.get("service"),
                params.get("method"),
                list(params.get("args") or []),
            )
        except (ValueError, AttributeError, TypeError):
            error = {"code": 400, "message": "Invalid JSON-RPC request", "data": {}}
            return JSONResponse({"jsonrpc": "2.0", "id": None, "error": error}, status_code=400)
        request_id = body.get("id")
        is_call = service == "object" and len(args) > 4
        self.counter[
            ("jsonrpc", str(args[3] if is_call else service), str(args[4] if is_call else method))
        ] += 1
        decision = self.faults.decide()
        await self.faults.delay()

        def envelope(exc: OdooError, headers: dict[str, str] | None = None, status: int = 200) -> Response:
            error = {"code": 200, "message": "Odoo Server Error", "data": exc.serialize()}
            return JSONResponse(
                {"jsonrpc": "2.0", "id": request_id, "error": error}, status_code=status, headers=headers
            )

        if decision is not None:
            return fault_response(decision, lambda exc, headers=None: envelope(exc, headers, exc.status))
        try:
            result = self.dispatch(str(service), str(method), args)
        except OdooError as exc:
            return envelope(exc)
        return JSONResponse({"jsonrpc": "2.0", "id": request_id, "result": result})

    def dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        if service == "common":
            if method == "version":
                return {
                    "server_version": self.version,
                    "server_version_info": self.version_info(),
                    "server_serie": self.version,
                    "protocol_version": 1,
                }
            if method in ("login", "authenticate"):
                db, login, password = (args + [None, None, None])[:3]
                self._check_db(db)
                return (
                    self.uid if login == self.login and password in (self.password, self.api_key) else False
                )
            raise OdooError("builtins.Exception", f"Method not found: {method}")
        if service == "db":
            if method == "list":
                return [self.database]
            if method == "server_version":
                return self.version
            raise OdooError("builtins.Exception", f"Method not found: {method}")
        if service == "object" and method in ("execute_kw", "execute"):
            if len(args) < 5:
                raise OdooError("builtins.TypeError", f"{method}() missing required positional arguments")
            db, uid, password, model, name = args[:5]
            self._check_db(db)
            if uid != self.uid or password not in (self.password, self.api_key):
                raise _access_denied()
            if method == "execute_kw":
                positional, named = (args[5] if len(args) > 5 else []), (args[6] if len(args) > 6 else {})
            else:
                positional, named = args[5:], {}
            if not isinstance(positional, list) or not isinstance(named, dict):
                raise OdooError(
                    "builtins.TypeError", "execute_kw() expects a list of args and a dict of kwargs"
                )
            return self.execute(str(model), str(name), positional, dict(named))
        raise OdooError("builtins.Exception", f"No such service or method: {service}.{method}")

    def _check_db(self, db: Any) -> None:
        if db != self.database:
            message = f'connection to server failed: FATAL:  database "{db}" does not exist'
            raise OdooError("psycopg2.OperationalError", message)

    def execute(self, model: str, method: str, positional: list[Any], named: dict[str, Any]) -> Any:
        if not has_model(model):
            raise OdooError("odoo.exceptions.UserError", f"Object {model} doesn't exist", 422)
        if method not in METHODS or method.startswith("_"):
            return self.db.call(model, method, [], named)  # raises the right error
        names, api_model, _ = METHODS[method]
        ids: list[Any] = []
        if not api_model:
            if not positional:
                raise OdooError(
                    "builtins.TypeError", f"{method}() missing 1 required positional argument: 'ids'"
                )
            first, positional = positional[0], positional[1:]
            ids = first if isinstance(first, list) else [first]
        if len(positional) > len(names):
            raise OdooError(
                "builtins.TypeError",
                f"{method}() takes at most {len(names)} arguments ({len(positional)} given)",
            )
        for name, value in zip(names, positional, strict=False):
            if name in named:
                raise OdooError("builtins.TypeError", f"{method}() got multiple values for argument '{name}'")
            named[name] = value
        try:
            return self.db.call(model, method, ids, named)
        except OdooError as exc:
            if exc.name == "builtins.TypeError":  # Python's own wording for a bad call
                raise OdooError(exc.name, f"{method}() {exc.message}") from None
            raise
