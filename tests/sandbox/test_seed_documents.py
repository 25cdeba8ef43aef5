"""The seeded Drive: deterministic, coherent with the Notion clients and the QuickBooks estimates,
large enough to page, with valid PDFs and a usable service-account key."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hub.sandbox.drive_files import FOLDER, GOOGLE_DOC, PDF, make_id
from hub.sandbox.seed import EXPECTED_LINKS, build_shop
from hub.sandbox.seed_documents import (
    DRIVE_CLIENTS_FOLDER_ID,
    DRIVE_CONTRACT_TEMPLATE_ID,
    DRIVE_MY_DRIVE_ROOT_ID,
    DRIVE_SANDBOX_PRIVATE_KEY,
    DRIVE_SANDBOX_PUBLIC_KEY,
    DRIVE_SERVICE_ACCOUNT_EMAIL,
    DRIVE_SHARED_DRIVE_ID,
    DRIVE_TEMPLATE_ID,
    DRIVE_TEMPLATES_FOLDER_ID,
    PROPOSAL_PLACEHOLDERS,
    Documents,
    build_documents,
    service_account_info,
)
from hub.sandbox.seed_sales import build_sales

_NAME = re.compile(r"^(Proposal|Contract) (E-\d{4}) - (.+?)( \(signed\))?( \(draft\))?(\.pdf)?$")


@pytest.fixture(scope="module")
def docs() -> Documents:
    return build_documents()


@pytest.fixture(scope="module")
def estimates() -> dict[str, dict[str, Any]]:
    return {e["DocNumber"]: e for e in build_sales(build_shop().quickbooks_customers).estimates}


def _title(page: dict[str, Any]) -> str:
    return "".join(part["plain_text"] for part in page["properties"]["Client"]["title"])


def test_deterministic_and_independent() -> None:
    first, second = build_documents(), build_documents()
    assert first == second
    first.files[DRIVE_TEMPLATE_ID]["name"] = "changed"
    assert second.files[DRIVE_TEMPLATE_ID]["name"] == "Proposal template"


def test_constants_are_the_ids_the_seed_uses(docs: Documents) -> None:
    assert DRIVE_SHARED_DRIVE_ID == make_id("shared-drive:costume-shop", shared_drive=True)
    assert docs.drives == [
        {"kind": "drive#drive", "id": DRIVE_SHARED_DRIVE_ID, "name": "Costume Shop",
         "createdTime": "2025-11-03T10:00:00.000Z", "hidden": False},
    ]  # fmt: skip
    assert docs.files[DRIVE_CLIENTS_FOLDER_ID]["name"] == "Clients"
    assert docs.files[DRIVE_TEMPLATES_FOLDER_ID]["parents"] == [DRIVE_SHARED_DRIVE_ID]
    assert docs.files[DRIVE_CONTRACT_TEMPLATE_ID]["parents"] == [DRIVE_TEMPLATES_FOLDER_ID]
    template = docs.files[DRIVE_TEMPLATE_ID]
    assert (template["name"], template["mimeType"]) == ("Proposal template", GOOGLE_DOC)
    assert all(p in docs.texts[DRIVE_TEMPLATE_ID] for p in PROPOSAL_PLACEHOLDERS)
    assert {"{{customer}}", "{{lines}}", "{{total}}", "{{valid_until}}", "{{delivery}}"} <= set(
        PROPOSAL_PLACEHOLDERS
    )


def test_one_folder_per_notion_client(docs: Documents) -> None:
    titles = sorted(_title(page) for page in build_shop().notion_clients())
    folders = [f for f in docs.children(DRIVE_CLIENTS_FOLDER_ID) if f["mimeType"] == FOLDER]
    assert sorted(f["name"] for f in folders) == titles
    assert len(titles) == len(set(titles)) == 64


def test_enough_files_to_page_and_a_my_drive(docs: Documents) -> None:
    shared = [f for f in docs.files.values() if f.get("driveId") == DRIVE_SHARED_DRIVE_ID]
    assert len(shared) > 200
    mine = [f for f in docs.files.values() if "driveId" not in f]
    assert {f["parents"][0] for f in mine} == {DRIVE_MY_DRIVE_ROOT_ID}
    assert all(f["owners"][0]["emailAddress"] == DRIVE_SERVICE_ACCOUNT_EMAIL for f in mine)
    assert len({f["id"] for f in docs.files.values()}) == len(docs.files)


def test_documents_match_real_estimates(docs: Documents, estimates: dict[str, dict[str, Any]]) -> None:
    folder_client = {f["id"]: f["name"] for f in docs.children(DRIVE_CLIENTS_FOLDER_ID)}
    client_by_page = {page["id"]: _title(page) for page in build_shop().notion_clients()}
    kinds: Counter[str] = Counter()
    for file in docs.files.values():
        found = _NAME.match(file["name"])
        if not found:
            continue
        kind, number, client = found.group(1), found.group(2), found.group(3)
        estimate = estimates[number]
        customer = estimate["CustomerRef"]["value"]
        page_id = next(page for page, qbo in EXPECTED_LINKS.items() if qbo == customer)
        assert client == client_by_page[page_id] == folder_client[file["parents"][0]]
        if kind == "Contract":
            assert estimate["TxnStatus"] in {"Accepted", "Closed"} and found.group(4)
        props = file.get("appProperties")
        if props:
            assert props == {"hubCustomerQboId": customer, "hubEstimate": number, "hubKind": kind.lower()}
        kinds[f"{kind}:{'tagged' if props else 'folder-only'}"] += 1
        if file["mimeType"] == GOOGLE_DOC:
            assert f"Prepared for: {client}" in docs.texts[file["id"]]
            assert f"USD {estimate['TotalAmt']:,.2f}" in docs.texts[file["id"]]
    assert kinds["Proposal:tagged"] > kinds["Proposal:folder-only"] > 0
    assert kinds["Contract:tagged"] > 0 and kinds["Contract:folder-only"] > 0
    accepted = [n for n, e in estimates.items() if e["TxnStatus"] in {"Accepted", "Closed"}]
    contracts = {
        m.group(2) for f in docs.files.values() if (m := _NAME.match(f["name"])) and m.group(1) == "Contract"
    }
    linked = set(EXPECTED_LINKS.values())
    assert contracts == {n for n in accepted if estimates[n]["CustomerRef"]["value"] in linked}
    assert any(f["trashed"] for f in docs.files.values())


def test_pdfs_are_valid_and_show_their_text(docs: Documents) -> None:
    pdfs = [f for f in docs.files.values() if f["mimeType"] == PDF]
    assert pdfs and all(f["id"] in docs.contents for f in pdfs)
    for file in pdfs:
        data = docs.contents[file["id"]]
        assert file["size"] == str(len(data))
        assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
        xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
        assert data[xref:].startswith(b"xref\n")
        rows = data[xref:].split(b"\n")[3:]
        offsets = [int(row[:10]) for row in rows if row.endswith(b" n ")]
        assert all(data[o:].startswith(f"{n} 0 obj".encode()) for n, o in enumerate(offsets, start=1))
    contract = next(f for f in pdfs if f["name"].startswith("Contract "))
    client = _NAME.match(contract["name"]).group(3)  # type: ignore[union-attr]
    assert f"Signed by {client}".encode("latin-1", errors="replace") in docs.contents[contract["id"]]


def test_sandbox_key_pair_signs_and_verifies() -> None:
    private = serialization.load_pem_private_key(DRIVE_SANDBOX_PRIVATE_KEY.encode(), password=None)
    public = serialization.load_pem_public_key(DRIVE_SANDBOX_PUBLIC_KEY.encode())
    assert isinstance(private, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey)
    signature = private.sign(b"costume", padding.PKCS1v15(), hashes.SHA256())
    public.verify(signature, b"costume", padding.PKCS1v15(), hashes.SHA256())  # raises if not a pair
    info = service_account_info()
    assert (
        info["client_email"] == DRIVE_SERVICE_ACCOUNT_EMAIL
        and info["private_key"] == DRIVE_SANDBOX_PRIVATE_KEY
    )
