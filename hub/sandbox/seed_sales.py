"""The costume shop's QuickBooks Online sales documents: items, estimates, invoices and payments.

``build_sales(customers)`` draws them on top of the customer seed (``build_shop().quickbooks_customers``)
in the API's JSON shapes (minorversion 75), deterministically: the same customers give the same sales.
Money is ``Decimal`` with two places and the books balance:

* every ``SalesItemLineDetail`` line has ``Amount = Qty x UnitPrice``; the trailing ``SubTotalLineDetail``
  line repeats their sum (as QBO returns it), so ``TotalAmt = sum(item lines) + TxnTaxDetail.TotalTax``;
* ``Invoice.Balance = TotalAmt - sum(payment lines linked to it)``, and the open balances of each
  customer's invoices add up to that customer's ``Balance`` exactly. The customer seed is therefore left
  untouched: its balances are the constraint the invoices are drawn to, not the other way round;
* an estimate that became an invoice is ``Closed`` (what QBO does on "copy to invoice") with
  ``LinkedTxn`` to the invoice, and the invoice links back (``TxnType: "Estimate"``) and to its payments;
* dates run from February to October 2026; "today" for the books is ``SALES_AS_OF`` (2026-11-01), so an
  invoice is overdue when ``DueDate < SALES_AS_OF`` and ``Balance > 0``.

The customer with the largest balance gets a season's worth of documents (>= 12), so paging a per-customer
list past a small page size is testable. ``SALES_NOTES`` lists facts about the default seed for tests.

>>> from hub.sandbox.seed import build_shop
>>> sales = build_sales(build_shop().quickbooks_customers); sales.notes == SALES_NOTES
True
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "SALES_AS_OF",
    "SALES_NOTES",
    "Sales",
    "build_sales",
    "document_totals",
    "money",
    "qbo_local_time",
    "sales_notes",
]

SALES_AS_OF = date(2026, 11, 1)
_FIRST_DAY = date(2026, 2, 2)
_LAST_DAY = date(2026, 10, 28)
_CENT = Decimal("0.01")
_USD = {"value": "USD", "name": "United States Dollar"}
_NET_30 = {"value": "3", "name": "Net 30"}
# The shop is in Oregon (no sales tax); products shipped to these states carry their state rate.
_TAX_PERCENT = {
    "CA": Decimal("7.25"), "IL": Decimal("6.25"), "WA": Decimal("6.5"), "NY": Decimal("4"),
    "TX": Decimal("6.25"), "GA": Decimal("4"), "FL": Decimal("6"), "PA": Decimal("6"),
}  # fmt: skip
_TAX_RATE_IDS = {state: str(n) for n, state in enumerate(sorted(_TAX_PERCENT), start=3)}

# (name, Type, UnitPrice, Taxable, usual max quantity, description); the last one is discontinued.
_CATALOGUE: list[tuple[str, str, str, bool, int, str]] = [
    (
        "Custom Victorian Gown",
        "NonInventory",
        "2400.00",
        True,
        6,
        "Made-to-measure gown, boned bodice, bustle",
    ),
    ("Tailcoat", "NonInventory", "850.00", True, 8, "Period tailcoat, wool, fully lined"),
    ("Chorus Tunic", "NonInventory", "145.00", True, 40, "Chorus tunic in stock sizes, dyed to order"),
    ("Period Corset", "NonInventory", "420.00", True, 10, "Steel-boned corset, made to measure"),
    ("Doublet and Hose", "NonInventory", "680.00", True, 8, "Elizabethan doublet with trunk hose"),
    ("Millinery", "NonInventory", "185.00", True, 12, "Hat or headpiece, blocked and trimmed"),
    ("Fabric surcharge", "NonInventory", "12.50", True, 60, "Specialty fabric, per yard"),
    ("Alterations (hour)", "Service", "65.00", False, 30, "Alterations and refits, per hour"),
    ("Fitting session", "Service", "95.00", False, 12, "Fitting session with the cutter"),
    ("Pattern drafting (hour)", "Service", "80.00", False, 20, "Pattern drafting, per hour"),
    ("Dyeing and distressing", "Service", "110.00", False, 15, "Dyeing, ageing and distressing, per piece"),
    ("Wardrobe maintenance (week)", "Service", "450.00", False, 8, "Running wardrobe maintenance, per week"),
    ("Gown rental (week)", "Service", "320.00", False, 6, "Stock gown rental, per week"),
    ("Rush fee", "Service", "250.00", False, 1, "Rush turnaround"),
    ("Costume design fee", "Service", "150.00", False, 1, "Costume design and renderings"),
    ("Sequin cape (discontinued)", "NonInventory", "275.00", True, 4, "Sequin cape"),
]
# Items the workshop makes carry the inventory system's product code as their Sku (QBO Item.Sku, a
# free-text field, minorversion 4+): it is how a quote line finds its product in Odoo (default_code).
_SKUS = {
    "Custom Victorian Gown": "FIN-VICTORIAN-GOWN",
    "Tailcoat": "FIN-TAILCOAT",
    "Chorus Tunic": "FIN-CHORUS-TUNIC",
    "Period Corset": "FIN-CORSET-M",
}
_DESIGN_FEE = "Costume design fee"
_MEMOS = {
    "Estimate": "Prices valid for 30 days. A 50% deposit confirms the build slot.",
    "Invoice": "Thank you for dressing your show with us. Net 30.",
}


def money(value: Decimal | int | str) -> Decimal:
    """Round to cents the way an invoice does (half up)."""
    return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


def qbo_local_time(day: date, hour: int, minute: int = 0) -> str:
    """A QBO timestamp on ``day`` at local Pacific time: ``2026-03-04T10:15:00-08:00``."""
    dst = date(2026, 3, 8) <= day < date(2026, 11, 1)  # US DST in 2026
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00{'-07:00' if dst else '-08:00'}"


def document_totals(lines: Iterable[Mapping[str, Any]], tax: Decimal = Decimal("0")) -> dict[str, Decimal]:
    """``subtotal`` (item lines) and ``total`` (plus tax) of an estimate's or invoice's ``Line`` list."""
    subtotal = sum(
        (Decimal(str(line["Amount"])) for line in lines if line.get("DetailType") == "SalesItemLineDetail"),
        Decimal("0"),
    )
    return {"subtotal": money(subtotal), "total": money(subtotal + tax)}


@dataclass(frozen=True)
class Sales:
    """The sales documents of one company, each list in ``Id`` order, plus facts about them."""

    items: list[dict[str, Any]]
    estimates: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    notes: dict[str, Any] = field(default_factory=dict)


# --- building blocks --------------------------------------------------------------------------------

_Line = tuple[dict[str, Any], Decimal, Decimal]  # item, quantity, unit price


def _items() -> list[dict[str, Any]]:
    out = []
    for n, (name, type_, price, taxable, _, description) in enumerate(_CATALOGUE, start=1):
        stamp = qbo_local_time(date(2025, 12, 1) + timedelta(days=n), 9 + n % 8)
        account = (
            {"value": "79", "name": "Sales of Product Income"}
            if type_ == "NonInventory"
            else {"value": "1", "name": "Services"}
        )
        item: dict[str, Any] = {
            "Id": str(n),
            "Name": name,
            "FullyQualifiedName": name,
            "Description": description,
            "Active": not name.endswith("(discontinued)"),
            "SubItem": False,
            "Type": type_,
            "UnitPrice": Decimal(price),
            "Taxable": taxable,
            "TrackQtyOnHand": False,
            "IncomeAccountRef": account,
            "domain": "QBO",
            "sparse": False,
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        if name in _SKUS:
            item["Sku"] = _SKUS[name]
        if type_ == "NonInventory":
            item["ExpenseAccountRef"] = {"value": "80", "name": "Cost of Goods Sold"}
            item["PurchaseCost"] = money(Decimal(price) * Decimal("0.45"))
        out.append(item)
    return out


def _id_key(customer: Mapping[str, Any]) -> tuple[int, str]:
    cid = str(customer["Id"])
    return (int(cid), cid) if cid.isdigit() else (10**9, cid)


def _balance(customer: Mapping[str, Any]) -> Decimal:
    return money(Decimal(str(customer.get("Balance") or 0)))


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


@dataclass
class _Doc:
    """A document before Ids are known: links point at other ``_Doc`` objects."""

    kind: str  # Estimate | Invoice | Payment
    customer: Mapping[str, Any]
    day: date
    hour: int
    body: dict[str, Any]
    links: list[_Doc] = field(default_factory=list)
    touched: list[tuple[date, int]] = field(default_factory=list)  # later updates (SyncToken, MetaData)
    id: str = ""


class _Builder:
    def __init__(self) -> None:
        self.items = _items()
        self.active_items = [i for i in self.items if i["Active"]]
        self.design_fee = next(i for i in self.items if i["Name"] == _DESIGN_FEE)
        self.docs: list[_Doc] = []

    # lines ------------------------------------------------------------------------------------------

    def tax_rate(self, customer: Mapping[str, Any]) -> Decimal | None:
        state = str((customer.get("BillAddr") or {}).get("CountrySubDivisionCode", ""))
        return _TAX_PERCENT.get(state) if customer.get("Taxable") else None

    def total(self, lines: list[_Line], rate: Decimal | None) -> Decimal:
        subtotal = sum((money(q * p) for _, q, p in lines), Decimal("0"))
        taxable = sum((money(q * p) for i, q, p in lines if i["Taxable"]), Decimal("0"))
        return subtotal + (money(taxable * rate / 100) if rate else Decimal("0"))

    def random_lines(self, rng: random.Random) -> list[_Line]:
        pool = [i for i in self.active_items if i["Name"] not in {_DESIGN_FEE, "Rush fee"}]
        chosen = rng.sample(pool, k=rng.randint(1, 4))
        lines = [(i, Decimal(rng.randint(1, _max_qty(i))), i["UnitPrice"]) for i in chosen]
        if rng.random() < 0.15:
            rush = next(i for i in self.active_items if i["Name"] == "Rush fee")
            lines.append((rush, Decimal(1), rush["UnitPrice"]))
        return lines

    def lines_at_least(self, rng: random.Random, floor: Decimal, rate: Decimal | None) -> list[_Line]:
        """Random lines whose total reaches ``floor``: the dearest line's quantity grows until it does."""
        lines = self.random_lines(rng)
        if floor > 4000 and not any(i["UnitPrice"] >= 680 for i, _, _ in lines):
            gown = self.items[0]
            lines.insert(0, (gown, Decimal(1), gown["UnitPrice"]))
        main = max(range(len(lines)), key=lambda n: lines[n][2])
        while (short := floor - self.total(lines, rate)) > 0:
            item, qty, price = lines[main]
            unit = price * (1 + (rate or Decimal("0")) / 100 if item["Taxable"] else Decimal("1"))
            lines[main] = (item, qty + max(1, int(short // unit)), price)
        return lines

    def lines_exactly(self, rng: random.Random, target: Decimal, rate: Decimal | None) -> list[_Line]:
        """Lines totalling ``target`` to the cent: untaxed work, then the design fee takes the rest."""
        pool = [
            i for i in self.active_items
            if i is not self.design_fee and i["Name"] != "Rush fee" and not (rate and i["Taxable"])
        ]  # fmt: skip
        lines: list[_Line] = []
        left = target
        for item in rng.sample(pool, k=3):
            most = int((left - 1) // item["UnitPrice"])
            if most >= 1:
                qty = Decimal(min(most, rng.randint(1, _max_qty(item))))
                lines.append((item, qty, item["UnitPrice"]))
                left -= money(qty * item["UnitPrice"])
        lines.append((self.design_fee, Decimal(1), left))
        return lines

    # documents --------------------------------------------------------------------------------------

    def add(
        self, kind: str, customer: Mapping[str, Any], day: date, rng: random.Random, body: dict[str, Any]
    ) -> _Doc:
        doc = _Doc(kind, customer, day, rng.randint(8, 17), body)
        self.docs.append(doc)
        return doc

    def sales_doc(
        self, kind: str, customer: Mapping[str, Any], day: date, rng: random.Random, lines: list[_Line]
    ) -> _Doc:
        rate = self.tax_rate(customer)
        body: dict[str, Any] = {"_lines": lines, "_rate": rate}
        return self.add(kind, customer, day, rng, body)

    def estimate(
        self, customer: Mapping[str, Any], day: date, rng: random.Random, lines: list[_Line], status: str
    ) -> _Doc:
        doc = self.sales_doc("Estimate", customer, day, rng, lines)
        doc.body.update(TxnStatus=status, ExpirationDate=(day + timedelta(days=30)).isoformat())
        if status != "Pending":
            doc.touched.append((min(day + timedelta(days=rng.randint(1, 6)), _LAST_DAY), 9))
        if status in {"Accepted", "Closed"}:
            doc.body.update(AcceptedBy=_contact(customer), AcceptedDate=doc.touched[0][0].isoformat())
        return doc

    def invoice(
        self,
        customer: Mapping[str, Any],
        day: date,
        rng: random.Random,
        lines: list[_Line],
        *,
        from_estimate: bool,
    ) -> _Doc:
        if from_estimate:
            quoted = max(_FIRST_DAY, day - timedelta(days=rng.randint(8, 30)))
            estimate = self.estimate(customer, quoted, rng, lines, "Closed")
            estimate.touched = [(min(quoted + timedelta(days=rng.randint(1, 5)), day), 9)]
            estimate.body["AcceptedDate"] = estimate.touched[0][0].isoformat()
        doc = self.sales_doc("Invoice", customer, day, rng, lines)
        doc.body["DueDate"] = (day + timedelta(days=30)).isoformat()
        if from_estimate:
            estimate.links.append(doc)
            estimate.touched.append((day, doc.hour))
            doc.links.append(estimate)
        return doc

    def payment(
        self, customer: Mapping[str, Any], day: date, rng: random.Random, applied: list[tuple[_Doc, Decimal]]
    ) -> _Doc:
        check = rng.random() < 0.6
        body = {
            "_applied": applied,
            "PaymentMethodRef": {"value": "2", "name": "Check"} if check else {"value": "3", "name": "Visa"},
            "PaymentRefNum": str(rng.randint(1100, 9800)) if check else "",
        }
        doc = self.add("Payment", customer, day, rng, body)
        for invoice, _ in applied:
            invoice.links.append(doc)
            invoice.touched.append((day, doc.hour))
        return doc

    # a customer's year ------------------------------------------------------------------------------

    def customer(self, customer: Mapping[str, Any], index: int, busy: bool) -> None:
        rng = random.Random(f"qbo-sales:{customer['Id']}")
        balance = _balance(customer)
        if customer.get("Active") is False and not balance:
            return
        rate = self.tax_rate(customer)
        if busy:  # (overdue?, fully unpaid?) per open invoice, then paid invoices and other quotes
            opens = [(True, True), (False, False), (True, False)]
            paid, extra = 3, ["Pending", "Pending", "Rejected", "Accepted", "Pending"]
        else:
            n_open = 0 if not balance else 2 if balance >= 10000 and rng.random() < 0.4 else 1
            opens = [(rng.random() < 0.5, rng.random() < 0.5) for _ in range(n_open)]
            paid = int(rng.random() < 0.12) if balance else [1, 0, 0, 0, 0, 2, 0, 0, 0, 0][index % 10]
            roll = rng.random()
            count = 0 if roll < 0.55 else 1 if roll < 0.9 else 2
            extra = [rng.choice(["Pending", "Pending", "Accepted", "Rejected"]) for _ in range(count)]
        shares = _split(balance, len(opens), rng)
        for n, ((overdue, unpaid), owed) in enumerate(zip(opens, shares, strict=True)):
            if overdue:
                day = _day(rng, date(2026, 3, 2), date(2026, 9, 15))
            else:
                day = _day(rng, date(2026, 10, 5), _LAST_DAY)
            if unpaid:
                lines = self.lines_exactly(rng, owed, rate)
            else:
                lines = self.lines_at_least(rng, owed * Decimal(rng.randint(140, 200)) / 100, rate)
            doc = self.invoice(
                customer, day, rng, lines, from_estimate=(busy and n > 0) or rng.random() < 0.55
            )
            deposit = self.total(lines, rate) - owed
            if deposit > 0:
                paid_on = min(day + timedelta(days=rng.randint(2, 14)), SALES_AS_OF - timedelta(days=1))
                self.payment(customer, paid_on, rng, [(doc, deposit)])
        settled: list[tuple[_Doc, Decimal]] = []
        for n in range(paid):
            day = _day(rng, date(2026, 2, 9), date(2026, 8, 31))
            lines = self.random_lines(rng)
            doc = self.invoice(
                customer, day, rng, lines, from_estimate=(busy and n > 0) or rng.random() < 0.55
            )
            settled.append((doc, self.total(lines, rate)))
        if len(settled) == 2 and not busy:  # one cheque for both
            last = max(d.day for d, _ in settled)
            self.payment(customer, last + timedelta(days=rng.randint(5, 25)), rng, settled)
        else:
            for doc, amount in settled:
                due = doc.day + timedelta(days=30)
                if rng.random() < 0.4:  # a deposit, then the rest
                    half = money(amount / 2)
                    self.payment(customer, doc.day + timedelta(days=rng.randint(1, 7)), rng, [(doc, half)])
                    self.payment(
                        customer, due - timedelta(days=rng.randint(0, 10)), rng, [(doc, amount - half)]
                    )
                else:
                    self.payment(customer, due - timedelta(days=rng.randint(-6, 20)), rng, [(doc, amount)])
        for status in extra:
            if status == "Accepted":
                day = _day(rng, date(2026, 9, 1), date(2026, 10, 20))
            else:
                day = _day(rng, _FIRST_DAY, _LAST_DAY)
            self.estimate(customer, day, rng, self.random_lines(rng), status)


def _max_qty(item: Mapping[str, Any]) -> int:
    return next(q for name, *_, q, _ in _CATALOGUE if name == item["Name"])


def _contact(customer: Mapping[str, Any]) -> str:
    person = " ".join(str(customer[k]) for k in ("GivenName", "FamilyName") if customer.get(k))
    return person or str(customer.get("DisplayName", ""))


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    if parts <= 1:
        return [total] * parts
    shares = [money(total * Decimal(rng.randint(25, 60)) / 100 / (parts - 1)) for _ in range(parts - 1)]
    return [*shares, total - sum(shares, Decimal("0"))]


# --- from plans to API objects ----------------------------------------------------------------------

_KIND_ORDER = {"Estimate": 0, "Invoice": 1, "Payment": 2}
_FIRST_TXN_ID = 101


def _ref(customer: Mapping[str, Any]) -> dict[str, str]:
    return {"value": str(customer["Id"]), "name": str(customer.get("DisplayName", ""))}


def _meta(doc: _Doc) -> tuple[str, dict[str, str]]:
    created = (doc.day, doc.hour)
    last = max([created, *doc.touched])
    meta = {
        "CreateTime": qbo_local_time(*created),
        "LastUpdatedTime": qbo_local_time(*last, 30 if doc.touched else 0),
    }
    return str(len(doc.touched)), meta


def _sales_record(doc: _Doc, doc_number: str, payments_applied: Decimal) -> dict[str, Any]:
    lines: list[_Line] = doc.body["_lines"]
    rate: Decimal | None = doc.body["_rate"]
    out_lines: list[dict[str, Any]] = []
    for n, (item, qty, price) in enumerate(lines, start=1):
        out_lines.append({
            "Id": str(n),
            "LineNum": n,
            "Description": item["Description"],
            "Amount": money(qty * price),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": {"value": item["Id"], "name": item["Name"]},
                "Qty": qty,
                "UnitPrice": price,
                "TaxCodeRef": {"value": "TAX" if rate and item["Taxable"] else "NON"},
            },
        })  # fmt: skip
    subtotal = sum((line["Amount"] for line in out_lines), Decimal("0"))
    out_lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    taxable = sum((money(q * p) for i, q, p in lines if rate and i["Taxable"]), Decimal("0"))
    tax = money(taxable * rate / 100) if rate else money(0)
    tax_detail: dict[str, Any] = {"TotalTax": tax}
    if tax:
        state = str(doc.customer["BillAddr"]["CountrySubDivisionCode"])
        tax_detail["TxnTaxCodeRef"] = {"value": "2"}
        tax_detail["TaxLine"] = [{
            "Amount": tax,
            "DetailType": "TaxLineDetail",
            "TaxLineDetail": {
                "TaxRateRef": {"value": _TAX_RATE_IDS[state]},
                "PercentBased": True,
                "TaxPercent": rate,
                "NetAmountTaxable": taxable,
            },
        }]  # fmt: skip
    sync_token, meta = _meta(doc)
    customer = doc.customer
    record: dict[str, Any] = {
        "Id": doc.id,
        "SyncToken": sync_token,
        "domain": "QBO",
        "sparse": False,
        "MetaData": meta,
        "DocNumber": doc_number,
        "TxnDate": doc.day.isoformat(),
        "CurrencyRef": dict(_USD),
        "CustomerRef": _ref(customer),
        "CustomerMemo": {"value": _MEMOS[doc.kind]},
        "Line": out_lines,
        "TxnTaxDetail": tax_detail,
        "TotalAmt": subtotal + tax,
        "ApplyTaxAfterDiscount": False,
        "PrintStatus": "NotSet",
        "EmailStatus": "EmailSent",
        "LinkedTxn": [{"TxnId": other.id, "TxnType": other.kind} for other in doc.links],
    }
    if email := (customer.get("PrimaryEmailAddr") or {}).get("Address"):
        record["BillEmail"] = {"Address": email}
    if customer.get("BillAddr"):
        record["BillAddr"] = dict(customer["BillAddr"])
    for key in ("TxnStatus", "ExpirationDate", "AcceptedBy", "AcceptedDate", "DueDate"):
        if key in doc.body:
            record[key] = doc.body[key]
    if doc.kind == "Invoice":
        record.update(
            SalesTermRef=dict(_NET_30),
            Deposit=money(0),
            Balance=subtotal + tax - payments_applied,
            AllowOnlineCreditCardPayment=False,
            AllowOnlineACHPayment=False,
        )
    return record


def _payment_record(doc: _Doc) -> dict[str, Any]:
    applied: list[tuple[_Doc, Decimal]] = doc.body["_applied"]
    sync_token, meta = _meta(doc)
    record: dict[str, Any] = {
        "Id": doc.id,
        "SyncToken": sync_token,
        "domain": "QBO",
        "sparse": False,
        "MetaData": meta,
        "TxnDate": doc.day.isoformat(),
        "CurrencyRef": dict(_USD),
        "CustomerRef": _ref(doc.customer),
        "TotalAmt": sum((amount for _, amount in applied), Decimal("0")),
        "UnappliedAmt": money(0),
        "ProcessPayment": False,
        "PaymentMethodRef": doc.body["PaymentMethodRef"],
        "DepositToAccountRef": {"value": "4", "name": "Undeposited Funds"},
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice.id, "TxnType": "Invoice"}]}
            for invoice, amount in applied
        ],
    }
    if doc.body["PaymentRefNum"]:
        record["PaymentRefNum"] = doc.body["PaymentRefNum"]
    return record


