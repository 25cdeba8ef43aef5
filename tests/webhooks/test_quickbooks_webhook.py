"""``POST /webhooks/quickbooks``: Intuit's signature, both payload formats, the realm filter, replays, and
the answer sent before any signalling; end to end, a write in the QuickBooks simulator reaches the hub
signed as Intuit signs it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.runner import sandbox_settings
from hub.sandbox.seed_sales import SALES_NOTES
from hub.sandbox.webhooks import QuickBooksWebhookSender
from hub.settings import Settings
from hub.webhooks import MemoryEventLog, hub_change_sink, hub_event_log, webhook_routes
from tests.conftest import VENDOR_URLS, start_hub
from tests.webhooks.helpers import OTHER_REALM, QBO_TOKEN, REALM, RecordingSink, intuit_signature

URL = "/webhooks/quickbooks"


def routes_app(sink: Any, events: MemoryEventLog, token: str | None = QBO_TOKEN) -> Starlette:
    settings = Settings(quickbooks={"realm_id": REALM, "webhook_verifier_token": token})
    return Starlette(routes=webhook_routes(settings, lambda request: sink, lambda request: events))


@pytest.fixture
async def client(sink: RecordingSink, events: MemoryEventLog) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=routes_app(sink, events))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
        yield c


def entity(name: str, entity_id: str, operation: str = "Update", at: str = "2026-11-02T20:00:00Z") -> dict:
    return {"name": name, "id": entity_id, "operation": operation, "lastUpdated": at}


def classic(*entities: dict[str, Any], realm: str = REALM) -> bytes:
    notification = {"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}
    return json.dumps({"eventNotifications": [notification]}).encode()


def cloud_event(kind: str, entity_id: str, event_id: str, realm: str = REALM, **extra: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        "type": kind,
        "datacontenttype": "application/json",
        "time": "2026-11-02T20:00:00.179Z",
        "intuitentityid": entity_id,
        "intuitaccountid": realm,
        **extra,
    }


async def post(client: httpx.AsyncClient, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature != "":
        headers["intuit-signature"] = signature or intuit_signature(body)
    return await client.post(URL, content=body, headers=headers)


async def test_signed_classic_notification_signals_each_entity_once(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    body = classic(
        entity("Estimate", "7"), entity("Estimate", "8", "Create"), entity("Invoice", "12", "Delete")
    )
    response = await post(client, body)
    assert response.status_code == 200 and response.json() == {"accepted": 3}
    assert await sink.signalled() == [
        ("quickbooks", "Estimate", ["7", "8"], False),
        ("quickbooks", "Invoice", ["12"], True),
    ]


@pytest.mark.parametrize(
    "tamper",
    ["body", "missing", "wrong token", "not base64"],
)
async def test_bad_or_missing_signature_is_401_and_signals_nothing(
    client: httpx.AsyncClient, sink: RecordingSink, tamper: str
) -> None:
    body = classic(entity("Estimate", "7"))
    good = intuit_signature(body)
    if tamper == "body":
        response = await post(client, body.replace(b'"7"', b'"9"'), good)
    elif tamper == "missing":
        response = await post(client, body, "")
    elif tamper == "wrong token":
        response = await post(client, body, intuit_signature(body, "someone-elses-token"))
    else:
        response = await post(client, body, "not*base64!")
    assert response.status_code == 401
    assert response.json() == {"error": "missing or invalid intuit-signature"}
    assert good not in response.text and QBO_TOKEN not in response.text
    assert sink.calls == []


async def test_replayed_notification_is_acknowledged_but_not_signalled_again(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    body = classic(entity("Invoice", "12", at="2026-11-02T20:00:00.000Z"))
    assert (await post(client, body)).status_code == 200
    await sink.signalled()
    assert (await post(client, body)).status_code == 200  # Intuit retried: same entity, operation, time
    later = classic(entity("Invoice", "12", at="2026-11-02T20:05:00.000Z"))  # a new change of it
    assert (await post(client, later)).status_code == 200
    assert await sink.signalled() == [("quickbooks", "Invoice", ["12"], False)] * 2


async def test_cloud_events_are_accepted_and_deduplicated_by_id(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    events = [
        cloud_event("qbo.estimate.updated.v1", "7", "e-1", data={}),
        cloud_event("qbo.invoice.deleted.v1", "12", "e-2"),
        cloud_event("qbo.customer.merged.v1", "58", "e-3", data={"deletedid": "27"}),
        cloud_event("qbo.salesreceipt.updated.v1", "150", "e-4"),  # no data object at all
    ]
    response = await post(client, json.dumps(events).encode())
    assert response.status_code == 200 and response.json() == {"accepted": 5}
    assert await sink.signalled() == [
        ("quickbooks", "Estimate", ["7"], False),
        ("quickbooks", "Invoice", ["12"], True),
        ("quickbooks", "Customer", ["58"], False),
        ("quickbooks", "Customer", ["27"], True),
        ("quickbooks", "SalesReceipt", ["150"], False),
    ]
    sink.calls.clear()
    again = [events[0], cloud_event("qbo.estimate.updated.v1", "7", "e-5")]  # e-1 redelivered, e-5 is new
    assert (await post(client, json.dumps(again).encode())).status_code == 200
    assert await sink.signalled() == [("quickbooks", "Estimate", ["7"], False)]


async def test_other_companies_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    other = classic(entity("Estimate", "7"), realm=OTHER_REALM)
    response = await post(client, other)
    assert response.status_code == 200 and response.json() == {"accepted": 0}
    mixed = [cloud_event("qbo.invoice.updated.v1", "3", "x-1", realm=OTHER_REALM),
             cloud_event("qbo.invoice.updated.v1", "4", "x-2")]  # fmt: skip
    assert (await post(client, json.dumps(mixed).encode())).json() == {"accepted": 1}
    assert await sink.signalled() == [("quickbooks", "Invoice", ["4"], False)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"eventNotifications": [', "malformed JSON"),
        (b'{"hello": "world"}', "not a QuickBooks webhook notification"),
    ],
)
async def test_signed_but_unreadable_body_is_400(
    client: httpx.AsyncClient, sink: RecordingSink, body: bytes, message: str
) -> None:
    response = await post(client, body)
    assert response.status_code == 400 and response.json() == {"error": message}
    assert sink.calls == []


async def test_without_a_verifier_token_nothing_is_accepted(
    sink: RecordingSink, events: MemoryEventLog
) -> None:
    transport = httpx.ASGITransport(app=routes_app(sink, events, token=None))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        response = await post(client, classic(entity("Estimate", "7")))
    assert response.status_code == 503 and sink.calls == []


class GatedSink(RecordingSink):
    """Holds every signal until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def on_change(self, source: str, entity: str, ids: Sequence[str], *, deleted: bool = False) -> None:
        await self.release.wait()
        await super().on_change(source, entity, ids, deleted=deleted)


