"""``POST /webhooks/notion``: the verification handshake (the token is kept, never logged),
``X-Notion-Signature`` checks, event kinds mapped to re-read signals, replays; end to end, pages created,
edited and trashed in the Notion simulator reach the hub as signed events after the handshake."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.sandbox.notion import create_notion_app
from hub.sandbox.seed import (
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_PIPELINE_DATA_SOURCE_ID,
    NOTION_SANDBOX_TOKEN,
    build_shop,
)
from hub.sandbox.webhooks import NotionWebhookSender
from hub.settings import Settings
from hub.webhooks import MemoryEventLog, webhook_routes
from tests.conftest import VENDOR_URLS, start_hub
from tests.webhooks.helpers import NOTION_TOKEN, RecordingSink, notion_signature

URL = "/webhooks/notion"
DS = NOTION_ORDERS_DATA_SOURCE_ID
PAGE = "3d5eeda5-cbbe-54c5-a7a1-2da9488ed7fe"


def routes_app(sink: RecordingSink, events: MemoryEventLog, token: str | None = NOTION_TOKEN) -> Starlette:
    settings = Settings(notion={"webhook_verification_token": token})
    return Starlette(routes=webhook_routes(settings, lambda request: sink, lambda request: events))


async def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")


@pytest.fixture
async def client(sink: RecordingSink, events: MemoryEventLog) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(routes_app(sink, events)) as c:
        yield c


def event(kind: str, entity_id: str = PAGE, event_id: str = "ev-1", *, parent: dict[str, Any] | None = None,
          entity_type: str = "page", attempt: int = 1) -> dict[str, Any]:  # fmt: skip
    return {
        "id": event_id,
        "timestamp": "2026-11-02T20:00:00.000Z",
        "workspace_id": "7b1c6d7e-0c4a-4d8e-9f3b-2a6e5c1d0f11",
        "subscription_id": "1c9e2f4a-3b5d-4e6f-8a7b-9c0d1e2f3a4b",
        "integration_id": "2d0f3a5b-4c6e-4f70-9b8c-0d1e2f3a4b5c",
        "authors": [{"id": "c2f20311-9e54-4d11-8c79-7398424ae41e", "type": "person"}],
        "attempt_number": attempt,
        "type": kind,
        "entity": {"id": entity_id, "type": entity_type},
        "data": {"parent": parent or {"id": "db-1", "type": "database", "data_source_id": DS}},
    }


async def post(client: httpx.AsyncClient, payload: Any, signature: str | None = None) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if signature != "":
        headers["X-Notion-Signature"] = signature or notion_signature(body)
    return await client.post(URL, content=body, headers=headers)


async def test_signed_page_events_signal_a_re_read_under_their_data_source(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    response = await post(client, event("page.properties_updated"))
    assert response.status_code == 200 and response.json() == {"accepted": 1}
    assert await sink.signalled() == [("notion", DS, [PAGE], False)]
    await post(client, event("page.deleted", event_id="ev-2"))
    assert (await sink.signalled())[-1] == ("notion", DS, [PAGE], True)
    await post(client, event("page.created", "p-2", "ev-3", parent={"id": "w", "type": "space"}))
    assert (await sink.signalled())[-1] == ("notion", "page", ["p-2"], False)  # not in a data source


async def test_data_source_events_signal_the_whole_source_and_others_are_ignored(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    comment = event("comment.created", "c-1", "ev-1", entity_type="comment")
    assert (await post(client, comment)).json() == {"accepted": 0}
    schema = event("data_source.schema_updated", DS, "ev-2", entity_type="data_source",
                   parent={"id": "db-1", "type": "database"})  # fmt: skip
    assert (await post(client, schema)).json() == {"accepted": 1}
    assert await sink.signalled() == [("notion", DS, [], False)]


@pytest.mark.parametrize("tamper", ["body", "missing", "wrong token", "no prefix"])
async def test_bad_or_missing_signature_is_401_and_signals_nothing(
    client: httpx.AsyncClient, sink: RecordingSink, tamper: str
) -> None:
    body = json.dumps(event("page.properties_updated")).encode()
    good = notion_signature(body)
    if tamper == "body":
        response = await post(client, body.replace(PAGE.encode(), b"another-page"), good)
    elif tamper == "missing":
        response = await post(client, body, "")
    elif tamper == "wrong token":
        response = await post(client, body, notion_signature(body, "secret_someoneElse"))
    else:
        response = await post(client, body, good.removeprefix("sha256="))
    assert response.status_code == 401 and set(response.json()) == {"error"}
    assert good not in response.text and NOTION_TOKEN not in response.text
    assert sink.calls == []


async def test_a_retried_event_is_acknowledged_but_not_signalled_again(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    assert (await post(client, event("page.properties_updated", event_id="ev-1"))).status_code == 200
    await sink.signalled()
    retry = event("page.properties_updated", event_id="ev-1", attempt=2)
    assert (await post(client, retry)).status_code == 200
    assert (await post(client, event("page.properties_updated", event_id="ev-2"))).status_code == 200
    assert await sink.signalled() == [("notion", DS, [PAGE], False)] * 2


@pytest.mark.parametrize("signed", [True, False])
async def test_malformed_json_is_400(client: httpx.AsyncClient, sink: RecordingSink, signed: bool) -> None:
    body = b'{"id": "ev-1", "type": '
    response = await post(client, body, None if signed else "")
    assert response.status_code == 400 and response.json() == {"error": "malformed JSON"}
    not_an_event = await post(client, {"hello": "world"})
    assert not_an_event.status_code == 400 and sink.calls == []


async def test_handshake_token_is_kept_in_memory_and_never_logged(
    sink: RecordingSink, events: MemoryEventLog, caplog: pytest.LogCaptureFixture
) -> None:
    token = "secret_handshakeTokenNobodyMaySee"
    caplog.set_level(logging.DEBUG)
    async with await client_for(routes_app(sink, events, token=None)) as client:
        before = await post(client, event("page.created"), notion_signature(b"x", token))
        assert before.status_code == 401  # nothing to verify with yet
        handshake = await post(client, {"verification_token": token}, "")
        assert handshake.status_code == 200
        assert (await post(client, event("page.created"), notion_signature(
            json.dumps(event("page.created")).encode(), token))).status_code == 200  # fmt: skip
        assert await sink.signalled() == [("notion", DS, [PAGE], False)]
        # A second handshake (someone else's) does not replace the first token.
        assert (await post(client, {"verification_token": "secret_intruder"}, "")).status_code == 200
        intruder = json.dumps(event("page.deleted", event_id="ev-9")).encode()
        refused = await post(client, intruder, notion_signature(intruder, "secret_intruder"))
        assert refused.status_code == 401
    assert "verification token arrived" in caplog.text
    assert "HUB_NOTION__WEBHOOK_VERIFICATION_TOKEN" in caplog.text
    assert token not in caplog.text and "secret_intruder" not in caplog.text


async def test_a_configured_token_is_never_replaced_by_a_handshake(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    assert (await post(client, {"verification_token": "secret_new"}, "")).status_code == 200
    body = json.dumps(event("page.created")).encode()
    assert (await post(client, body, notion_signature(body, "secret_new"))).status_code == 401
    assert (await post(client, body)).status_code == 200
    assert await sink.signalled() == [("notion", DS, [PAGE], False)]


# --- end to end: the simulator sends, the hub app receives ----------------------------------------


async def test_simulator_pages_reach_the_hub_after_the_handshake(tmp_path: Path) -> None:
    sink = RecordingSink()
    # No verification token configured (the sandbox settings have one): the handshake provides it.
    unverified = {"base_url": VENDOR_URLS["notion"], "token": NOTION_SANDBOX_TOKEN}
    async for hub in start_hub(tmp_path, notion=unverified):
        running = hub.app.state.hub
        hub.app.state.hub = SimpleNamespace(changes=sink, store=running.store)
        sender = NotionWebhookSender("http://hub.test/webhooks/notion",
                                     transport=httpx.ASGITransport(app=hub.app))  # fmt: skip
        notion = create_notion_app(build_shop(), enforce_rate_limit=False, webhooks=sender)
        headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": "2025-09-03"}
        try:
            assert (await sender.verify()).status == 200
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=notion), base_url="https://notion.test",
                                         headers=headers) as client:  # fmt: skip
                edited = await client.patch(f"/v1/pages/{PAGE}", json={"properties": {
                    "Specifications": {"rich_text": [{"text": {"content": "Lined in silk"}}]}}})  # fmt: skip
                assert edited.status_code == 200, edited.text
                await sender.drain()
                assert await sink.signalled() == [("notion", DS, [PAGE], False)]
                created = await client.post("/v1/pages", json={
                    "parent": {"data_source_id": NOTION_PIPELINE_DATA_SOURCE_ID},
                    "properties": {"Deal": {"title": [{"text": {"content": "Gala gowns"}}]}}})  # fmt: skip
                assert created.status_code == 200, created.text
                new_page = created.json()["id"]
                trashed = await client.patch(f"/v1/pages/{new_page}", json={"in_trash": True})
                assert trashed.status_code == 200, trashed.text
                await sender.drain()
                calls = await sink.signalled()
        finally:
            hub.app.state.hub = running
            await sender.aclose()
    assert sorted(calls[1:]) == [  # two deliveries: either may be signalled first
        ("notion", NOTION_PIPELINE_DATA_SOURCE_ID, [new_page], False),
        ("notion", NOTION_PIPELINE_DATA_SOURCE_ID, [new_page], True),
    ]
    assert [d.status for d in sender.deliveries] == [200, 200, 200, 200]
    kinds = [d.payload.get("type") for d in sender.deliveries[1:]]
    assert kinds == ["page.properties_updated", "page.created", "page.deleted"]
    specifications = build_shop().notion_data_sources[DS]["properties"]["Specifications"]["id"]
    assert sender.deliveries[1].payload["data"]["updated_properties"] == [specifications]


async def test_the_handshake_token_survives_a_restart_and_the_cli_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from hub.cli import app as cli

    unverified = {"base_url": VENDOR_URLS["notion"], "token": NOTION_SANDBOX_TOKEN}
    sender = NotionWebhookSender("http://hub.test/webhooks/notion")
    async for hub in start_hub(tmp_path, notion=unverified):
        sender.transport = httpx.ASGITransport(app=hub.app)
        assert (await sender.verify()).status == 200
    event = {
        "id": "evt-restart",
        "type": "page.properties_updated",
        "timestamp": "2026-11-20T10:00:00Z",
        "entity": {"id": PAGE, "type": "page"},
        "data": {"parent": {"id": DS, "type": "database", "data_source_id": DS}},
    }
    body = json.dumps(event).encode()
    async for hub in start_hub(tmp_path, notion=unverified):  # a new process over the same store
        answer = await hub.client.post(
            "/webhooks/notion", content=body, headers={"X-Notion-Signature": sender.sign(body)}
        )
        assert answer.status_code == 200, answer.text
    await sender.aclose()
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["webhooks", "notion-token"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == sender.verification_token
