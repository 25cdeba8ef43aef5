"""List fields in mapping files: ``each`` (records), ``pluck`` (values), ``where`` filters, ``^`` and
``[]`` paths -- tables of valid and invalid specs, each invalid one with its exact message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.errors import MappingError
from mappings import Money, parse_mapping

HEAD = """\
version: 1
entity: quote
source: quickbooks
collection: Estimate
fields:
  number: {from: DocNumber}
  customer_ref: {from: CustomerRef.value}
"""
LINES = """\
  lines:
    from: Line
    where: {DetailType: SalesItemLineDetail}
    each:
      product: {from: Item}
"""


def spec(extra: str) -> str:
    return HEAD + extra


RECORD = {
    "DocNumber": "E-1",
    "CustomerRef": {"value": "7"},
    "CurrencyRef": {"value": "EUR"},
    "TxnDate": "2026-03-04",
    "Line": [
        {"DetailType": "SalesItemLineDetail", "Item": "Gown", "Qty": 2, "Amount": Decimal("10.00")},
        {"DetailType": "SubTotalLineDetail", "Amount": Decimal("10.00")},
        {"DetailType": "SalesItemLineDetail", "Item": "Hat", "Qty": Decimal("1.5"), "Amount": 3},
    ],
    "LinkedTxn": [{"TxnId": "9", "TxnType": "Invoice"}, {"TxnId": 4, "TxnType": "Invoice"}],
}

VALID = [
    pytest.param(LINES, {"lines": [{"product": "Gown"}, {"product": "Hat"}]}, id="each"),
    pytest.param(
        LINES + "      quantity: {from: Qty, transform: decimal}\n"
        "      amount: {from: Amount, transform: {money: {currency_from: ^CurrencyRef.value}}}\n"
        "      description: {from: ^TxnDate}\n",
        {
            "lines": [
                {
                    "product": "Gown",
                    "quantity": Decimal(2),
                    "amount": Money(Decimal("10.00"), "EUR"),
                    "description": "2026-03-04",
                },
                {
                    "product": "Hat",
                    "quantity": Decimal("1.5"),
                    "amount": Money(Decimal("3.00"), "EUR"),
                    "description": "2026-03-04",
                },
            ]
        },
        id="parent-with-caret",
    ),
    pytest.param(
        "  lines: {from: Line, where: {Qty: [2, 3]}, each: {product: {from: {key: DocNumber, up: 1}}}}\n",
        {"lines": [{"product": "E-1"}]},
        id="filter-any-of-and-up-object",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: {TxnType: Invoice}, pluck: TxnId}\n",
        {"invoice_refs": ["9", "4"]},
        id="pluck",
    ),
    pytest.param(
        '  invoice_refs: {from: "Line[].Item", transform: upper}\n',
        {"invoice_refs": ["GOWN", "HAT"]},
        id="fan-out-and-per-item-transform",
    ),
    pytest.param(
        "  invoice_refs: {from: [Missing, LinkedTxn], pluck: TxnType}\n",
        {"invoice_refs": ["Invoice", "Invoice"]},
        id="first-non-empty-list",
    ),
    pytest.param(
        "  txn_date: {from: TxnDate, transform: date}\n"
        "  total: {from: Line, transform: [{where: {DetailType: SubTotalLineDetail}}, {get: Amount}, first,"
        " {money: {currency: USD}}]}\n",
        {"txn_date": date(2026, 3, 4), "total": Money(Decimal("10.00"), "USD")},
        id="where-transform",
    ),
]


@pytest.mark.parametrize(("extra", "expected"), VALID)
def test_valid_list_specs(extra: str, expected: dict[str, object]) -> None:
    mapped = parse_mapping(spec(extra), "ok.yaml").apply(RECORD, today=date(2026, 11, 1))
    assert {k: v for k, v in mapped.fields.items() if k in expected} == expected
    assert mapped.warnings == ()


INVALID = [
    pytest.param(
        "  lines: {from: Line}\n",
        "fields.lines: 'lines' is a list of line records: needs 'each' with a rule per line field (line 8)",
        id="records-without-each",
    ),
    pytest.param(
        "  lines: {from: Line, each: {}}\n",
        "fields.lines.each: missing required line field 'product' (line 8)",
        id="empty-each",
    ),
    pytest.param(
        LINES + "      prodct: {from: Item}\n",
        "fields.lines.each.prodct: not a line field (did you mean 'product'?) (line 13)",
        id="unknown-line-field",
    ),
    pytest.param(
        "  lines:\n    from: Line\n    each:\n      quantity: {from: Qty, transform: decimal}\n",
        "fields.lines.each: missing required line field 'product' (line 10)",
        id="missing-required-line-field",
    ),
    pytest.param(
        LINES + "      quantity: {from: Qty}\n",
        "fields.lines.each.quantity: needs a transform that produces Decimal, such as 'decimal' (line 13)",
        id="line-field-type",
    ),
    pytest.param(
        LINES + "      amount: {from: Amount, transform: {money: {currency: usd}}}\n",
        "fields.lines.each.amount.transform.money.currency: "
        "must be a 3-letter ISO 4217 code such as USD (line 13)",
        id="bad-transform-inside-each",
    ),
    pytest.param(
        LINES + "      sku: {form: Sku}\n",
        "fields.lines.each.sku.form: unknown key (line 13)",
        id="typo-inside-each",
    ),
    pytest.param(
        "  lines: {from: Line, pluck: Item, each: {product: {from: Item}}}\n",
        "fields.lines.pluck: 'lines' is a list of line records; build them with 'each', not 'pluck' (line 8)",
        id="records-with-pluck",
    ),
    pytest.param(
        "  lines: {from: Line, transform: first, each: {product: {from: Item}}}\n",
        "fields.lines.transform: 'lines' is a list of line records; "
        "put transforms on the rules inside 'each' (line 8)",
        id="records-with-transform",
    ),
    pytest.param(
        "  lines: {value: [], each: {product: {from: Item}}}\n",
        "fields.lines.value: a list field reads its items with 'from' (line 8)",
        id="list-constant",
    ),
    pytest.param(
        "  lines: {each: {product: {from: Item}}}\n",
        "fields.lines: needs 'from' (where the list is) (line 8)",
        id="list-without-from",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, each: {product: {from: Item}}}\n",
        "fields.invoice_refs.each: 'each' builds records, but 'invoice_refs' is a list of str; "
        "use 'pluck' (line 8)",
        id="values-with-each",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, pluck: TxnId, transform: decimal}\n",
        "fields.invoice_refs.transform: transform 'decimal' produces Decimal, "
        "but field 'invoice_refs' needs str (line 8)",
        id="values-item-type",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, pluck: ^TxnId}\n",
        "fields.invoice_refs.pluck: 'pluck' reads inside each item; '^' cannot be used here (line 8)",
        id="pluck-with-caret",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, pluck: 'a..b'}\n",
        "fields.invoice_refs.pluck: empty segment in path 'a..b'; "
        "write {key: 'a..b'} for a key that contains a dot (line 8)",
        id="pluck-bad-path",
    ),
    pytest.param(
        "  status: {from: LinkedTxn, where: {TxnType: Invoice}}\n",
        "fields.status.where: 'where' is only for list fields, and 'status' holds one str (line 8)",
        id="where-on-scalar",
    ),
    pytest.param(
        "  status: {from: Line, each: {product: {from: Item}}}\n",
        "fields.status.each: 'each' is only for list fields, and 'status' holds one str (line 8)",
        id="each-on-scalar",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: [TxnType]}\n",
        "fields.invoice_refs.where: a filter is a non-empty object of {path: value} or {path: [values]} "
        "(line 8)",
        id="where-not-an-object",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: {TxnType: {a: 1}}}\n",
        "fields.invoice_refs.where.TxnType: must be text, a whole number, true/false or null (line 8)",
        id="where-value-object",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: {TxnType: [Invoice, 1.5]}}\n",
        "fields.invoice_refs.where.TxnType[1]: must be text, a whole number, true/false or null (line 8)",
        id="where-float-in-list",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: {TxnType: []}}\n",
        "fields.invoice_refs.where.TxnType: an empty list matches nothing (line 8)",
        id="where-empty-list",
    ),
    pytest.param(
        "  invoice_refs: {from: LinkedTxn, where: {^TxnType: Invoice}}\n",
        "fields.invoice_refs.where[\"^TxnType\"]: a filter reads inside each item; '^' cannot be used here "
        "(line 8)",
        id="where-caret",
    ),
    pytest.param(
        "  number: {from: ^DocNumber}\n".replace("number", "status"),
        "fields.status.from: '^' in '^DocNumber' reaches the record around this one; "
        "only rules inside 'each' have one (line 8)",
        id="caret-at-top-level",
    ),
    pytest.param(
        LINES + "      sku: {from: ^^Sku}\n",
        "fields.lines.each.sku.from: '^^Sku' climbs 2 levels, "
        "but this rule is 1 deep inside 'each' (line 13)",
        id="caret-too-far",
    ),
    pytest.param(
        "  total: {from: T, transform: {money: {currency_from: ^CurrencyRef.value}}}\n",
        "fields.total.transform.money.currency_from: '^' in '^CurrencyRef.value' reaches the record around "
        "this one; only rules inside 'each' have one (line 8)",
        id="caret-in-transform-argument-at-top-level",
    ),
    pytest.param(
        "  status: {from: TxnStatus, transform: {qbo_estimate_status: {expires: ^ExpirationDate}}}\n",
        "fields.status.transform.qbo_estimate_status.expires: '^' in '^ExpirationDate' reaches the record "
        "around this one; only rules inside 'each' have one (line 8)",
        id="caret-in-status-argument",
    ),
    pytest.param(
        "  status: {from: Customer.^Name}\n",
        "fields.status.from: '^' goes only at the start of a path (in 'Customer.^Name') (line 8)",
        id="caret-in-the-middle",
    ),
    pytest.param(
        '  status: {from: "Line[].Item"}\n',
        "fields.status.from: '[]' in 'Line[].Item' fans out over a list, which only a list field can hold "
        "(line 8)",
        id="fan-out-on-scalar",
    ),
    pytest.param(
        '  invoice_refs: {from: "Line[]Item"}\n',
        "fields.invoice_refs.from: '[]' ends a segment and is followed by '.' and a key (in 'Line[]Item') "
        "(line 8)",
        id="fan-out-syntax",
    ),
    pytest.param(
        "  invoice_refs: {from: {key: Line, up: 0}}\n",
        "fields.invoice_refs.from.up: must be a whole number of levels, 1 or more (line 8)",
        id="up-zero",
    ),
    pytest.param(
        "  status: {from: Balance, transform: qbo_invoice_status}\n",
        "fields.status.transform: 'OPEN' is not a valid status "
        "(expected DRAFT or SENT or ACCEPTED or DECLINED or EXPIRED or CONVERTED) (line 8)",
        id="invoice-status-on-a-quote",
    ),
    pytest.param(
        "  total: {from: Line, transform: [{where: Invoice}, first]}\n",
        "fields.total.transform[0].where: transform 'where' takes an object of arguments (line 8)",
        id="where-transform-scalar",
    ),
    pytest.param(
        "  total: {from: Line, transform: [{where: {Qty: 1.5}}, first]}\n",
        "fields.total.transform[0].where: filter key 'Qty': "
        "must be text, a whole number, true/false or null (line 8)",
        id="where-transform-bad-value",
    ),
    pytest.param(
        "  total: {from: Line, transform: [{get: ^Amount}, first]}\n",
        "fields.total.transform[0].get.path: 'get' reads inside its input; '^' cannot be used here (line 8)",
        id="get-with-caret",
    ),
]


@pytest.mark.parametrize(("extra", "message"), INVALID)
def test_invalid_list_specs(extra: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(spec(extra), "t.yaml")
    assert str(caught.value) == f"t.yaml: {message}"