def _finish(builder: _Builder) -> Sales:
    docs = sorted(builder.docs, key=lambda d: (d.day, _KIND_ORDER[d.kind], d.hour, str(d.customer["Id"])))
    for n, doc in enumerate(docs):
        doc.id = str(_FIRST_TXN_ID + n)
    applied: dict[int, Decimal] = {}
    for doc in docs:
        for invoice, amount in doc.body.get("_applied", []):
            applied[id(invoice)] = applied.get(id(invoice), Decimal("0")) + amount
    estimates: list[dict[str, Any]] = []
    invoices: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for doc in docs:
        if doc.kind == "Estimate":
            estimates.append(_sales_record(doc, f"E-{1001 + len(estimates)}", Decimal("0")))
        elif doc.kind == "Invoice":
            invoices.append(_sales_record(doc, str(1001 + len(invoices)), applied.get(id(doc), Decimal("0"))))
        else:
            payments.append(_payment_record(doc))
    sales = Sales(builder.items, estimates, invoices, payments)
    sales.notes.update(sales_notes(sales))
    return sales


def build_sales(customers: list[dict[str, Any]]) -> Sales:
    """Items, estimates, invoices and payments for ``customers`` (QBO Customer objects, not modified).

    Only the given customers' Ids are referenced; each customer's open invoice balances sum to its
    ``Balance``. The customer with the largest balance gets the most documents.
    """
    builder = _Builder()
    ordered = sorted(customers, key=_id_key)
    busy = max(ordered, key=lambda c: (_balance(c), -_id_key(c)[0]), default=None)
    for index, customer in enumerate(ordered):
        builder.customer(customer, index, busy=customer is busy)
    return _finish(builder)


