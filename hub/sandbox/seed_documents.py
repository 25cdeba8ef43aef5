"""The costume shop's Google Drive, seeded deterministically for the Drive simulator.

``build_documents()`` returns a fresh ``Documents``: one shared drive "Costume Shop" holding

* ``Clients/`` with one folder per Notion client, named exactly as its "Client" title;
* in a client's folder, for each of its estimates (QuickBooks ``DocNumber`` "E-1001"...): the proposal
  as PDF ("Proposal E-1001 - <Client>.pdf"), for most also its editable Google Doc ("Proposal E-1001 -
  <Client>"), and for accepted or closed estimates the signed contract ("Contract E-1001 - <Client>
  (signed).pdf"); a few trashed drafts; measurement sheets for some clients;
* ``Templates/`` with the Google Doc "Proposal template" (placeholders ``{{customer}}``, ``{{lines}}``,
  ``{{total}}``, ``{{valid_until}}``, ``{{delivery}}`` and more, see ``PROPOSAL_PLACEHOLDERS``) and a
  contract template;

plus three files in the service account's own My Drive (so the shared-drive flags matter). Most
proposal and contract files carry ``appProperties`` {"hubCustomerQboId", "hubEstimate", "hubKind"};
every fifth estimate's files carry none, so the folder convention is the only link for them.

Estimates are those of ``hub.sandbox.seed_sales.build_sales`` (QuickBooks customer -> Notion client
through ``hub.sandbox.seed.EXPECTED_LINKS``; estimates of customers without a Notion client get no
documents), so every document matches a real estimate's number, customer, lines and total.

The service account's RSA key pair below was generated once for the sandbox and is public on purpose:
it signs nothing but requests to this simulator. Never use it anywhere else.

>>> docs = build_documents(); docs.files[DRIVE_TEMPLATE_ID]["name"]
'Proposal template'
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hub.sandbox.drive_files import FOLDER, GOOGLE_DOC, GOOGLE_SHEET, PDF, file_resource, make_id, minimal_pdf
from hub.sandbox.seed import EXPECTED_LINKS, Shop, build_shop
from hub.sandbox.seed_sales import build_sales

__all__ = [
    "DRIVE_CLIENTS_FOLDER_ID",
    "DRIVE_CLIENT_ID",
    "DRIVE_CLIENT_SECRET",
    "DRIVE_CONTRACT_TEMPLATE_ID",
    "DRIVE_MY_DRIVE_ROOT_ID",
    "DRIVE_PRIVATE_KEY_ID",
    "DRIVE_PROJECT_ID",
    "DRIVE_REFRESH_TOKEN",
    "DRIVE_SANDBOX_PRIVATE_KEY",
    "DRIVE_SANDBOX_PUBLIC_KEY",
    "DRIVE_SERVICE_ACCOUNT_CLIENT_ID",
    "DRIVE_SERVICE_ACCOUNT_EMAIL",
    "DRIVE_SHARED_DRIVE_ID",
    "DRIVE_SHARED_DRIVE_NAME",
    "DRIVE_TEMPLATES_FOLDER_ID",
    "DRIVE_TEMPLATE_ID",
    "DRIVE_USER_EMAIL",
    "PROPOSAL_PLACEHOLDERS",
    "PROPOSAL_TEMPLATE_TEXT",
    "Documents",
    "build_documents",
    "service_account_info",
]

DRIVE_SHARED_DRIVE_NAME = "Costume Shop"
DRIVE_SHARED_DRIVE_ID = "0A8Xv6jAqUBAZUk9PVA"  # make_id("shared-drive:costume-shop", shared_drive=True)
DRIVE_CLIENTS_FOLDER_ID = "1IAVHqaas5o3G1epPLWRDA8a7bbSecxzQ"  # make_id("folder:clients")
DRIVE_TEMPLATES_FOLDER_ID = "1fnhxGig3F1Po4Xa0QOnLiABsNvE7MLOZ"  # make_id("folder:templates")
DRIVE_TEMPLATE_ID = "14GYbGKMQBpIPpc51w4CSELY-BlvIAl0e"  # make_id("doc:proposal-template")
DRIVE_CONTRACT_TEMPLATE_ID = "1igxvOjZWnTBVwzSOk6EuQKqsze0qfwAL"  # make_id("doc:contract-template")
DRIVE_MY_DRIVE_ROOT_ID = "150EwvbYFSYQT-KMqvunI4xqDERG_Ih_s"  # make_id("folder:my-drive-root")

DRIVE_PROJECT_ID = "costume-shop-sandbox"
DRIVE_SERVICE_ACCOUNT_EMAIL = "sales-hub@costume-shop-sandbox.iam.gserviceaccount.com"
DRIVE_SERVICE_ACCOUNT_CLIENT_ID = "104729375810364728163"
DRIVE_PRIVATE_KEY_ID = "5b1f0c3a9d7e4f2b8a6c1d0e9f8a7b6c5d4e3f21"
# OAuth user credentials (an installed app the shop owner authorised once).
DRIVE_CLIENT_ID = "731942650118-sandbox0costume0shop.apps.googleusercontent.com"
DRIVE_CLIENT_SECRET = "GOCSPX-sandbox-costume-shop-secret"  # noqa: S105 - public sandbox value
DRIVE_REFRESH_TOKEN = "1//0sandbox-costume-shop-refresh-token"  # noqa: S105 - public sandbox value
DRIVE_USER_EMAIL = "studio@costumeshop.example"

# SANDBOX ONLY: generated once for the Drive simulator and published with the code on purpose.
# It proves nothing outside this sandbox; never reuse it for a real service account.
DRIVE_SANDBOX_PRIVATE_KEY = """\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCITpO8ehMsSeIn
L4ji7PZ46i1i+oZ3J49Q5CSLYKvdXZp9MWQYX5ko2Z33Rrz+BrdXuk5WseFG14fc
qtaKfYmmHLapvDjvFgavNF0XlOtHxDb3Mqov7D82zP/HcP6nm2pR/pk4+e5K1phI
vt9i2sSocGOVJFREmmh3N9/rkujeNsKoRv8Gc2NyZ9MwAWqR9esiVOGOMxAdkGM1
Q9eXryoWQxklCnz82oCnoNn/GqWnzoSuJUgjbUrKgTTO0j1IDVVCc36cqW0YYotG
aahkCaPeFhlFI1QwTBxyB/LIcgcXvPE0Me6/WRZSXJJhBDX3k8lTplcpn4jBiMw2
atvga7YHAgMBAAECggEAGS/b4MH19QMaBP+lnbkHukQbauS8IBxxQRNHJXIRj/AR
8fxEcLSJiqDbraumlJINIurMOvzXkc2Vz1LKHgEghE9d+XNMWfGJ/qoAYbEk4LgD
KB52kDBpZejvgp0AkVwIg2o2Se7092M79IVApfWizTUnUZHK+HpHv2/VsqQM37Kd
rHKwgzNhx3F+Wjwt3OmcnKuR0w5/mq5Tf0LFUAoNugvswwovSiWWJEL1uoh0hKIq
FvOMDDQdQAc4DfdmGV3+h+SrWUs6nkRfG1qcunUZl3T0/O4pRv7teWObD9EQaHkA
7hliqQt0S2fCisnLOOD7R3qtiXccjB8wxLWzTkhFMQKBgQC+1G85wUKaZrITB1aT
zsQuJpYmJ65XwCHNxAt90HWZgGaz0QxDr6hlYYimGtKhIH49epokI9juojV5WkdC
d0nX/fVb768Vb4YLBVCrqso/v6ody1X7n4RLFygMzRBOMpyb0TyXjQElY8YaXKXD
B+5c0pufBWAeA7aaUhhh825RZQKBgQC222c0CzpnfYprOdJIgzHgBtxRI8uQ5MTU
Ue2L/RoSYVC7F45jfTTOaeG0g/czOVYjv3PohFUfOu5WAKrbV/hh9SbYWYyLoZxV
pItEEXIKWThvR9ihTa3kCSBSe3wZgzhnKanbOafHLzBofTIOQV4NqYvRdrh2NyAY
shWtt8/I+wKBgBGR2ZPFuW4h2m9qE4yUUve00co9iQ3HQNWDIVO6J7m0WsBflPN+
btC2xDAW9CGlrjnW2e5N5qFCCg5cQ4dZGFFsrnSCgupEVGEbYiwME4b/DJilqgr6
yuFnBmb3UnMAse6euydw8hQRNaIjuZdVWZruQSnJAuqAiQV4XYpXMWcJAoGAV9ES
xUnHKMB/43MHbE+lekORN16LevCDHryh6qMJDF60GMX9WgZdf+wVu03NQEp+9fgS
QE6dWrxAjgkQBPtAjDriBvEqsDxTCkZVo8EFFbc3hSnp/b2Cj4tafIJVXSNJyTGX
I3OTAfPFuci2a2Y1NzZ/sX7ko9Fhlrqf8qfeIFUCgYA/bIefJWRG2VzBU0l1S5n3
vQLaHgyPjuXRmVzH+X/JqKNttInzAlSXtzmr3thE9P0+PMJDXkTu1XivJJAh0ac6
rkWYX3Xqnjh6rtuVXD123bEZDhe1YOCDcX1DBoSuVI8RpTrg6yvf+OJHD2vjHyuy
Gh91frfVIqFaGw/isUayOw==
-----END PRIVATE KEY-----
"""
DRIVE_SANDBOX_PUBLIC_KEY = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAiE6TvHoTLEniJy+I4uz2
eOotYvqGdyePUOQki2Cr3V2afTFkGF+ZKNmd90a8/ga3V7pOVrHhRteH3KrWin2J
phy2qbw47xYGrzRdF5TrR8Q29zKqL+w/Nsz/x3D+p5tqUf6ZOPnuStaYSL7fYtrE
qHBjlSRURJpodzff65Lo3jbCqEb/BnNjcmfTMAFqkfXrIlThjjMQHZBjNUPXl68q
FkMZJQp8/NqAp6DZ/xqlp86EriVII21KyoE0ztI9SA1VQnN+nKltGGKLRmmoZAmj
3hYZRSNUMEwccgfyyHIHF7zxNDHuv1kWUlySYQQ195PJU6ZXKZ+IwYjMNmrb4Gu2
BwIDAQAB
-----END PUBLIC KEY-----
"""

