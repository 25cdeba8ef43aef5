"""``syncRuns`` and ``syncInvoices`` through the GraphQL endpoint; crashed and concurrent runs."""

from __future__ import annotations

import pytest

from hub.sync import SyncAlreadyRunning, build_invoice_sync
from hub.sync.runs import SyncRuns
from tests.sync.conftest import Shop

RUNS = """query($kind: String) { syncRuns(first: 10, kind: $kind) {
  id kind dryRun status startedAt finishedAt
  counts { planned created adopted recovered skipped failed updatedOrders }
  errors { order code message } } }"""
SYNC = """mutation($dry: Boolean!, $limit: Int) { syncInvoices(dryRun: $dry, limit: $limit) {
  __typename
  ... on SyncInvoicesPayload { run { id status dryRun counts { planned created updatedOrders } }
        invoices { orderId orderNumber customer quickbooksCustomerId action invoiceNumber invoiceUrl
                   amount { amount currency } quoteId code message } }
  ... on SyncFailure { code message retryable } } }"""


class Killed(BaseException):
    pass


async def test_sync_invoices_mutation_dry_run_then_run(shop: Shop) -> None:
    body = await shop.h.gql(SYNC, {"dry": True, "limit": None})
    assert "errors" not in body, body
    payload = body["data"]["syncInvoices"]
    assert payload["__typename"] == "SyncInvoicesPayload" and payload["run"]["dryRun"] is True
    assert {(i["orderNumber"], i["action"], i["amount"]["amount"]) for i in payload["invoices"]} == {
        ("SO-1001", "create", "3087.00"),
        ("SO-1002", "create", "3224.00"),
    }
    before = len(shop.invoices)
    payload = (await shop.h.gql(SYNC, {"dry": False, "limit": 1}))["data"]["syncInvoices"]
    assert payload["run"]["status"] == "OK" and payload["run"]["counts"]["created"] == 1
    [row] = payload["invoices"]
    assert row["action"] == "created" and row["invoiceNumber"] and row["quickbooksCustomerId"] == "54"
    assert len(shop.invoices) == before + 1
    bad = (await shop.h.gql(SYNC, {"dry": False, "limit": 0}))["data"]["syncInvoices"]
    assert bad == {
        "__typename": "SyncFailure",
        "code": "BAD_USER_INPUT",
        "message": "limit must be at least 1",
        "retryable": False,
    }


async def test_sync_runs_lists_runs_with_counts_and_marks_a_killed_run_crashed(shop: Shop) -> None:
    async def die(point: str) -> None:
        if point == "recorded":
            raise Killed

    with pytest.raises(Killed):
        await build_invoice_sync(shop.hub, checkpoint=die).run()
    await build_invoice_sync(shop.hub).run(dry_run=True)
    await build_invoice_sync(shop.hub).run()
    body = await shop.h.gql(RUNS, {"kind": "invoices"})
    assert "errors" not in body, body
    runs = body["data"]["syncRuns"]
    assert [(r["status"], r["dryRun"]) for r in runs] == [("OK", False), ("OK", True), ("CRASHED", False)]
    assert runs[0]["counts"]["updatedOrders"] == 2 and runs[0]["finishedAt"]
    assert runs[2]["finishedAt"] is not None  # stamped when found crashed
    assert (await shop.h.gql(RUNS, {"kind": "payments"}))["data"]["syncRuns"] == []


async def test_one_real_run_at_a_time(shop: Shop) -> None:
    runs = SyncRuns(shop.hub.store)
    live = await runs.start("invoices", dry_run=False)  # as if another process were running now
    with pytest.raises(SyncAlreadyRunning):
        await build_invoice_sync(shop.hub).run()
    payload = (await shop.h.gql(SYNC, {"dry": False, "limit": None}))["data"]["syncInvoices"]
    assert (payload["__typename"], payload["code"], payload["retryable"]) == (
        "SyncFailure",
        "SYNC_RUNNING",
        True,
    )
    assert (await build_invoice_sync(shop.hub).run(dry_run=True)).ok  # a dry run changes nothing: allowed
    await runs.finish(live.id, counts={}, errors=[])
    assert (await build_invoice_sync(shop.hub).run()).run.counts["created"] == 2