async def test_the_answer_is_sent_before_anything_is_signalled(events: MemoryEventLog) -> None:
    """Intuit wants a 200 within 3 seconds: the response is complete while the sink is still held."""
    sink = GatedSink()
    app = routes_app(sink, events)
    body = classic(entity("Estimate", "7"))
    sent: list[Message] = []
    answered = asyncio.Event()
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    headers = [(b"content-type", b"application/json"), (b"intuit-signature", intuit_signature(body).encode())]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": URL, "raw_path": URL.encode(), "query_string": b"", "root_path": "",
        "client": ("127.0.0.1", 1), "server": ("hub.test", 80), "headers": headers,
    }  # fmt: skip
    call = asyncio.create_task(app(scope, receive, send))
    await asyncio.wait_for(answered.wait(), timeout=10)
    assert sent[0]["status"] == 200 and sink.calls == [] and not call.done()
    sink.release.set()
    await call
    assert sink.calls == [("quickbooks", "Estimate", ["7"], False)]


def test_the_hub_providers_find_the_running_hubs_sink_and_event_log() -> None:
    outbox = MemoryEventLog()
    sink = RecordingSink()
    wired = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        hub=SimpleNamespace(changes=sink, store=SimpleNamespace(outbox=outbox)))))  # fmt: skip
    bare = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(hub=SimpleNamespace(store=object()))))
    assert hub_change_sink(wired) is sink and hub_event_log(wired) is outbox  # type: ignore[arg-type]
    assert hub_change_sink(bare) is None and hub_event_log(bare) is None  # type: ignore[arg-type]


# --- end to end: the simulator sends, the hub app receives ----------------------------------------


def estimate_body(customer_id: str) -> dict[str, Any]:
    gown = {"value": "1", "name": "Custom Victorian Gown"}
    line = {"DetailType": "SalesItemLineDetail", "Amount": 4800,
            "SalesItemLineDetail": {"ItemRef": gown, "Qty": 2, "UnitPrice": 2400}}  # fmt: skip
    return {"CustomerRef": {"value": customer_id}, "Line": [line]}


