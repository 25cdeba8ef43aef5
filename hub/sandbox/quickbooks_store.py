"""The simulated QuickBooks company: its records, its writes and Intuit's error bodies. No HTTP here.

Every operation answers ``(status, body)`` in the vendor's JSON shape; ``hub.sandbox.quickbooks`` puts
them on the wire. Error bodies come in Intuit's two shapes: the API's
``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"}`` (see
https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors) and
the gateway's lower-case ``{"fault": {"error": [{"message", "detail", "code"}], "type"}}`` envelope
that authentication, authorization and throttling failures use.

Besides Customer the company keeps the sales documents of ``seed_sales`` (Item, Estimate, Invoice,
Payment): reads for all, creates, sparse/full updates and deletes for Estimate and Invoice (totals and
balances recomputed, customer balances kept in step), the batch operation and change data capture.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.sandbox.quickbooks_query import QueryError, execute_query
from hub.sandbox.seed_sales import Sales, money

__all__ = [
    "CDC_LOOKBACK_DAYS",
    "CDC_MAX_OBJECTS",
    "COMPANY_NAME",
    "COMPANY_TZ",
    "MAX_BATCH_ITEMS",
    "Company",
    "Reply",
]

Reply = tuple[int, dict[str, Any]]

# Sandbox companies live on US Pacific time; QBO writes timestamps with the company's offset.
COMPANY_TZ = timezone(timedelta(hours=-8))
COMPANY_NAME = "Stitch & Spotlight Costume Works"
_GATEWAY_ENVELOPE: dict[str, Any] = dict.fromkeys(
    ["warnings", "intuitObject", "report", "queryResponse", "syncErrorResponse", "requestId", "status"]
) | {"batchItemResponse": [], "attachableResponse": [], "cdcresponse": []}
_READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "Balance", "BalanceWithJobs", "domain", "sparse"})
# Computed by QBO on transactions; LinkedTxn is kept by the company (estimate <-> invoice <-> payment).
_TXN_READ_ONLY = frozenset(
    {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "TotalAmt", "Balance", "HomeTotalAmt",
     "HomeBalance", "LinkedTxn"}
)  # fmt: skip
_TRANSACTIONS = ("Estimate", "Invoice", "Payment")
_WRITABLE = ("Customer", "Estimate", "Invoice")
_ESTIMATE_STATUSES = frozenset({"Pending", "Accepted", "Closed", "Rejected", "Converted"})
_UNSUPPORTED = "Request has invalid or unsupported property"
_MISSING = "Required param missing, need to supply the required value for the API"
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch ("The maximum
# number of payloads in a single BatchItemRequest is 30"; the older guide page still says 10).
MAX_BATCH_ITEMS = 30
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture
CDC_LOOKBACK_DAYS = 30
CDC_MAX_OBJECTS = 1000


class _Invalid(Exception):
    """A write QBO refuses; ``reply`` is the fault to answer with (nothing has changed yet)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply[1]["Fault"]["Error"][0]["Detail"])
        self.reply = reply


