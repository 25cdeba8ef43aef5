"""The Notion side of sales in the seeded shop: the *Orders* lifecycle and the *Pipeline* of deals.

``add_sales_pages(shop)`` (called by ``hub.sandbox.seed.build_shop``) extends the minimal Orders data source
and adds the Pipeline data source, drawn from the QuickBooks documents of ``hub.sandbox.seed_sales``
(QBO customer -> Notion client through ``EXPECTED_LINKS``; customers without a Notion client get nothing).
The rules, so a reader of both systems can check one against the other:

* **Pipeline**: one deal per estimate of a linked customer. ``Accepted``/``Closed`` -> *Won* (100),
  ``Rejected`` -> *Lost* (0), ``Pending`` -> *Proposal sent* when sent at most 7 days before
  ``SALES_AS_OF``, else *Negotiation*. QBO leaves an estimate ``Pending`` past its ``ExpirationDate``; the
  sales team closes such a deal as *Lost* once it has been expired for 30 days or more, and keeps chasing
  it (*Negotiation*, low probability) before that. Leads without a quote: every Notion client in status
  Lead, the Notion-only private client, two dormant clients (*Lost*) and three repeat clients.
* **Orders**: one order per ``Accepted``/``Closed`` estimate and per direct invoice (no estimate) of a
  linked customer. An order carries "QuickBooks Invoice" (the invoice ``DocNumber``) exactly when its
  status is *Invoiced*; accepted, not yet invoiced estimates are in production (status by how far the
  build window has run) or *Delivered* once due. "Amount Paid" = invoice ``TotalAmt - Balance``, "Payment
  Status" Paid / Partially paid / Unpaid from the balance (Unpaid when nothing is invoiced, empty when
  cancelled). The 40 seeded orders keep their ids and titles: a client's QBO orders reuse its last seeded
  pages, the rest of Lyric's are its 2026-27 season builds (no quote, no invoice, two cancelled).

The legacy "Stage" select of the minimal Orders data source is kept and follows "Status".
``PIPELINE_NOTES`` lists facts about the default seed for tests.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.sandbox.seed import (
    _STAGES,
    EXPECTED_LINKS,
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_CLIENTS_DATABASE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATABASE_ID,
    NOTION_PIPELINE_DATA_SOURCE_ID,
    NOTION_PIPELINE_DATABASE_ID,
    Shop,
    _data_source,
    _option,
    _page,
    _rich,
    _schema,
    _uid,
    notion_page_id,
)
from hub.sandbox.seed_sales import SALES_AS_OF, Sales, build_sales

__all__ = [
    "NOTION_PIPELINE_DATABASE_ID",
    "NOTION_PIPELINE_DATA_SOURCE_ID",
    "ORDER_STATUSES",
    "PIPELINE_NOTES",
    "PIPELINE_STAGES",
    "add_sales_pages",
    "pipeline_notes",
]

# name -> Notion status group
ORDER_STATUSES = {
    "Not started": "To-do",
    **dict.fromkeys(("Cutting", "Sewing", "Fitting", "Finishing", "Ready"), "In progress"),
    **dict.fromkeys(("Delivered", "Invoiced", "Cancelled"), "Complete"),
}
PIPELINE_STAGES = {
    **dict.fromkeys(("Lead", "Qualified"), "To-do"),
    **dict.fromkeys(("Proposal sent", "Negotiation"), "In progress"),
    **dict.fromkeys(("Won", "Lost"), "Complete"),
}
_PAYMENT = ("Unpaid", "Partially paid", "Paid")
_LEGACY_STAGE = {
    "Not started": "Quote",
    "Fitting": "Fitting",
    "Delivered": "Delivered",
    "Invoiced": "Delivered",
}
_PROGRESS = ((0.15, "Not started"), (0.35, "Cutting"), (0.6, "Sewing"), (0.75, "Fitting"), (0.9, "Finishing"))
_MAKERS = ("Priscilla Tan", "Owen Gallagher")
_EXPIRED_LOST_AFTER = timedelta(days=30)
_FRESH_PROPOSAL = timedelta(days=7)

_IDS = {  # property ids per data source (Notion's short, URL-encoded ids)
    "orders": {
        "Status": "Os%3Ds", "Specifications": "Sp%3Ec", "Quote": "Qt%3De", "Quote ID": "QI%3Dd",
        "Maker": "Mk%3Dr", "Lines": "Ln%3Ds", "QuickBooks Invoice": "QB%3Dv", "Payment Status": "PS%3Dt",
        "Amount Paid": "AP%3Dd", "Order": "title", "Client": "Cl%3Ar", "Stage": "Sg%3De",
        "Due Date": "DD%3At", "Total": "Tt%3Dl", "Hub Key": "HK%3Do", "Invoice Link": "IL%3Dk",
    },
    "pipeline": {
        "Deal": "title", "Stage": "Pg%3Ds", "Probability": "Pb%3Dy", "Owner": "Ow%3Dn",
        "Expected Close": "EC%3Dl", "Value": "Vl%3De", "Client": "PC%3Dl", "Quote": "PQ%3Dt",
        "Quote ID": "PQ%3Di", "Hub Key": "HK%3Dp",
    },
}  # fmt: skip
_PROJECTS = {
    "Theater": ("La Traviata", "Hamlet", "The Nutcracker", "A Midsummer Night's Dream", "Die Fledermaus",
                "Chorus refresh", "Touring revival", "Spring season"),
    "Film & TV": ("Episode block 3", "Flashback unit", "Reshoots", "Hero costumes", "Background fittings",
                  "Pilot wardrobe", "Season finale", "Stunt doubles"),
    "Event": ("Spring Gala", "Masquerade Ball", "Winter Ball", "Parade costumes", "Corporate gala",
              "Summer festival"),
    "Private": ("Wedding gown", "Convention build", "Anniversary gala outfit", "Reenactment kit",
                "Bridal party"),
}  # fmt: skip
_COLOURWAYS = ("burgundy velvet with gold brocade", "ivory silk dupioni", "charcoal wool crepe",
               "midnight satin with jet beading", "natural linen, hand-dyed", "emerald taffeta")  # fmt: skip
_SEASON = ("Tosca", "La Boheme", "Carmen", "The Magic Flute", "Rigoletto")
_SEASON_PIECES = ("chorus coats", "principal gowns", "soldiers' uniforms", "millinery", "corsetry", "cloaks")
_CANCELLED_SEASON = (4, 16)  # which of Lyric's season builds were cancelled
_REPEAT_LEADS = ("lyric", "starboard", "riverside")
_DORMANT_LOST = ("dunmore", "orchid")
_QBO_INVOICE = "https://app.sandbox.qbo.intuit.com/app/invoice?txnId="


def _prop(kind: str, ds: str, name: str, value: Any) -> dict[str, Any]:
    out = {"id": _IDS[ds][name], "type": kind, kind: value}
    if kind == "relation":
        out["has_more"] = False
    return out


def _status_schema(name: str, pid: str, groups: dict[str, str]) -> dict[str, Any]:
    options = [_option(s, i) for i, s in enumerate(groups)]
    config = {
        "options": options,
        "groups": [
            {
                "id": _uid(f"grp-{name}-{g}")[:8],
                "name": g,
                "color": "gray",
                "option_ids": [o["id"] for o in options if groups[o["name"]] == g],
            }
            for g in ("To-do", "In progress", "Complete")
        ],
    }
    return _schema(name, "status", config, pid)


def _choice(name: str, names: tuple[str, ...] | dict[str, str]) -> dict[str, Any] | None:
    return _option(name, list(names).index(name)) if name else None


def _date(day: date | None) -> dict[str, Any] | None:
    return {"start": day.isoformat(), "end": None, "time_zone": None} if day else None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _qbo_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp).astimezone(UTC).date()


def _qty(value: Any) -> str:
    number = Decimal(str(value))
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())


def _item_lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in doc["Line"] if line.get("DetailType") == "SalesItemLineDetail"]


def _lines_text(doc: dict[str, Any]) -> str:
    return "; ".join(
        f"{_qty(line['SalesItemLineDetail']['Qty'])} x {line['SalesItemLineDetail']['ItemRef']['name']}"
        for line in _item_lines(doc)
    )


def _specification(project: str, doc: dict[str, Any], rng: random.Random) -> str:
    described = [line["Description"] for line in _item_lines(doc)[:2]]
    fittings = rng.randint(1, 3)
    return (
        f"For {project}. {'; '.join(described)}. Colourway: {rng.choice(_COLOURWAYS)}. "
        f"Measurements from the client's sheet; {fittings} fitting{'s' if fittings > 1 else ''}."
    )


def _production_status(start: date, due: date, as_of: date) -> str:
    if as_of >= due:
        return "Delivered"
    elapsed = (as_of - start).days / max(1, (due - start).days)
    return next((status for limit, status in _PROGRESS if elapsed < limit), "Ready")


def _payment(invoice: dict[str, Any] | None) -> tuple[str, Decimal]:
    if invoice is None:
        return "Unpaid", Decimal("0.00")
    balance, total = invoice["Balance"], invoice["TotalAmt"]
    status = "Paid" if balance == 0 else "Unpaid" if balance == total else "Partially paid"
    return status, total - balance


@dataclass
class _Order:
    """One order from QuickBooks: an accepted or closed estimate (with its invoice, if any), or a direct
    invoice. ``placed`` is when the client said yes (acceptance date, or some weeks before the invoice)."""

    client: str  # Notion client page id
    placed: date
    estimate: dict[str, Any] | None = None
    invoice: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[date, int]:
        doc = self.estimate or self.invoice
        return self.placed, int(doc["Id"]) if doc else 0


class _Drawer:
    """Builds the Notion sales pages of one shop from its QuickBooks sales documents."""

    def __init__(self, shop: Shop, sales: Sales) -> None:
        self.shop, self.sales = shop, sales
        self.clients = {p["id"]: p for p in shop.notion_clients()}
        self.client_of = {qbo: page for page, qbo in EXPECTED_LINKS.items()}
        self.invoices = {i["Id"]: i for i in sales.invoices}
        users = {u.get("name"): u for u in shop.notion_users}
        self.makers = [users[name] for name in _MAKERS]
        self.managers = [u for u in shop.notion_users if u["type"] == "person" and u["name"] not in _MAKERS]
        self.projects: dict[str, str] = {}  # estimate Id -> project name
        self.used: Counter[str] = Counter()

    # shared -----------------------------------------------------------------------------------------

    def title(self, client: str) -> str:
        return "".join(t["plain_text"] for t in self.clients[client]["properties"]["Client"]["title"])

    def project(self, client: str, estimate_id: str | None = None) -> str:
        if estimate_id in self.projects:
            return self.projects[estimate_id]
        kind = self.clients[client]["properties"]["Type"]["select"]["name"]
        names = _PROJECTS[kind]
        n = self.used[client]
        self.used[client] += 1
        name = names[n % len(names)] + (f" (part {n // len(names) + 1})" if n >= len(names) else "")
        if estimate_id:
            self.projects[estimate_id] = name
        return name

    def owner(self, client: str) -> list[dict[str, Any]]:
        managers = self.clients[client]["properties"]["Account Manager"]["people"]
        number = self.clients[client]["properties"]["Client No."]["unique_id"]["number"]
        return [copy.deepcopy(managers[0] if managers else self.managers[number % len(self.managers)])]

    # pipeline ---------------------------------------------------------------------------------------

    def deals(self) -> dict[str, dict[str, Any]]:
        pages: dict[str, dict[str, Any]] = {}
        for estimate in self.sales.estimates:
            client = self.client_of.get(estimate["CustomerRef"]["value"])
            if client:
                page = self.quote_deal(client, estimate)
                pages[page["id"]] = page
        for n, (client, stage) in enumerate(self.lead_plan()):
            page = self.lead_deal(client, stage, n)
            pages[page["id"]] = page
        return pages

    def quote_deal(self, client: str, estimate: dict[str, Any]) -> dict[str, Any]:
        rng = random.Random(f"deal:{estimate['Id']}")
        sent = date.fromisoformat(estimate["TxnDate"])
        expires = date.fromisoformat(estimate["ExpirationDate"])
        status = estimate["TxnStatus"]
        if status in {"Accepted", "Closed"}:
            stage, probability, close = "Won", 100, date.fromisoformat(estimate["AcceptedDate"])
        elif status == "Rejected":
            stage, probability, close = "Lost", 0, _qbo_day(estimate["MetaData"]["LastUpdatedTime"])
        elif expires < SALES_AS_OF - _EXPIRED_LOST_AFTER:
            stage, probability, close = "Lost", 0, expires
        elif expires < SALES_AS_OF:  # expired lately: still chased, re-quote likely
            stage, probability, close = "Negotiation", 30, SALES_AS_OF + timedelta(days=14)
        elif SALES_AS_OF - sent <= _FRESH_PROPOSAL:
            stage, probability, close = "Proposal sent", rng.choice((40, 50, 60)), expires
        else:
            stage, probability, close = "Negotiation", rng.choice((60, 70, 80)), expires
        created = _at(sent, 18, rng.randint(0, 59))
        edited = _at(min(close, SALES_AS_OF), 19, rng.randint(0, 59)) if stage in {"Won", "Lost"} else created
        project = self.project(client, estimate["Id"])
        return self.deal_page(
            _uid(f"deal-{estimate['Id']}"), f"{self.title(client)}: {project}", client, stage, probability,
            close, estimate["TotalAmt"], estimate, created, max(created, edited),
        )  # fmt: skip

    def lead_plan(self) -> list[tuple[str, str]]:
        """(client page id, stage) of the deals without a quote, in a fixed order."""
        leads = [
            p["id"] for p in self.clients.values() if p["properties"]["Status"]["status"]["name"] == "Lead"
        ]
        plan = [(pid, "Qualified" if n % 3 == 2 else "Lead") for n, pid in enumerate(leads)]
        plan.append((notion_page_id("alex_n"), "Qualified"))
        plan += [(notion_page_id(key), "Qualified") for key in _REPEAT_LEADS]
        plan += [(notion_page_id(key), "Lost") for key in _DORMANT_LOST]
        return plan

    def lead_deal(self, client: str, stage: str, n: int) -> dict[str, Any]:
        rng = random.Random(f"lead:{client}")
        kind = self.clients[client]["properties"]["Type"]["select"]["name"]
        base = {"Theater": 6000, "Film & TV": 12000, "Event": 4000, "Private": 1500}[kind]
        value = Decimal(base + 50 * rng.randint(0, base // 50)).quantize(Decimal("0.01"))
        created = _at(date(2026, 9, 1) + timedelta(days=(n * 3) % 60), 15, rng.randint(0, 59))
        if stage == "Lost":
            created = _at(date(2026, 4, 6) + timedelta(days=(n * 11) % 120), 15, rng.randint(0, 59))
            close = created.date() + timedelta(days=21)
            edited = _at(close, 16)
        else:
            close = SALES_AS_OF + timedelta(days=30 + rng.randint(0, 120))
            later = created + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 300))
            edited = max(created, min(later, _at(SALES_AS_OF - timedelta(days=1), 18)))
        probability = {"Lead": 10, "Qualified": 25, "Lost": 0}[stage]
        return self.deal_page(
            _uid(f"deal-lead-{client}"), f"{self.title(client)}: {self.project(client)}", client, stage,
            probability, close, value, None, created, edited,
        )  # fmt: skip

    def deal_page(
        self,
        pid: str,
        title: str,
        client: str,
        stage: str,
        probability: int,
        close: date,
        value: Decimal,
        estimate: dict[str, Any] | None,
        created: datetime,
        edited: datetime,
    ) -> dict[str, Any]:
        props = {
            "Deal": _prop("title", "pipeline", "Deal", _rich(title)),
            "Stage": _prop("status", "pipeline", "Stage", _choice(stage, PIPELINE_STAGES)),
            "Probability": _prop("number", "pipeline", "Probability", probability),
            "Owner": _prop("people", "pipeline", "Owner", self.owner(client)),
            "Expected Close": _prop("date", "pipeline", "Expected Close", _date(close)),
            "Value": _prop("number", "pipeline", "Value", value),
            "Client": _prop("relation", "pipeline", "Client", [{"id": client}]),
            "Quote": _prop(
                "rich_text", "pipeline", "Quote", _rich(estimate["DocNumber"] if estimate else None)
            ),
            "Quote ID": _prop(
                "rich_text", "pipeline", "Quote ID", _rich(estimate["Id"] if estimate else None)
            ),
            "Hub Key": _prop("rich_text", "pipeline", "Hub Key", _rich(None)),
        }
        editor = self.owner(client)[0]["id"]
        return _page(
            pid,
            NOTION_PIPELINE_DATA_SOURCE_ID,
            NOTION_PIPELINE_DATABASE_ID,
            title,
            created,
            edited,
            editor,
            props,
        )

    # orders -----------------------------------------------------------------------------------------

    def order_plan(self) -> dict[str, list[_Order]]:
        """Client page id -> its orders from QuickBooks (accepted/closed estimates, direct invoices)."""
        plans: dict[str, list[_Order]] = {}
        for estimate in self.sales.estimates:
            client = self.client_of.get(estimate["CustomerRef"]["value"])
            if client and estimate["TxnStatus"] in {"Accepted", "Closed"}:
                invoice = next(
                    (self.invoices[t["TxnId"]] for t in estimate["LinkedTxn"] if t["TxnType"] == "Invoice"),
                    None,
                )
                accepted = date.fromisoformat(estimate["AcceptedDate"])
                plans.setdefault(client, []).append(_Order(client, accepted, estimate, invoice))
        for invoice in self.sales.invoices:
            client = self.client_of.get(invoice["CustomerRef"]["value"])
            if client and not any(t["TxnType"] == "Estimate" for t in invoice["LinkedTxn"]):
                lead_time = random.Random(f"placed:{invoice['Id']}").randint(14, 35)
                placed = date.fromisoformat(invoice["TxnDate"]) - timedelta(days=lead_time)
                plans.setdefault(client, []).append(_Order(client, placed, None, invoice))
        for orders in plans.values():
            orders.sort(key=lambda o: o.key)
        return plans

    def orders(self) -> None:
        """Fill the seeded order pages, add the missing ones, and point the clients' relations at them."""
        existing: dict[str, list[dict[str, Any]]] = {}
        for page in self.shop.notion_orders():
            existing.setdefault(page["properties"]["Client"]["relation"][0]["id"], []).append(page)
        plans = self.order_plan()
        fresh: list[_Order] = []
        season: list[dict[str, Any]] = []
        for client, pages in existing.items():
            todo = plans.pop(client, [])
            reuse = pages[max(0, len(pages) - len(todo)) :]
            season += pages[: len(pages) - len(reuse)]
            for page, order in zip(reuse, todo, strict=False):
                self.fill(page, order)
            fresh += todo[len(reuse) :]
        for todo in plans.values():
            fresh += todo
        number = 1 + max(int(_plain(p, "Order").split("-")[1]) for p in self.shop.notion_orders())
        for order in sorted(fresh, key=lambda o: o.key):
            pid, title = _uid(f"order-{number}"), f"SO-{number}"
            stamp = _at(order.placed, 17)
            props = {
                "Order": _prop("title", "orders", "Order", _rich(title)),
                "Client": _prop("relation", "orders", "Client", [{"id": order.client}]),
            }
            page = _page(pid, NOTION_ORDERS_DATA_SOURCE_ID, NOTION_ORDERS_DATABASE_ID, title, stamp, stamp,
                         self.owner(order.client)[0]["id"], props)  # fmt: skip
            self.shop.notion_pages[pid] = page
            self.fill(page, order)
            number += 1
        for n, page in enumerate(season):
            self.fill_season(page, n)
        self.relink()

    def fill(self, page: dict[str, Any], order: _Order) -> None:
        doc = order.estimate or order.invoice
        assert doc is not None
        rng = random.Random(f"order:{doc['Id']}")
        invoice = order.invoice
        if invoice:
            invoiced = date.fromisoformat(invoice["TxnDate"])
            due = max(order.placed, invoiced - timedelta(days=rng.randint(0, 3)))
            status, edited = "Invoiced", _qbo_day(invoice["MetaData"]["LastUpdatedTime"])
        else:
            due = order.placed + timedelta(days=rng.randint(21, 63))
            status = _production_status(order.placed, due, SALES_AS_OF)
            edited = max(order.placed, min(due, SALES_AS_OF - timedelta(days=rng.randint(1, 6))))
        project = self.project(order.client, order.estimate["Id"] if order.estimate else None)
        payment, paid = _payment(invoice)
        self.write(
            page,
            status=status,
            due=due,
            spec=_specification(project, doc, rng),
            lines=_lines_text(doc),
            total=doc["TotalAmt"],
            maker=[] if status == "Not started" else [copy.deepcopy(rng.choice(self.makers))],
            estimate=order.estimate,
            invoice=invoice,
            payment=payment,
            paid=paid,
        )
        page["created_time"] = _notion(_at(order.placed, 17, rng.randint(0, 59)))
        page["last_edited_time"] = _notion(_at(edited, 20, rng.randint(0, 59)))

    def fill_season(self, page: dict[str, Any], n: int) -> None:
        """One of Lyric's 2026-27 season builds: ordered in January, built in the eight weeks before due."""
        rng = random.Random(f"season:{page['id']}")
        due = date(2026, 10, 21) + timedelta(days=6 * n)
        cancelled = n in _CANCELLED_SEASON
        status = "Cancelled" if cancelled else _production_status(due - timedelta(days=56), due, SALES_AS_OF)
        production, piece = _SEASON[n % len(_SEASON)], _SEASON_PIECES[n % len(_SEASON_PIECES)]
        spec = (
            f"Season 2026-27, {production}: {piece}. Colourway: {rng.choice(_COLOURWAYS)}. "
            "Chorus measurements from the company list; principals fitted at the house."
        )
        self.write(
            page,
            status=status,
            due=due,
            spec=spec,
            lines=f"{production}: {piece}",
            total=page["properties"]["Total"]["number"],
            maker=[] if status in {"Not started", "Cancelled"} else [copy.deepcopy(rng.choice(self.makers))],
            estimate=None,
            invoice=None,
            payment=None if cancelled else "Unpaid",
            paid=None if cancelled else Decimal("0.00"),
        )
        if cancelled:
            page["last_edited_time"] = _notion(_at(date(2026, 5, 4) + timedelta(days=9 * n), 11))
        elif status != "Not started":
            page["last_edited_time"] = _notion(_at(SALES_AS_OF - timedelta(days=rng.randint(1, 9)), 16))

    def write(
        self,
        page: dict[str, Any],
        *,
        status: str,
        due: date,
        spec: str,
        lines: str,
        total: Any,
        maker: list[dict[str, Any]],
        estimate: dict[str, Any] | None,
        invoice: dict[str, Any] | None,
        payment: str | None,
        paid: Decimal | None,
    ) -> None:
        old = page["properties"]
        stage = None if status == "Cancelled" else _LEGACY_STAGE.get(status, "In Production")
        page["properties"] = {
            "Order": old["Order"],
            "Client": old["Client"],
            "Status": _prop("status", "orders", "Status", _choice(status, ORDER_STATUSES)),
            "Due Date": _prop("date", "orders", "Due Date", _date(due)),
            "Specifications": _prop("rich_text", "orders", "Specifications", _rich(spec)),
            "Quote": _prop(
                "rich_text", "orders", "Quote", _rich(estimate["DocNumber"] if estimate else None)
            ),
            "Quote ID": _prop("rich_text", "orders", "Quote ID", _rich(estimate["Id"] if estimate else None)),
            "Maker": _prop("people", "orders", "Maker", maker),
            "Lines": _prop("rich_text", "orders", "Lines", _rich(lines)),
            "Total": _prop("number", "orders", "Total", total),
            "QuickBooks Invoice": _prop(
                "rich_text", "orders", "QuickBooks Invoice", _rich(invoice["DocNumber"] if invoice else None)
            ),
            # where the invoice opens in QuickBooks, as the hub's invoice sync writes it
            "Invoice Link": _prop("url", "orders", "Invoice Link", invoice and _QBO_INVOICE + invoice["Id"]),
            "Payment Status": _prop(
                "select", "orders", "Payment Status", payment and _choice(payment, _PAYMENT)
            ),
            "Amount Paid": _prop("number", "orders", "Amount Paid", paid),
            "Stage": _prop("select", "orders", "Stage", stage and _choice(stage, _STAGES)),
            "Hub Key": _prop("rich_text", "orders", "Hub Key", _rich(None)),
        }

    def relink(self) -> None:
        by_client: dict[str, list[str]] = {}
        for page in self.shop.notion_orders():
            by_client.setdefault(page["properties"]["Client"]["relation"][0]["id"], []).append(page["id"])
        for pid, client in self.clients.items():
            related = by_client.get(pid, [])
            client["properties"]["Orders"]["relation"] = [{"id": o} for o in related]
            client["properties"]["Order Count"]["rollup"]["number"] = len(related)


