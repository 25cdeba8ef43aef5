"""The simulated QuickBooks company: its records, its writes and Intuit's error bodies. No HTTP here.

Every operation answers ``(status, body)`` in the vendor's JSON shape; ``hub.sandbox.quickbooks`` puts
them on the wire. Error bodies come in Intuit's two shapes: the API's
``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"}`` (see
https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors) and
the gateway's lower-case ``{"fault": {"error": [{"message", "detail", "code"}], "type"}}`` envelope
that authentication, authorization and throttling failures use.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hub.sandbox.quickbooks_query import QueryError, execute_query

__all__ = ["COMPANY_NAME", "COMPANY_TZ", "Company", "Reply"]

Reply = tuple[int, dict[str, Any]]

# Sandbox companies live on US Pacific time; QBO writes timestamps with the company's offset.
COMPANY_TZ = timezone(timedelta(hours=-8))
COMPANY_NAME = "Stitch & Spotlight Costume Works"
_GATEWAY_ENVELOPE: dict[str, Any] = dict.fromkeys(
    ["warnings", "intuitObject", "report", "queryResponse", "syncErrorResponse", "requestId", "status"]
) | {"batchItemResponse": [], "attachableResponse": [], "cdcresponse": []}
_READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "Balance", "BalanceWithJobs", "domain", "sparse"})


class Company:
    """One QBO company: ``tables`` maps entity name -> {Id: record} (only Customer for now)."""

    def __init__(
        self,
        customers: list[dict[str, Any]],
        clock: Callable[[], float] = time.time,
        *,
        realm_id: str = "1",
        company_name: str = COMPANY_NAME,
    ) -> None:
        self.clock = clock
        self.realm_id = realm_id
        self.company_info: dict[str, Any] = {
            "CompanyName": company_name,
            "LegalName": f"{company_name} LLC",
            "CompanyAddr": {
                "Id": "1",
                "Line1": "1200 Stagecraft Way",
                "City": "Portland",
                "CountrySubDivisionCode": "OR",
                "PostalCode": "97214",
                "Country": "US",
            },
            "Country": "US",
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en",
            "domain": "QBO",
            "sparse": False,
            "Id": "1",
            "SyncToken": "1",
            "MetaData": {
                "CreateTime": "2025-06-02T09:00:00-07:00",
                "LastUpdatedTime": "2026-01-02T09:00:00-08:00",
            },
        }
        self.customers: dict[str, dict[str, Any]] = {str(c["Id"]): copy.deepcopy(c) for c in customers}
        self.tables: dict[str, dict[str, dict[str, Any]]] = {"Customer": self.customers}

    # --- shapes ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), COMPANY_TZ)

    def stamp(self) -> str:
        """The ``time`` of a response: ``2026-01-15T10:12:43.123-08:00``."""
        return self.now().isoformat(timespec="milliseconds")

    def fault(self, type_: str, code: str, message: str, detail: str, element: str = "") -> dict[str, Any]:
        error = {"Message": message, "Detail": detail, "code": code, "element": element}
        return {"Fault": {"Error": [error], "type": type_}, "time": self.stamp()}

    def gateway_fault(self, status: int, code: str, name: str, detail: str, type_: str) -> dict[str, Any]:
        message = f"message={name}; errorCode={int(code):06d}; statusCode={status}"
        error = {"message": message, "detail": detail, "code": code, "element": None}
        fault = {"error": [error], "type": type_}
        return {**copy.deepcopy(_GATEWAY_ENVELOPE), "fault": fault, "time": int(self.clock() * 1000)}

    def not_found(self, entity_id: str, entity: str = "Customer") -> Reply:
        detail = f"Object Not Found : no {entity} with Id {entity_id}, or it was made inactive"
        return 400, self.fault("ValidationFault", "610", "Object Not Found", detail, "Id")

    # --- reads ----------------------------------------------------------------------------------

    def query(self, text: str) -> Reply:
        try:
            result = execute_query(text, self.tables, tz=COMPANY_TZ)
        except QueryError as exc:
            return 400, self.fault("ValidationFault", exc.code, exc.message, exc.detail)
        response: dict[str, Any] = {}
        if result.count_only:
            response["totalCount"] = result.total
        elif result.records:  # an empty page has no entity key, no startPosition, no maxResults
            response[result.entity] = copy.deepcopy(result.records)
            response["startPosition"] = result.start_position
            response["maxResults"] = len(result.records)
        return 200, {"QueryResponse": response, "time": self.stamp()}

    def read_company_info(self, company_id: str) -> Reply:
        """``companyinfo/{realmId}``: the only CompanyInfo of a company is addressed by its realm."""
        if company_id != self.realm_id:
            return self.not_found(company_id, "CompanyInfo")
        return 200, {"CompanyInfo": copy.deepcopy(self.company_info), "time": self.stamp()}

    def read_customer(self, entity_id: str) -> Reply:
        record = self.customers.get(entity_id)
        if record is None:
            return self.not_found(entity_id)
        return 200, {"Customer": copy.deepcopy(record), "time": self.stamp()}

    # --- writes ---------------------------------------------------------------------------------

    def write_customer(self, payload: Any) -> Reply:
        """Create, or update when the body carries ``Id`` (full, or merged when ``"sparse": true``)."""
        if not isinstance(payload, dict):
            detail = "The request body is not a JSON object"
            return 400, self.fault(
                "ValidationFault", "2010", "Request has invalid or unsupported property", detail
            )
        return self._update(payload) if "Id" in payload else self._create(payload)

    def _name_taken(self, name: str, except_id: str | None = None) -> bool:
        folded = name.casefold()
        return any(
            str(c.get("DisplayName", "")).casefold() == folded and c_id != except_id
            for c_id, c in self.customers.items()
        )

    def _duplicate(self, name: str) -> Reply:
        detail = f"The name supplied already exists. : Another customer is already using the name {name!r}."
        return 400, self.fault(
            "ValidationFault", "6240", "Duplicate Name Exists Error", detail, "DisplayName"
        )

    def _create(self, payload: dict[str, Any]) -> Reply:
        parts = ("GivenName", "MiddleName", "FamilyName")
        person = " ".join(str(payload[k]) for k in parts if payload.get(k))
        name = str(payload.get("DisplayName") or person or payload.get("CompanyName") or "")
        if not name:
            message = "Required param missing, need to supply the required value for the API"
            detail = "Required parameter DisplayName (or a name part) is missing"
            return 400, self.fault("ValidationFault", "2020", message, detail, "DisplayName")
        if self._name_taken(name):
            return self._duplicate(name)
        new_id = str(max((int(i) for i in self.customers if i.isdigit()), default=0) + 1)
        stamp = self.now().isoformat(timespec="seconds")
        record: dict[str, Any] = {
            "Taxable": False,
            "Job": False,
            "BillWithParent": False,
            "Balance": Decimal("0"),
            "BalanceWithJobs": Decimal("0"),
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "PreferredDeliveryMethod": "Print",
            "Active": True,
            "PrintOnCheckName": name,
            **{k: v for k, v in payload.items() if k not in _READ_ONLY},
            "DisplayName": name,
            "FullyQualifiedName": name,
            "domain": "QBO",
            "sparse": False,
            "Id": new_id,
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        self.customers[new_id] = record
        return 200, {"Customer": copy.deepcopy(record), "time": self.stamp()}

    def _update(self, payload: dict[str, Any]) -> Reply:
        entity_id = str(payload["Id"])
        current = self.customers.get(entity_id)
        if current is None:
            return self.not_found(entity_id)
        if str(payload.get("SyncToken", "")) != str(current.get("SyncToken", "0")):
            detail = (
                f"Stale Object Error : Customer {entity_id} was changed by someone else since you read it "
                f"(SyncToken is now {current.get('SyncToken', '0')}); read it again and re-apply your change."
            )
            return 400, self.fault("ValidationFault", "5010", "Stale Object Error", detail, "SyncToken")
        changes = {k: v for k, v in payload.items() if k not in _READ_ONLY}
        name = changes.get("DisplayName")
        if name and self._name_taken(str(name), except_id=entity_id):
            return self._duplicate(str(name))
        if payload.get("sparse") is True:
            updated = {**current, **changes}
        else:  # a full update replaces every writable field
            updated = {**{k: v for k, v in current.items() if k in _READ_ONLY}, **changes}
            updated.setdefault("DisplayName", current.get("DisplayName"))
        if name:
            updated["FullyQualifiedName"] = name
        updated["SyncToken"] = str(int(current.get("SyncToken", "0")) + 1)
        last_updated = self.now().isoformat(timespec="seconds")
        updated["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": last_updated}
        updated["sparse"] = False
        self.customers[entity_id] = updated
        return 200, {"Customer": copy.deepcopy(updated), "time": self.stamp()}