def sales_notes(sales: Sales, as_of: date = SALES_AS_OF) -> dict[str, Any]:
    """Facts tests lean on: where the interesting documents are (all Ids are strings)."""
    docs_per_customer: dict[str, int] = {}
    for doc in [*sales.estimates, *sales.invoices]:
        cid = doc["CustomerRef"]["value"]
        docs_per_customer[cid] = docs_per_customer.get(cid, 0) + 1
    busy = max(docs_per_customer, key=lambda c: (docs_per_customer[c], -int(c)), default="")
    open_ = [i for i in sales.invoices if i["Balance"] > 0]
    by_status: dict[str, list[str]] = {}
    for estimate in sales.estimates:
        by_status.setdefault(estimate["TxnStatus"], []).append(estimate["Id"])
    closed = next((e for e in sales.estimates if e["TxnStatus"] == "Closed"), None)
    return {
        "as_of": as_of.isoformat(),
        "counts": {
            "items": len(sales.items),
            "estimates": len(sales.estimates),
            "invoices": len(sales.invoices),
            "payments": len(sales.payments),
            "customers_with_documents": len(docs_per_customer),
        },
        "busy_customer_id": busy,
        "busy_customer_documents": docs_per_customer.get(busy, 0),
        "estimates_by_status": dict(sorted(by_status.items())),
        "expired_estimate_ids": [
            e["Id"]
            for e in sales.estimates
            if e["TxnStatus"] == "Pending" and e["ExpirationDate"] < as_of.isoformat()
        ],
        "converted_estimate": {
            "id": closed["Id"] if closed else "",
            "doc_number": closed["DocNumber"] if closed else "",
            "invoice_id": closed["LinkedTxn"][0]["TxnId"] if closed else "",
        },
        "paid_invoice_ids": [i["Id"] for i in sales.invoices if i["Balance"] == 0],
        "unpaid_invoice_ids": [i["Id"] for i in open_ if i["Balance"] == i["TotalAmt"]],
        "partly_paid_invoice_ids": [i["Id"] for i in open_ if i["Balance"] < i["TotalAmt"]],
        "overdue_invoice_ids": [i["Id"] for i in open_ if i["DueDate"] < as_of.isoformat()],
        "direct_invoice_ids": [
            i["Id"] for i in sales.invoices if not any(t["TxnType"] == "Estimate" for t in i["LinkedTxn"])
        ],
        "multi_invoice_payment_ids": [p["Id"] for p in sales.payments if len(p["Line"]) > 1],
        "inactive_item_ids": [i["Id"] for i in sales.items if not i["Active"]],
    }