def _plain(page: dict[str, Any], name: str) -> str:
    value = page["properties"][name]
    return "".join(t["plain_text"] for t in value[value["type"]])


def _notion(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:00.000Z")


def _orders_schema(old: dict[str, Any]) -> dict[str, Any]:
    payment = {"options": [_option(p, i) for i, p in enumerate(_PAYMENT)]}
    ids = _IDS["orders"]
    props = [
        old["Order"],
        old["Client"],
        _status_schema("Status", ids["Status"], ORDER_STATUSES),
        old["Due Date"],
        _schema("Specifications", "rich_text", None, ids["Specifications"]),
        _schema("Quote", "rich_text", None, ids["Quote"]),
        _schema("Quote ID", "rich_text", None, ids["Quote ID"]),
        _schema("Maker", "people", None, ids["Maker"]),
        _schema("Lines", "rich_text", None, ids["Lines"]),
        old["Total"],
        _schema("QuickBooks Invoice", "rich_text", None, ids["QuickBooks Invoice"]),
        _schema("Invoice Link", "url", None, ids["Invoice Link"]),
        _schema("Payment Status", "select", payment, ids["Payment Status"]),
        _schema("Amount Paid", "number", {"format": "dollar"}, ids["Amount Paid"]),
        old["Stage"],
        # the hub's idempotency key of the command that created the page (empty on seeded pages)
        _schema("Hub Key", "rich_text", None, ids["Hub Key"]),
    ]
    return {p["name"]: p for p in props}


def _pipeline_schema() -> dict[str, Any]:
    ids = _IDS["pipeline"]
    relation = {
        "data_source_id": NOTION_CLIENTS_DATA_SOURCE_ID,
        "database_id": NOTION_CLIENTS_DATABASE_ID,
        "type": "single_property",  # one-way: the Clients schema stays as it is
        "single_property": {},
    }
    props = [
        _schema("Deal", "title", None, ids["Deal"]),
        _status_schema("Stage", ids["Stage"], PIPELINE_STAGES),
        # plain number 0-100: Notion's "percent" format would show 50 as 5,000%
        _schema("Probability", "number", {"format": "number"}, ids["Probability"]),
        _schema("Owner", "people", None, ids["Owner"]),
        _schema("Expected Close", "date", None, ids["Expected Close"]),
        _schema("Value", "number", {"format": "dollar"}, ids["Value"]),
        _schema("Client", "relation", relation, ids["Client"]),
        _schema("Quote", "rich_text", None, ids["Quote"]),
        _schema("Quote ID", "rich_text", None, ids["Quote ID"]),
        _schema("Hub Key", "rich_text", None, ids["Hub Key"]),
    ]
    return {p["name"]: p for p in props}


def add_sales_pages(shop: Shop, sales: Sales | None = None) -> None:
    """Extend ``shop`` in place with the Orders lifecycle and the Pipeline data source and pages.

    ``sales`` defaults to ``build_sales(shop.quickbooks_customers)``, the documents the QuickBooks
    simulator serves. Deterministic: equal shops give equal results.
    """
    sales = sales or build_sales(shop.quickbooks_customers)
    orders_ds = shop.notion_data_sources[NOTION_ORDERS_DATA_SOURCE_ID]
    orders_ds["properties"] = _orders_schema(orders_ds["properties"])
    shop.notion_data_sources[NOTION_PIPELINE_DATA_SOURCE_ID] = _data_source(
        NOTION_PIPELINE_DATA_SOURCE_ID, NOTION_PIPELINE_DATABASE_ID, "Pipeline", _pipeline_schema()
    )
    drawer = _Drawer(shop, sales)
    deals = drawer.deals()  # first: the deals name the projects the orders reuse
    drawer.orders()
    shop.notion_pages.update(deals)


def pipeline_notes(shop: Shop, sales: Sales | None = None) -> dict[str, Any]:
    """Facts tests lean on (page titles and QBO Ids as strings), read back from the shop's pages."""
    sales = sales or build_sales(shop.quickbooks_customers)
    status_of = {e["Id"]: e["TxnStatus"] for e in sales.estimates}
    orders, deals = shop.notion_orders(), shop.pages_in(NOTION_PIPELINE_DATA_SOURCE_ID)

    def value(page: dict[str, Any], name: str) -> Any:
        prop = page["properties"][name]
        inner = prop[prop["type"]]
        if prop["type"] in ("title", "rich_text"):
            return "".join(t["plain_text"] for t in inner)
        return inner["name"] if prop["type"] in ("status", "select") and inner else inner

    quoted = [o for o in orders if value(o, "Quote ID")]
    direct = [o for o in orders if value(o, "QuickBooks Invoice") and not value(o, "Quote ID")]
    per_client = Counter(o["properties"]["Client"]["relation"][0]["id"] for o in orders)
    converted = next(o for o in quoted if value(o, "QuickBooks Invoice"))

    def expired(stage: str) -> list[str]:
        return [
            value(d, "Quote ID")
            for d in deals
            if value(d, "Stage") == stage and status_of.get(value(d, "Quote ID")) == "Pending"
        ]

    return {
        "counts": {
            "orders": len(orders),
            "orders_from_quotes": len(quoted),
            "orders_from_direct_invoices": len(direct),
            "orders_without_quickbooks": len(orders) - len(quoted) - len(direct),
            "deals": len(deals),
            "deals_with_quote": sum(1 for d in deals if value(d, "Quote ID")),
            "deals_without_quote": sum(1 for d in deals if not value(d, "Quote ID")),
        },
        "orders_by_status": dict(sorted(Counter(value(o, "Status") for o in orders).items())),
        "orders_by_payment_status": dict(
            sorted(Counter(value(o, "Payment Status") or "" for o in orders).items())
        ),
        "deals_by_stage": dict(sorted(Counter(value(d, "Stage") for d in deals).items())),
        "clients_with_orders": len(per_client),
        "most_orders": {
            "client_id": per_client.most_common(1)[0][0],
            "orders": per_client.most_common(1)[0][1],
        },
        "converted_order": {
            "page_id": converted["id"],
            "order": value(converted, "Order"),
            "quote": value(converted, "Quote"),
            "quote_id": value(converted, "Quote ID"),
            "invoice": value(converted, "QuickBooks Invoice"),
        },
        "expired_quote_ids_lost": sorted(expired("Lost"), key=int),
        "expired_quote_ids_in_negotiation": sorted(
            (q for q in expired("Negotiation") if q in _expired_ids(sales)), key=int
        ),
    }


def _expired_ids(sales: Sales) -> set[str]:
    return {
        e["Id"]
        for e in sales.estimates
        if e["TxnStatus"] == "Pending" and e["ExpirationDate"] < SALES_AS_OF.isoformat()
    }


# What pipeline_notes() says of the default seed (build_shop()); tests/sandbox/test_seed_pipeline.py checks
# they agree. "most_orders" is Lyric Opera House, "converted_order" its one order from a quote.
# fmt: off
PIPELINE_NOTES: dict[str, Any] = {
 "counts": {"orders": 78, "orders_from_quotes": 38, "orders_from_direct_invoices": 13,
            "orders_without_quickbooks": 27, "deals": 78, "deals_with_quote": 56, "deals_without_quote": 22},
 "orders_by_status": {"Cancelled": 2, "Cutting": 3, "Delivered": 2, "Finishing": 2, "Fitting": 1,
                      "Invoiced": 44, "Not started": 16, "Ready": 1, "Sewing": 7},
 "orders_by_payment_status": {"": 2, "Paid": 14, "Partially paid": 19, "Unpaid": 43},
 "deals_by_stage": {"Lead": 11, "Lost": 17, "Negotiation": 2, "Proposal sent": 1, "Qualified": 9, "Won": 38},
 "clients_with_orders": 33,
 "most_orders": {"client_id": "76a14c54-219e-526a-b469-8b1670352c8b", "orders": 28},
 "converted_order": {"page_id": "f94750d8-e479-5864-b9d5-a55c40c0ea4e", "order": "SO-1028", "quote": "E-1011",
                     "quote_id": "121", "invoice": "1013"},
 "expired_quote_ids_lost": ["106", "136", "165", "172", "177", "188", "208"],
 "expired_quote_ids_in_negotiation": ["216"],
}
# fmt: on
