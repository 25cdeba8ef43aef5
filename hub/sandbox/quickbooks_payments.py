"""Receiving a customer payment in the simulated company (``POST /v3/company/{realm}/payment``).

As QuickBooks does (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment):
``CustomerRef`` and ``TotalAmt`` are required; each ``Line`` applies ``Amount`` to the invoices in its
``LinkedTxn``; the invoices' ``Balance`` drops (and their ``SyncToken`` moves), each invoice links the
payment back, and the customer's balance follows. Only creates: the hub never edits payments.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from hub.sandbox.seed_sales import money

if TYPE_CHECKING:
    from hub.sandbox.quickbooks_store import Company, Reply

__all__ = ["create_payment"]


_UNSUPPORTED = "Request has invalid or unsupported property"
_MISSING = "Required param missing, need to supply the required value for the API"
_BUSINESS = "A business validation error has occurred while processing your request"
_BAD_REF = "Invalid Reference Id"


def _amount(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return money(number) if number.is_finite() else None


def create_payment(company: Company, payload: Any) -> Reply:
    if not isinstance(payload, dict):
        return company.invalid("2010", _UNSUPPORTED, "Payment body is not an object")
    ref = payload.get("CustomerRef")
    customer_id = str(ref.get("value", "")) if isinstance(ref, dict) else ""
    if customer_id not in company.customers:
        detail = f"Invalid Reference Id : Customer {customer_id} does not exist"
        return company.invalid("2500", _BAD_REF, detail, "CustomerRef")
    total = _amount(payload.get("TotalAmt"))
    if total is None or total <= 0:
        return company.invalid("2020", _MISSING, "TotalAmt is required and must be positive", "TotalAmt")
    stamp = company.now().isoformat(timespec="seconds")
    payment_id = str(company.next_txn_id)
    applied: list[tuple[dict[str, Any], Decimal]] = []
    given = payload.get("Line")
    for line in given if isinstance(given, list) else []:
        amount = _amount(line.get("Amount")) if isinstance(line, dict) else None
        links = line.get("LinkedTxn") if isinstance(line, dict) else None
        for link in links if isinstance(links, list) else []:
            txn = str(link.get("TxnId")) if isinstance(link, dict) else ""
            invoice = company.tables["Invoice"].get(txn)
            if invoice is None or link.get("TxnType") != "Invoice" or amount is None:
                detail = f"Invalid Reference Id : Invoice {txn} does not exist"
                return company.invalid("2500", _BAD_REF, detail, "LinkedTxn")
            if invoice["CustomerRef"]["value"] != customer_id or amount > Decimal(str(invoice["Balance"])):
                detail = "Payment line does not match the invoice's customer or open balance"
                return company.invalid("6000", _BUSINESS, detail, "Line")
            applied.append((invoice, amount))
    if sum((a for _, a in applied), Decimal(0)) > total:
        return company.invalid("6000", _BUSINESS, "Lines apply more than TotalAmt", "Line")
    record = {
        "domain": "QBO", "sparse": False, "Id": payment_id, "SyncToken": "0",
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        "TxnDate": payload.get("TxnDate") or company.now().date().isoformat(),
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "CustomerRef": {"value": customer_id, "name": company.customers[customer_id].get("DisplayName", "")},
        "TotalAmt": total, "UnappliedAmt": total - sum((a for _, a in applied), Decimal(0)),
        "PaymentRefNum": payload.get("PaymentRefNum"),
        "Line": [
            {"Amount": a, "LinkedTxn": [{"TxnId": str(i["Id"]), "TxnType": "Invoice"}]} for i, a in applied
        ],
    }  # fmt: skip
    for invoice, amount in applied:
        invoice["Balance"] = money(Decimal(str(invoice["Balance"])) - amount)
        invoice.setdefault("LinkedTxn", []).append({"TxnId": payment_id, "TxnType": "Payment"})
        invoice["SyncToken"] = str(int(invoice.get("SyncToken", "0")) + 1)
        invoice["MetaData"] = {**invoice.get("MetaData", {}), "LastUpdatedTime": stamp}
    company._adjust_balance(customer_id, -sum((a for _, a in applied), Decimal(0)))
    company.next_txn_id += 1
    company.tables["Payment"][payment_id] = record
    return 200, {"Payment": copy.deepcopy(record), "time": company.stamp()}