PROPOSAL_PLACEHOLDERS = (
    "{{estimate}}", "{{date}}", "{{customer}}", "{{lines}}", "{{subtotal}}", "{{tax}}", "{{total}}",
    "{{valid_until}}", "{{delivery}}",
)  # fmt: skip
PROPOSAL_TEMPLATE_TEXT = """\
COSTUME SHOP - PROPOSAL {{estimate}}
Date: {{date}}

Prepared for: {{customer}}

What we will make
{{lines}}

Subtotal: {{subtotal}}
Tax: {{tax}}
Total: {{total}}

This proposal is valid until {{valid_until}}.
Estimated delivery: {{delivery}}

Terms: a 50% deposit confirms the order; the balance is due on delivery. Fittings are included.
"""
_CONTRACT_TEMPLATE_TEXT = """\
COSTUME SHOP - AGREEMENT FOR ESTIMATE {{estimate}}
Between Costume Shop and {{customer}}.
Scope: the items of estimate {{estimate}}, total {{total}}.
Signed: ____________________    Date: __________
"""
_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def service_account_info() -> dict[str, str]:
    """The sandbox service account as Google's JSON key file would describe it (token_uri is Google's)."""
    return {
        "type": "service_account",
        "project_id": DRIVE_PROJECT_ID,
        "private_key_id": DRIVE_PRIVATE_KEY_ID,
        "private_key": DRIVE_SANDBOX_PRIVATE_KEY,
        "client_email": DRIVE_SERVICE_ACCOUNT_EMAIL,
        "client_id": DRIVE_SERVICE_ACCOUNT_CLIENT_ID,
        "token_uri": "https://oauth2.googleapis.com/token",
    }