@pytest.mark.parametrize("cloud_events", [False, True], ids=["classic", "cloudevents"])
async def test_a_write_in_the_simulator_reaches_the_hub_signed(tmp_path: Path, cloud_events: bool) -> None:
    sink = RecordingSink()
    quickbooks = {**sandbox_settings(VENDOR_URLS)["quickbooks"], "webhook_verifier_token": QBO_TOKEN}
    async for hub in start_hub(tmp_path, quickbooks=quickbooks):
        running = hub.app.state.hub
        # The webhook routes find the sink and the event log on the running hub; give it a recording sink
        # (and keep the store's event log, the one the lead wires in).
        hub.app.state.hub = SimpleNamespace(changes=sink, store=running.store)
        sender = QuickBooksWebhookSender(
            "http://hub.test/webhooks/quickbooks", QBO_TOKEN, cloud_events=cloud_events,
            transport=httpx.ASGITransport(app=hub.app),
        )  # fmt: skip
        qbo = create_quickbooks_app(webhooks=sender)
        token = qbo.state.oauth.issue_tokens()["access_token"]
        base = f"https://qbo.test/v3/company/{REALM}"
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=qbo)) as client:
                client.headers["Authorization"] = f"Bearer {token}"
                new = estimate_body(SALES_NOTES["busy_customer_id"])
                created = await client.post(f"{base}/estimate", json=new)
                assert created.status_code == 200, created.text
                estimate_id = created.json()["Estimate"]["Id"]
                await sender.drain()
                assert await sink.signalled() == [("quickbooks", "Estimate", [estimate_id], False)]
                # An invoice copied from an accepted estimate closes it: one notification names both.
                accepted = SALES_NOTES["estimates_by_status"]["Accepted"][0]
                source = qbo.state.tables["Estimate"][accepted]
                lines = [ln for ln in source["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
                invoice = {"CustomerRef": source["CustomerRef"],
                           "Line": json.loads(json.dumps(lines, default=str)),
                           "LinkedTxn": [{"TxnId": accepted, "TxnType": "Estimate"}]}  # fmt: skip
                made = await client.post(f"{base}/invoice", json=invoice, params={"requestid": "inv-1"})
                assert made.status_code == 200, made.text
                again = await client.post(f"{base}/invoice", json=invoice, params={"requestid": "inv-1"})
                assert again.json() == made.json()  # a replayed requestid changes nothing: no webhook
                await sender.drain()
                calls = await sink.signalled()
        finally:
            hub.app.state.hub = running
            await sender.aclose()
    assert [d.status for d in sender.deliveries] == [200, 200]
    first = sender.deliveries[0].payload
    if cloud_events:
        assert first[0]["type"] == "qbo.estimate.created.v1" and first[0]["intuitaccountid"] == REALM
    else:
        assert first["eventNotifications"][0]["dataChangeEvent"]["entities"][0]["operation"] == "Create"
    assert sorted(calls[1:]) == [
        ("quickbooks", "Estimate", [accepted], False),
        ("quickbooks", "Invoice", [made.json()["Invoice"]["Id"]], False),
    ]


async def test_simulator_deletes_and_batches_are_notified(
    sink: RecordingSink, events: MemoryEventLog
) -> None:
    hub = routes_app(sink, events)
    sender = QuickBooksWebhookSender("http://hub.test/webhooks/quickbooks", QBO_TOKEN,
                                     transport=httpx.ASGITransport(app=hub))  # fmt: skip
    qbo = create_quickbooks_app(webhooks=sender)
    token = qbo.state.oauth.issue_tokens()["access_token"]
    base = f"https://qbo.test/v3/company/{REALM}"
    pending = SALES_NOTES["estimates_by_status"]["Pending"][:2]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=qbo)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        gone = {"Id": pending[0], "SyncToken": qbo.state.tables["Estimate"][pending[0]]["SyncToken"]}
        deleted = await client.post(f"{base}/estimate", json=gone, params={"operation": "delete"})
        assert deleted.status_code == 200, deleted.text
        await sender.drain()
        assert await sink.signalled() == [("quickbooks", "Estimate", [pending[0]], True)]
        accept = {"Id": pending[1], "SyncToken": qbo.state.tables["Estimate"][pending[1]]["SyncToken"],
                  "sparse": True, "TxnStatus": "Accepted"}  # fmt: skip
        batch = {"BatchItemRequest": [
            {"bId": "1", "operation": "update", "Estimate": accept},
            {"bId": "2", "operation": "create", "Estimate": estimate_body(SALES_NOTES["busy_customer_id"])},
        ]}  # fmt: skip
        answered = await client.post(f"{base}/batch", json=batch)
        assert answered.status_code == 200, answered.text
        created = answered.json()["BatchItemResponse"][1]["Estimate"]["Id"]
        await sender.drain()
        calls = await sink.signalled()
    await sender.aclose()
    assert len(sender.deliveries) == 2  # one notification per write, the batch's two changes together
    entities = sender.deliveries[1].payload["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert sorted((e["id"], e["operation"]) for e in entities) == sorted(
        [(pending[1], "Update"), (created, "Create")]
    )
    assert calls[1][:2] == ("quickbooks", "Estimate") and sorted(calls[1][2]) == sorted([pending[1], created])