# What sales_notes() says of the default seed, build_sales(build_shop().quickbooks_customers);
# tests/sandbox/test_seed_sales.py checks they agree.
# fmt: off
SALES_NOTES: dict[str, Any] = {
 "as_of": "2026-11-01",
 "counts": {"items": 16,
            "estimates": 66,
            "invoices": 50,
            "payments": 43,
            "customers_with_documents": 43},
 "busy_customer_id": "3",
 "busy_customer_documents": 17,
 "estimates_by_status": {"Accepted": ["219", "220", "224", "225", "230", "232", "242", "244"],
                         "Closed": ["101", "103", "104", "105", "108", "112", "119", "121", "124", "126",
                                    "127", "129", "132", "138", "143", "144", "145", "159", "163", "164",
                                    "170", "175", "183", "184", "186", "192", "198", "200", "201", "221",
                                    "222", "226", "227", "228"],
                         "Pending": ["106", "125", "136", "158", "165", "166", "172", "177", "188",
                                     "208", "216", "223", "241", "249", "252"],
                         "Rejected": ["107", "118", "171", "196", "203", "218", "236", "237", "248"]},
 "expired_estimate_ids": ["106", "125", "136", "158", "165", "166", "172", "177", "188", "208", "216",
                          "223"],
 "converted_estimate": {"id": "101", "doc_number": "E-1001", "invoice_id": "102"},
 "paid_invoice_ids": ["102", "134", "141", "148", "152", "173", "174", "178", "179", "181", "189", "191",
                      "194", "195"],
 "unpaid_invoice_ids": ["120", "123", "128", "149", "155", "167", "169", "211", "217", "233", "246",
                        "255"],
 "partly_paid_invoice_ids": ["109", "110", "111", "116", "130", "131", "139", "140", "142", "147", "157",
                             "193", "202", "207", "209", "229", "231", "234", "235", "238", "245", "250",
                             "253", "254"],
 "overdue_invoice_ids": ["109", "110", "111", "116", "120", "123", "128", "130", "131", "139", "140",
                         "142", "147", "149", "155", "157", "167", "169", "193", "202", "207", "209",
                         "211", "217"],
 "direct_invoice_ids": ["110", "120", "131", "148", "178", "179", "181", "194", "202", "229", "231",
                        "233", "245", "246", "250", "253"],
 "multi_invoice_payment_ids": ["205"],
 "inactive_item_ids": ["16"]}
# fmt: on