@dataclass
class Documents:
    """The seeded Drive: shared drives, every File resource by id, binary contents, Google Docs' text."""

    drives: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def children(self, folder_id: str) -> list[dict[str, Any]]:
        """Files whose parents include ``folder_id``, in seed order."""
        return [f for f in self.files.values() if folder_id in f.get("parents", [])]

    def named(self, name: str) -> dict[str, Any]:
        """The one file with this exact name (KeyError if none or several)."""
        found = [f for f in self.files.values() if f["name"] == name]
        if len(found) != 1:
            raise KeyError(name)
        return found[0]

    def copy(self) -> Documents:
        """A deep copy that a simulator may mutate freely."""
        return copy.deepcopy(self)


# --- estimates ------------------------------------------------------------------------------------


def _money(value: Any) -> str:
    return f"USD {Decimal(str(value)):,.2f}"


def _filled(template: str, estimate: dict[str, Any], client: str) -> str:
    lines = []
    for line in estimate.get("Line", []):
        detail = line.get("SalesItemLineDetail")
        if not detail:
            continue
        item = detail.get("ItemRef", {}).get("name", "Item")
        about = f" ({line['Description']})" if line.get("Description") else ""
        qty, price = detail.get("Qty", 1), detail.get("UnitPrice", line.get("Amount"))
        lines.append(f"- {item}{about}: {qty} x {_money(price)} = {_money(line['Amount'])}")
    tax = Decimal(str(estimate.get("TxnTaxDetail", {}).get("TotalTax", 0)))
    total = Decimal(str(estimate["TotalAmt"]))
    values = {
        "{{estimate}}": estimate["DocNumber"],
        "{{date}}": str(estimate.get("TxnDate", "")),
        "{{customer}}": client,
        "{{lines}}": "\n".join(lines) or "-",
        "{{subtotal}}": _money(total - tax),
        "{{tax}}": _money(tax),
        "{{total}}": _money(total),
        "{{valid_until}}": str(estimate.get("ExpirationDate") or "30 days from the date above"),
        "{{delivery}}": "to be confirmed at the first fitting",
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template


# --- the drive ------------------------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.docs = Documents()

    def add(
        self,
        key: str,
        name: str,
        mime_type: str,
        parent: str,
        at: datetime,
        *,
        shared: bool = True,
        app_properties: dict[str, str] | None = None,
        text: str | None = None,
        trashed: bool = False,
        file_id: str | None = None,
    ) -> str:
        file_id = file_id or make_id(key)
        content = minimal_pdf(text or name, title=name) if mime_type == PDF else None
        resource = file_resource(
            file_id,
            name,
            mime_type,
            [parent],
            at=at,
            drive_id=DRIVE_SHARED_DRIVE_ID if shared else None,
            app_properties=app_properties,
            content=content,
            owner_email=None if shared else DRIVE_SERVICE_ACCOUNT_EMAIL,
        )
        if trashed:
            resource["trashed"] = resource["explicitlyTrashed"] = True
            resource["trashedTime"] = resource["modifiedTime"]
        self.docs.files[file_id] = resource
        if content is not None:
            self.docs.contents[file_id] = content
        if mime_type == GOOGLE_DOC:
            self.docs.texts[file_id] = text or ""
        return file_id


def _client_titles(shop: Shop) -> dict[str, str]:
    """Notion page id -> the "Client" title, in seed order."""
    return {
        page["id"]: "".join(part["plain_text"] for part in page["properties"]["Client"]["title"])
        for page in shop.notion_clients()
    }


def _at(day: Any, hour: int) -> datetime:
    moment = date.fromisoformat(str(day)[:10]) if day else _EPOCH.date()
    return datetime.combine(moment, time(hour, 0), tzinfo=UTC)


def _tagged(link: dict[str, str] | None, kind: str) -> dict[str, str] | None:
    return {**link, "hubKind": kind} if link else None


def build_documents(shop: Shop | None = None, estimates: list[dict[str, Any]] | None = None) -> Documents:
    """Build the seeded Drive. Deterministic: equal inputs give equal, independent ``Documents``.

    ``estimates`` are QuickBooks Estimate objects (``DocNumber``, ``CustomerRef``, ``TxnStatus``,
    ``Line``, ``TotalAmt``...); by default those of ``seed_sales.build_sales``.
    """
    shop = shop or build_shop()
    if estimates is None:
        estimates = build_sales(shop.quickbooks_customers).estimates
    build = _Builder()
    build.docs.drives.append(
        {
            "kind": "drive#drive",
            "id": DRIVE_SHARED_DRIVE_ID,
            "name": DRIVE_SHARED_DRIVE_NAME,
            "createdTime": "2025-11-03T10:00:00.000Z",
            "hidden": False,
        }
    )
    root, start = DRIVE_SHARED_DRIVE_ID, _EPOCH - timedelta(days=60)
    build.add("", "Clients", FOLDER, root, start, file_id=DRIVE_CLIENTS_FOLDER_ID)
    build.add("", "Templates", FOLDER, root, start, file_id=DRIVE_TEMPLATES_FOLDER_ID)
    build.add(
        "", "Proposal template", GOOGLE_DOC, DRIVE_TEMPLATES_FOLDER_ID, start + timedelta(days=1),
        text=PROPOSAL_TEMPLATE_TEXT, file_id=DRIVE_TEMPLATE_ID,
    )  # fmt: skip
    build.add(
        "", "Contract template", GOOGLE_DOC, DRIVE_TEMPLATES_FOLDER_ID, start + timedelta(days=1),
        text=_CONTRACT_TEMPLATE_TEXT, file_id=DRIVE_CONTRACT_TEMPLATE_ID,
    )  # fmt: skip
    titles = _client_titles(shop)
    folders = {}
    for position, (page_id, title) in enumerate(titles.items()):
        at = start + timedelta(days=2, hours=position)
        folders[page_id] = build.add(f"client-folder:{page_id}", title, FOLDER, DRIVE_CLIENTS_FOLDER_ID, at)
    client_of_customer = {qbo_id: page_id for page_id, qbo_id in EXPECTED_LINKS.items()}
    with_documents: list[str] = []
    eligible = [e for e in estimates if e.get("CustomerRef", {}).get("value") in client_of_customer]
    for index, estimate in enumerate(eligible):
        customer_id = str(estimate["CustomerRef"]["value"])
        page_id = client_of_customer[customer_id]
        client, folder, number = titles[page_id], folders[page_id], str(estimate["DocNumber"])
        if page_id not in with_documents:
            with_documents.append(page_id)
        # every fifth estimate's files are linked by their folder only
        link = {"hubCustomerQboId": customer_id, "hubEstimate": number} if index % 5 != 4 else None
        text = _filled(PROPOSAL_TEMPLATE_TEXT, estimate, client)
        day = estimate.get("TxnDate")
        if index % 3 != 2:
            build.add(
                f"proposal-doc:{number}", f"Proposal {number} - {client}", GOOGLE_DOC, folder, _at(day, 9),
                app_properties=_tagged(link, "proposal"), text=text,
            )  # fmt: skip
        build.add(
            f"proposal-pdf:{number}", f"Proposal {number} - {client}.pdf", PDF, folder, _at(day, 10),
            app_properties=_tagged(link, "proposal"), text=text,
        )  # fmt: skip
        if index % 11 == 0:
            build.add(
                f"proposal-draft:{number}", f"Proposal {number} - {client} (draft).pdf", PDF, folder,
                _at(day, 8), app_properties=_tagged(link, "proposal"), text=text, trashed=True,
            )  # fmt: skip
        if estimate.get("TxnStatus") in {"Accepted", "Closed"}:
            signed = _filled(_CONTRACT_TEMPLATE_TEXT, estimate, client) + f"\nSigned by {client}.\n"
            build.add(
                f"contract-pdf:{number}", f"Contract {number} - {client} (signed).pdf", PDF, folder,
                _at(day, 10) + timedelta(days=7), app_properties=_tagged(link, "contract"), text=signed,
            )  # fmt: skip
    for n, page_id in enumerate(with_documents[::4]):
        build.add(
            f"measurements:{page_id}", f"Measurements - {titles[page_id]}", GOOGLE_SHEET, folders[page_id],
            _EPOCH + timedelta(days=n), app_properties={"hubKind": "other"},
        )  # fmt: skip
    my_drive = DRIVE_MY_DRIVE_ROOT_ID
    readme = "This is the service account's own My Drive. The shop's documents live in the shared drive."
    build.add("mydrive:readme", "Read me - sandbox", GOOGLE_DOC, my_drive, start, shared=False, text=readme)
    build.add(
        "mydrive:prices", "Price list 2025.pdf", PDF, my_drive, start, shared=False, text="Price list 2025"
    )
    build.add("mydrive:suppliers", "Fabric suppliers", GOOGLE_SHEET, my_drive, start, shared=False)
    return build.docs
