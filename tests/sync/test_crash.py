"""A run stopped at each point between its steps, then run again: one invoice per order, none missing.

The stop is simulated in process (a ``BaseException`` from the run's checkpoint, which nothing in the
run catches, as a SIGKILL would leave it); counting happens in the QuickBooks simulator's own tables.
"""

from __future__ import annotations

import pytest

from hub.sync import build_invoice_sync
from hub.sync.runs import SyncRuns
from tests.sync.conftest import Shop, plain

ORDERS = ("SO-1001", "SO-1002", "SO-1003", "SO-1068")
BATCH = ("POST", "/v3/company/{realm_id}/batch")


class Killed(BaseException):
    """Stands for the process dying at a checkpoint."""


def stop_at(point: str):  # noqa: ANN201
    async def checkpoint(at: str) -> None:
        if at == point:
            raise Killed(at)

    return checkpoint


def assert_one_invoice_each(shop: Shop) -> None:
    for title in ORDERS:
        invoices = shop.invoices_of(title)
        assert len(invoices) == 1, (title, invoices)
        order = shop.order(title)
        assert plain(order, "Status") == "Invoiced"
        assert plain(order, "QuickBooks Invoice") == invoices[0]["DocNumber"]


@pytest.mark.parametrize("point", ["claimed", "created", "recorded"])
async def test_a_crash_then_a_rerun_leaves_one_invoice_per_order(shop: Shop, point: str) -> None:
    await shop.deliver("SO-1003", "SO-1068")
    before = len(shop.invoices)
    with pytest.raises(Killed):
        await build_invoice_sync(shop.hub, checkpoint=stop_at(point)).run()
    made = 0 if point == "claimed" else len(ORDERS)  # before the upstream call, or after it
    assert len(shop.invoices) == before + made
    assert all(plain(shop.order(t), "Status") == "Delivered" for t in ORDERS)  # no order updated yet

    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok", result.run.errors
    assert len(shop.invoices) == before + len(ORDERS)
    assert_one_invoice_each(shop)
    counts = result.run.counts
    if point == "claimed":
        assert counts["created"] == len(ORDERS)
    elif point == "created":  # made but not recorded: found in QuickBooks by its marker
        assert counts["created"] == 0 and counts["recovered"] == len(ORDERS)
    else:  # recorded: only the Notion step was left
        assert counts["created"] == 0 and counts["recovered"] == 0 and counts["updated_orders"] == len(ORDERS)
    runs = await SyncRuns(shop.hub.store).list(kind="invoices")
    assert [r.status for r in runs] == ["ok", "crashed"]

    again = await build_invoice_sync(shop.hub).run()
    assert again.run.counts["created"] == 0 and len(shop.invoices) == before + len(ORDERS)


async def test_a_rerun_with_more_orders_still_finds_what_the_stopped_run_made(shop: Shop) -> None:
    """Another pending set gives the batch another request id: the marker look-up is what prevents a
    duplicate then."""
    with pytest.raises(Killed):
        await build_invoice_sync(shop.hub, checkpoint=stop_at("created")).run()
    await shop.deliver("SO-1003", "SO-1068")
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok"
    assert (result.run.counts["recovered"], result.run.counts["created"]) == (2, 2)
    assert_one_invoice_each(shop)


async def test_the_same_pending_set_reuses_the_batch_request_id(shop: Shop) -> None:
    """With the marker gone (someone edited the memo) only QuickBooks' requestid de-duplication is left:
    the re-sent batch gets the first answer and creates nothing new."""
    await shop.deliver("SO-1003", "SO-1068")
    with pytest.raises(Killed):
        await build_invoice_sync(shop.hub, checkpoint=stop_at("created")).run()
    made = {t: shop.invoices_of(t)[0]["Id"] for t in ORDERS}
    for invoice_id in made.values():
        shop.invoices[invoice_id]["PrivateNote"] = "edited by hand"
    before, batches = len(shop.invoices), shop.qbo.requests[BATCH]
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok" and result.run.counts["recovered"] == 0
    assert result.run.counts["created"] == len(ORDERS) and shop.qbo.requests[BATCH] == batches + 1
    assert len(shop.invoices) == before  # the batch was answered from QuickBooks' requestid memory
    for title, invoice_id in made.items():
        assert plain(shop.order(title), "QuickBooks Invoice") == shop.invoices[invoice_id]["DocNumber"]


async def test_an_order_no_longer_ready_after_a_crash_is_not_invoiced(shop: Shop) -> None:
    with pytest.raises(Killed):
        await build_invoice_sync(shop.hub, checkpoint=stop_at("claimed")).run()
    await shop.patch("SO-1002", {"Status": {"status": {"name": "Cancelled"}}})
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok" and result.run.counts["created"] == 1
    assert shop.invoices_of("SO-1002") == [] and len(shop.invoices_of("SO-1001")) == 1
    assert plain(shop.order("SO-1002"), "Status") == "Cancelled"