class Company:
    """One QBO company: ``tables`` maps entity name -> {Id: record} (only Customer for now)."""

    def __init__(
        self,
        customers: list[dict[str, Any]],
        clock: Callable[[], float] = time.time,
        *,
        realm_id: str = "1",
        company_name: str = COMPANY_NAME,
        sales: Sales | None = None,
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
        for entity, records in (
            ("Item", sales.items if sales else []),
            ("Estimate", sales.estimates if sales else []),
            ("Invoice", sales.invoices if sales else []),
            ("Payment", sales.payments if sales else []),
        ):
            self.tables[entity] = {str(r["Id"]): copy.deepcopy(r) for r in records}
        # entity -> Id -> LastUpdatedTime of the delete, for change data capture
        self.deleted: dict[str, dict[str, str]] = {entity: {} for entity in self.tables}
        txn_ids = [int(i) for e in _TRANSACTIONS for i in self.tables[e] if i.isdigit()]
        self.next_txn_id = max(txn_ids, default=0) + 1  # transactions share one Id sequence

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

    def invalid(self, code: str, message: str, detail: str, element: str = "") -> Reply:
        return 400, self.fault("ValidationFault", code, message, detail, element)

    def stale(self, entity: str, payload: dict[str, Any], current: dict[str, Any]) -> Reply | None:
        """Fault 5010 when the caller's SyncToken is not the current one (optimistic locking)."""
        if str(payload.get("SyncToken", "")) == str(current.get("SyncToken", "0")):
            return None
        detail = (
            f"Stale Object Error : {entity} {current.get('Id')} was changed by someone else since you read "
            f"it (SyncToken is now {current.get('SyncToken', '0')}); read it again and re-apply your change."
        )
        return 400, self.fault("ValidationFault", "5010", "Stale Object Error", detail, "SyncToken")

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
        return self.read("Customer", entity_id)

    def read(self, entity: str, entity_id: str) -> Reply:
        """``GET /v3/company/{realm}/{entity}/{id}`` for any entity the company keeps."""
        record = self.tables.get(entity, {}).get(entity_id)
        if record is None:
            return self.not_found(entity_id, entity)
        return 200, {entity: copy.deepcopy(record), "time": self.stamp()}

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
        if (stale := self.stale("Customer", payload, current)) is not None:
            return stale
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

    # --- sales documents: Estimate and Invoice writes --------------------------------------------

    def write(self, entity: str, payload: Any, operation: str = "") -> Reply:
        """Create, update (full or ``"sparse": true``) or, with ``operation="delete"``, delete."""
        if entity == "Customer" and operation != "delete":
            return self.write_customer(payload)
        creating = not (isinstance(payload, dict) and "Id" in payload)
        if entity == "Payment" and operation != "delete" and creating:
            from hub.sandbox.quickbooks_payments import create_payment

            return create_payment(self, payload)
        try:
            # QBO never deletes a customer (it is made inactive instead).
            if entity not in _WRITABLE or entity == "Customer" or not isinstance(payload, dict):
                raise self._unsupported(f"{entity} {operation or 'write'} with this body is not supported")
            if operation == "delete":
                return self._delete_txn(entity, payload)
            if "Id" in payload:
                return self._update_txn(entity, payload)
            return self._create_txn(entity, payload)
        except _Invalid as exc:
            return exc.reply

    def _unsupported(self, detail: str, element: str = "") -> _Invalid:
        return _Invalid(self.invalid("2010", _UNSUPPORTED, detail, element))

    def _missing(self, element: str, detail: str) -> _Invalid:
        return _Invalid(self.invalid("2020", _MISSING, detail, element))

    def _customer_ref(self, record: dict[str, Any]) -> dict[str, str]:
        ref = record.get("CustomerRef")
        customer_id = str(ref.get("value", "")) if isinstance(ref, dict) else ""
        if not customer_id:
            raise self._missing("CustomerRef", "Required parameter CustomerRef is missing")
        customer = self.customers.get(customer_id)
        if customer is None:
            detail = f"Invalid Reference Id : Customer {customer_id} does not exist or has been deleted"
            raise _Invalid(self.invalid("2500", "Invalid Reference Id", detail, "CustomerRef"))
        return {"value": customer_id, "name": str(customer.get("DisplayName", ""))}

    def _price_lines(self, lines: Any) -> list[dict[str, Any]]:
        """Lines as QBO stores them: numbered, ``Amount = Qty x UnitPrice``, a trailing subtotal line."""
        if not isinstance(lines, list) or not any(
            isinstance(line, dict) and line.get("DetailType") == "SalesItemLineDetail" for line in lines
        ):
            raise self._missing("Line", "Line needs at least one SalesItemLineDetail line")
        out: list[dict[str, Any]] = []
        for line in lines:
            if not isinstance(line, dict) or line.get("DetailType") == "SubTotalLineDetail":
                continue  # the subtotal is recomputed
            if line.get("DetailType") != "SalesItemLineDetail":
                out.append({**line, "Id": str(len(out) + 1), "LineNum": len(out) + 1})
                continue
            out.append(self._price_line(line, len(out) + 1))
        subtotal = sum((line["Amount"] for line in out if "SalesItemLineDetail" in line), Decimal("0"))
        out.append({"Amount": money(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        return out

    def _price_line(self, line: dict[str, Any], n: int) -> dict[str, Any]:
        detail = dict(line.get("SalesItemLineDetail") or {})
        ref = detail.get("ItemRef")
        item = self.tables["Item"].get(str(ref.get("value", "")) if isinstance(ref, dict) else "")
        if item is None:
            detail_text = f"Invalid Reference Id : Item {ref!r} does not exist or is inactive"
            element = "Line.SalesItemLineDetail.ItemRef"
            raise _Invalid(self.invalid("2500", "Invalid Reference Id", detail_text, element))
        try:
            price = Decimal(str(detail.get("UnitPrice", item.get("UnitPrice", 0))))
            amount = Decimal(str(line["Amount"])) if line.get("Amount") is not None else None
            qty = Decimal(str(detail["Qty"])) if detail.get("Qty") is not None else None
        except InvalidOperation:
            raise self._unsupported("Line has an amount, quantity or price that is not a number") from None
        if qty is None:
            qty = amount / price if amount is not None and price else Decimal("1")
        if amount is not None and money(amount) != money(qty * price):
            # QBO checks Amount against Qty x UnitPrice and refuses a mismatch.
            detail_text = f"Amount calculation incorrect in the request: {amount} != {qty} x {price}"
            raise _Invalid(self.invalid("6070", "Business Validation Error", detail_text, "Line.Amount"))
        detail.update(ItemRef={"value": item["Id"], "name": item["Name"]}, Qty=qty, UnitPrice=price)
        detail.setdefault("TaxCodeRef", {"value": "NON"})
        return {
            "Id": str(n),
            "LineNum": n,
            "Description": line.get("Description", item.get("Description")),
            "Amount": money(qty * price),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }

    def _paid(self, invoice_id: str) -> Decimal:
        paid = Decimal("0")
        for payment in self.tables["Payment"].values():
            for line in payment.get("Line", []):
                links = line.get("LinkedTxn", [])
                if any(t.get("TxnId") == invoice_id and t.get("TxnType") == "Invoice" for t in links):
                    paid += Decimal(str(line.get("Amount", 0)))
        return paid

    def _settle(self, entity: str, record: dict[str, Any]) -> None:
        """Check the record and compute ``TotalAmt`` (lines + tax) and an invoice's ``Balance``."""
        record["CustomerRef"] = self._customer_ref(record)
        record["Line"] = self._price_lines(record.get("Line"))
        if entity == "Estimate" and record.get("TxnStatus") is None:
            record["TxnStatus"] = "Pending"  # a full update without a status leaves the estimate pending
        if entity == "Estimate" and record.get("TxnStatus") not in _ESTIMATE_STATUSES:
            allowed = ", ".join(sorted(_ESTIMATE_STATUSES))
            raise self._unsupported(
                f"TxnStatus {record.get('TxnStatus')!r} is not one of {allowed}", "TxnStatus"
            )
        given = record.get("TxnTaxDetail")
        tax_detail: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            tax = money(Decimal(str(tax_detail.get("TotalTax", 0))))
        except InvalidOperation:
            raise self._unsupported("TxnTaxDetail.TotalTax is not a number", "TxnTaxDetail") from None
        record["TxnTaxDetail"] = {**tax_detail, "TotalTax": tax}
        record["TotalAmt"] = record["Line"][-1]["Amount"] + tax
        if entity == "Invoice":
            record["Balance"] = record["TotalAmt"] - self._paid(str(record["Id"]))

    def _adjust_balance(self, customer_id: str, delta: Decimal) -> None:
        # Assumption: QBO moves Customer.Balance without bumping the customer's SyncToken.
        customer = self.customers.get(customer_id)
        if customer is not None and delta:
            for key in ("Balance", "BalanceWithJobs"):
                customer[key] = money(Decimal(str(customer.get(key, 0))) + delta)

    def _next_doc_number(self, entity: str) -> str:
        """The highest number so far plus one, keeping its prefix (``E-1066`` -> ``E-1067``)."""
        prefix, last = "", 1000
        for record in self.tables[entity].values():
            number = str(record.get("DocNumber", ""))
            digits = len(number) - len(number.rstrip("0123456789"))
            if digits and int(number[-digits:]) >= last:
                prefix, last = number[:-digits], int(number[-digits:])
        return f"{prefix}{last + 1}"

    def _link_estimates(self, invoice: dict[str, Any], links: Any, stamp: str) -> None:
        """An invoice made from estimates closes them and links both ways, as "copy to invoice" does."""
        links = links if isinstance(links, list) else []
        wanted = [
            str(t.get("TxnId")) for t in links if isinstance(t, dict) and t.get("TxnType") == "Estimate"
        ]
        for estimate_id in wanted:
            if estimate_id not in self.tables["Estimate"]:
                detail = f"Invalid Reference Id : Estimate {estimate_id} does not exist"
                raise _Invalid(self.invalid("2500", "Invalid Reference Id", detail, "LinkedTxn"))
        for estimate_id in wanted:
            estimate = self.tables["Estimate"][estimate_id]
            back = {"TxnId": str(invoice["Id"]), "TxnType": "Invoice"}
            if back not in estimate.setdefault("LinkedTxn", []):
                estimate["LinkedTxn"].append(back)
                estimate["TxnStatus"] = "Closed"
                estimate["SyncToken"] = str(int(estimate.get("SyncToken", "0")) + 1)
                estimate["MetaData"] = {**estimate.get("MetaData", {}), "LastUpdatedTime": stamp}
            forward = {"TxnId": estimate_id, "TxnType": "Estimate"}
            if forward not in invoice.setdefault("LinkedTxn", []):
                invoice["LinkedTxn"].insert(0, forward)

    def _create_txn(self, entity: str, payload: dict[str, Any]) -> Reply:
        stamp = self.now().isoformat(timespec="seconds")
        record: dict[str, Any] = {
            "domain": "QBO",
            "sparse": False,
            "Id": str(self.next_txn_id),
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
            "TxnDate": self.now().date().isoformat(),
            "DocNumber": self._next_doc_number(entity),
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "NotSet",
            **{k: v for k, v in payload.items() if k not in _TXN_READ_ONLY},
            "LinkedTxn": [],
        }
        if entity == "Estimate":
            record.setdefault("TxnStatus", "Pending")
        else:
            try:
                due = date.fromisoformat(str(record["TxnDate"])[:10]) + timedelta(days=30)
            except ValueError:
                raise self._unsupported(f"TxnDate {record['TxnDate']!r} is not a date", "TxnDate") from None
            record.setdefault("DueDate", due.isoformat())
            record.setdefault("SalesTermRef", {"value": "3", "name": "Net 30"})
        self._settle(entity, record)
        bill_addr = self.customers[record["CustomerRef"]["value"]].get("BillAddr")
        if bill_addr:  # QBO copies the customer's address when none is given
            record.setdefault("BillAddr", copy.deepcopy(bill_addr))
        if entity == "Invoice":
            self._link_estimates(record, payload.get("LinkedTxn"), stamp)
            self._adjust_balance(record["CustomerRef"]["value"], record["Balance"])
        self.next_txn_id += 1
        self.tables[entity][record["Id"]] = record
        return 200, {entity: copy.deepcopy(record), "time": self.stamp()}

    def _update_txn(self, entity: str, payload: dict[str, Any]) -> Reply:
        entity_id = str(payload["Id"])
        current = self.tables[entity].get(entity_id)
        if current is None:
            return self.not_found(entity_id, entity)
        if (stale := self.stale(entity, payload, current)) is not None:
            return stale
        changes = {k: v for k, v in payload.items() if k not in _TXN_READ_ONLY}
        if payload.get("sparse") is True:
            updated = {**copy.deepcopy(current), **changes}
        else:  # a full update: writable fields left out are cleared
            kept = {k: copy.deepcopy(v) for k, v in current.items() if k in _TXN_READ_ONLY}
            updated = {**kept, **changes}
        self._settle(entity, updated)
        stamp = self.now().isoformat(timespec="seconds")
        if entity == "Invoice":
            self._link_estimates(updated, payload.get("LinkedTxn"), stamp)
            self._adjust_balance(current["CustomerRef"]["value"], -current["Balance"])
            self._adjust_balance(updated["CustomerRef"]["value"], updated["Balance"])
        updated["SyncToken"] = str(int(current.get("SyncToken", "0")) + 1)
        updated["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": stamp}
        updated["sparse"] = False
        self.tables[entity][entity_id] = updated
        return 200, {entity: copy.deepcopy(updated), "time": self.stamp()}

    def _delete_txn(self, entity: str, payload: dict[str, Any]) -> Reply:
        entity_id = str(payload.get("Id", ""))
        current = self.tables[entity].get(entity_id)
        if current is None:
            return self.not_found(entity_id, entity)
        if (stale := self.stale(entity, payload, current)) is not None:
            return stale
        if any(t.get("TxnType") == "Payment" for t in current.get("LinkedTxn", [])):
            message = "A business validation error has occurred while processing your request"
            detail = f"Business Validation Error: unlink the payments applied to {entity} {entity_id} first"
            return self.invalid("6000", message, detail)
        stamp = self.now().isoformat(timespec="seconds")
        for link in current.get("LinkedTxn", []):  # drop the other side of estimate <-> invoice links
            other = self.tables.get(str(link.get("TxnType")), {}).get(str(link.get("TxnId")))
            if other is not None:
                other["LinkedTxn"] = [t for t in other.get("LinkedTxn", []) if t.get("TxnId") != entity_id]
                if other.get("TxnStatus") == "Closed" and not other["LinkedTxn"]:
                    other["TxnStatus"] = "Accepted"  # assumption: an un-invoiced estimate is accepted again
                other["SyncToken"] = str(int(other.get("SyncToken", "0")) + 1)
                other["MetaData"] = {**other.get("MetaData", {}), "LastUpdatedTime": stamp}
        del self.tables[entity][entity_id]
        self.deleted[entity][entity_id] = stamp
        if entity == "Invoice":
            self._adjust_balance(current["CustomerRef"]["value"], -current["Balance"])
        return 200, {entity: {"status": "Deleted", "domain": "QBO", "Id": entity_id}, "time": self.stamp()}

    def send(self, entity: str, entity_id: str, send_to: str | None) -> Reply:
        """``POST /{entity}/{id}/send[?sendTo=]``: "email" the document to ``sendTo`` or its ``BillEmail``.

        Sets ``EmailStatus`` ``EmailSent``, ``DeliveryInfo`` and ``BillEmail`` as Intuit documents; that it
        also bumps ``SyncToken`` and ``LastUpdatedTime`` is our assumption (the entity changed).
        """
        record = self.tables.get(entity, {}).get(entity_id)
        if record is None:
            return self.not_found(entity_id, entity)
        address = send_to or (record.get("BillEmail") or {}).get("Address")
        if not address:
            return self.invalid("2020", _MISSING, "Required parameter BillEmail.Address or sendTo is missing",
                                "BillEmail")
        if "@" not in address:
            return self.invalid("2010", _UNSUPPORTED, f"sendTo {address!r} is not an email address", "sendTo")
        stamp = self.now().isoformat(timespec="seconds")
        record.update(BillEmail={"Address": address}, EmailStatus="EmailSent",
                      DeliveryInfo={"DeliveryType": "Email", "DeliveryTime": stamp})
        record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
        record["MetaData"] = {**record.get("MetaData", {}), "LastUpdatedTime": stamp}
        return 200, {entity: copy.deepcopy(record), "time": self.stamp()}

    # --- batch and change data capture -----------------------------------------------------------

    def batch(self, payload: Any) -> Reply:
        """``POST /batch``: up to 30 queries or writes, each answered (or faulted) on its own."""
        items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items:
            detail = "Required parameter BatchItemRequest is missing"
            return self.invalid("2020", _MISSING, detail, "BatchItemRequest")
        if len(items) > MAX_BATCH_ITEMS:
            detail = (
                f"The batch has {len(items)} BatchItemRequest objects; at most {MAX_BATCH_ITEMS} are allowed"
            )
            return self.invalid("2010", _UNSUPPORTED, detail, "BatchItemRequest")
        answers = []
        for item in items:
            bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
            if bid:
                status, body = self._batch_item(item)
            else:
                status, body = self.invalid("2020", _MISSING, "Required parameter bId is missing", "bId")
            answer = (
                {k: v for k, v in body.items() if k != "time"} if status == 200 else {"Fault": body["Fault"]}
            )
            answers.append({**answer, "bId": bid})
        return 200, {"BatchItemResponse": answers, "time": self.stamp()}

    def _batch_item(self, item: dict[str, Any]) -> Reply:
        if "Query" in item:
            return self.query(str(item["Query"]))
        entity = next((name for name in _WRITABLE if name in item), None)
        operation = str(item.get("operation", "")).lower()
        if entity is None or operation not in {"create", "update", "delete"}:
            detail = f"Unsupported batch operation {operation!r} on {entity or 'no entity'}"
            return self.invalid("2010", _UNSUPPORTED, detail, "operation")
        body = item[entity]
        if operation == "create" and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in {"Id", "SyncToken"}}
        if operation == "update" and not (isinstance(body, dict) and "Id" in body):
            return self.invalid("2020", _MISSING, "Required parameter Id is missing for update", "Id")
        return self.write(entity, body, "delete" if operation == "delete" else "")

    def cdc(self, entities: str, changed_since: str) -> Reply:
        """``GET /cdc``: what changed in ``entities`` at or after ``changed_since``, deletes last.

        At most ``CDC_MAX_OBJECTS`` objects in all, in the order the entities are named; a look-back
        beyond ``CDC_LOOKBACK_DAYS`` is refused.
        """
        names = [name.strip() for name in entities.split(",") if name.strip()]
        known = {name.lower(): name for name in self.tables}
        if not names or any(name.lower() not in known for name in names):
            detail = f"entities must list entities the company supports, got {entities!r}"
            return self.invalid("2010", _UNSUPPORTED, detail, "entities")
        since = _parse_time(changed_since)
        if since is None:
            return self.invalid("2010", _UNSUPPORTED, f"changedSince {changed_since!r} is not a date-time")
        if since < self.now() - timedelta(days=CDC_LOOKBACK_DAYS):
            # Intuit's wording, as client issue reports quote it; the code is our assumption.
            detail = (
                f"Operation cdc with changedSince date {changed_since} which is older than fixed days "
                "is not supported."
            )
            return self.invalid("2010", _UNSUPPORTED, detail, "changedSince")
        left = CDC_MAX_OBJECTS
        groups: list[dict[str, Any]] = []
        for name in (known[n.lower()] for n in names):
            stamped = [(_updated(r), r) for r in self.tables[name].values()]
            changed = [r for t, r in sorted(stamped, key=lambda tr: tr[0]) if t >= since]
            gone = [
                {"status": "Deleted", "domain": "QBO", "Id": i, "MetaData": {"LastUpdatedTime": t}}
                for i, t in sorted(self.deleted[name].items(), key=lambda kv: kv[1])
                if (_parse_time(t) or since) >= since
            ]
            objects = [*copy.deepcopy(changed), *gone][:left]
            left -= len(objects)
            groups.append({name: objects, "startPosition": 1, "maxResults": len(objects)} if objects else {})
        return 200, {"CDCResponse": [{"QueryResponse": groups}], "time": self.stamp()}


def _updated(record: dict[str, Any]) -> datetime:
    moment = _parse_time(str(record.get("MetaData", {}).get("LastUpdatedTime", "")))
    return moment or datetime.min.replace(tzinfo=COMPANY_TZ)


def _parse_time(text: str) -> datetime | None:
    """A QBO date or date-time; without an offset it is the company's local time."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_TZ)
