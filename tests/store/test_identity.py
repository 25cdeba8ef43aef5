"""Customer entities and identity links: apply, page, filter, keyset, totals, merged aliases."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hub.store import EntityRow, IdentityLink, Store

NAMES = [
    ("e01", "Lyric Opera House", "box@lyricopera.org", "B2B"),
    ("e02", "Maya Ortiz", "Maya.Ortiz@example.com", "B2C"),
    ("e03", "The Old Vic Theatre", "costumes@oldvic.co.uk", "B2B"),
    ("e04", "Zoë Brandt", "zoe@example.com", "B2C"),
    ("e05", "ZOË KRAUSS", None, "B2C"),
    ("e06", "Smith & Jones Productions", "prod@smithjones.tv", "B2B"),
    ("e07", "100% Events_Co", None, "B2B"),
    ("e08", "maya ortiz", "maya.o@other.org", "B2C"),  # same sort key as e02: ties broken by id
    ("e09", "Aurora Film & TV", "hello@aurora.film", "B2B"),
]


def _entities() -> list[EntityRow]:
    return [EntityRow(id=i, display_name=n, email=e, segment=s) for i, n, e, s in NAMES]


async def _seed(store: Store) -> None:
    links = [
        IdentityLink("notion", "page-1", "e01", "explicit"),
        IdentityLink("quickbooks", "58", "e01", "explicit"),
        IdentityLink("quickbooks", "12", "e02", "email", confidence=0.95),
        IdentityLink("notion", "page-2", "e02", "single"),
    ]
    await store.apply_identity(_entities(), links)


async def _all_pages(store: Store, first: int, **filters: object) -> list[str]:
    ids: list[str] = []
    after: tuple[str, str] | None = None
    kwargs = {"name_contains": None, "email": None, "segment": None, **filters}
    while True:
        page, _ = await store.page_entities(first=first, after=after, **kwargs)  # type: ignore[arg-type]
        ids += [e.id for e in page]
        if len(page) < first:
            return ids
        after = (page[-1].sort_key, page[-1].id)


async def test_apply_then_load_links(store: Store) -> None:
    await _seed(store)

    links = await store.load_links()

    assert [(link.source, link.external_id, link.entity_id, link.rule) for link in links] == [
        ("notion", "page-1", "e01", "explicit"),
        ("notion", "page-2", "e02", "single"),
        ("quickbooks", "12", "e02", "email"),
        ("quickbooks", "58", "e01", "explicit"),
    ]
    assert links[2].confidence == pytest.approx(0.95)
    assert all(link.created_at is not None and link.created_at.tzinfo is UTC for link in links)


async def test_reapply_updates_but_keeps_created_at(store: Store) -> None:
    await _seed(store)
    before = (await store.get_entities(["e02"]))["e02"]
    await asyncio.sleep(0.01)

    await store.apply_identity(
        [replace(before, display_name="Maya Ortiz-Reyes", sort_key="")],
        [IdentityLink("quickbooks", "12", "e08", "manual", overridden=True)],
    )

    after = (await store.get_entities(["e02"]))["e02"]
    assert after.display_name == "Maya Ortiz-Reyes" and after.sort_key == "maya ortiz-reyes"
    assert after.created_at == before.created_at
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at > before.updated_at
    moved = {(link.source, link.external_id): link for link in await store.load_links()}[("quickbooks", "12")]
    assert (moved.entity_id, moved.rule, moved.overridden) == ("e08", "manual", True)


async def test_apply_identity_is_one_transaction(store: Store) -> None:
    bad = IdentityLink("notion", "page-9", "e09", "explicit")
    object.__setattr__(bad, "rule", "guess")  # slips past the dataclass check; the database refuses it

    with pytest.raises(Exception, match="ck_identity_links_rule|CHECK constraint"):
        await store.apply_identity(_entities(), [IdentityLink("notion", "page-1", "e01", "explicit"), bad])

    assert await store.get_entities(["e01"]) == {}
    assert await store.load_links() == []


async def test_pages_follow_sort_key_then_id(store: Store) -> None:
    await _seed(store)

    page, total = await store.page_entities(name_contains=None, email=None, segment=None, first=4, after=None)

    assert total == 9
    assert [e.id for e in page] == ["e07", "e09", "e01", "e02"]
    assert await _all_pages(store, 2) == ["e07", "e09", "e01", "e02", "e08", "e06", "e03", "e04", "e05"]
    assert await _all_pages(store, 100) == await _all_pages(store, 1)


async def test_keyset_after_a_tied_sort_key_continues_by_id(store: Store) -> None:
    await _seed(store)

    page, total = await store.page_entities(
        name_contains=None, email=None, segment=None, first=2, after=("maya ortiz", "e02")
    )

    assert [e.id for e in page] == ["e08", "e06"]
    assert total == 9  # the total ignores the keyset


async def test_page_of_zero_still_counts(store: Store) -> None:
    await _seed(store)
    page, total = await store.page_entities(name_contains="o", email=None, segment="B2C", first=0, after=None)
    assert page == [] and total == 4


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"name_contains": "MAYA"}, ["e02", "e08"]),
        ({"name_contains": "zoë"}, ["e04", "e05"]),  # case folding beyond ASCII, on SQLite too
        ({"name_contains": "100%"}, ["e07"]),
        ({"name_contains": "%"}, ["e07"]),  # LIKE wildcards are literal
        ({"name_contains": "s_c"}, ["e07"]),
        ({"name_contains": "_"}, ["e07"]),
        ({"name_contains": "& "}, ["e09", "e06"]),
        ({"email": "maya.ortiz@EXAMPLE.com"}, ["e02"]),
        ({"email": "example.com"}, []),  # exact, not a substring
        ({"segment": "B2B"}, ["e07", "e09", "e01", "e06", "e03"]),
        ({"segment": "B2C", "name_contains": "ortiz"}, ["e02", "e08"]),
        ({"name_contains": "nobody"}, []),
    ],
)
async def test_filters(store: Store, filters: dict[str, str], expected: list[str]) -> None:
    await _seed(store)
    kwargs = {"name_contains": None, "email": None, "segment": None, **filters}

    page, total = await store.page_entities(first=50, after=None, **kwargs)  # type: ignore[arg-type]

    assert [e.id for e in page] == expected
    assert total == len(expected)
    assert await _all_pages(store, 1, **filters) == expected


async def test_merged_entities_are_aliases_not_rows(store: Store) -> None:
    await _seed(store)
    # e08 merged into e02, then e02 into e04: a chain resolves to the final survivor.
    await store.apply_identity(
        [
            EntityRow(id="e08", display_name="maya ortiz", merged_into="e02"),
            EntityRow(id="e02", display_name="Maya Ortiz", merged_into="e04"),
        ],
        [],
    )

    got = await store.get_entities(["e08", "e02", "e04", "e01", "gone"])

    assert {k: v.id for k, v in got.items()} == {"e08": "e04", "e02": "e04", "e04": "e04", "e01": "e01"}
    assert got["e08"].display_name == "Zoë Brandt"
    page, total = await store.page_entities(
        name_contains="maya", email=None, segment=None, first=10, after=None
    )
    assert page == [] and total == 0
    _, everyone = await store.page_entities(
        name_contains=None, email=None, segment=None, first=10, after=None
    )
    assert everyone == 7


async def test_get_entities_survives_a_merge_cycle(store: Store) -> None:
    await store.apply_identity(
        [
            EntityRow(id="a", display_name="A", merged_into="b"),
            EntityRow(id="b", display_name="B", merged_into="a"),
        ],
        [],
    )
    assert await store.get_entities(["a"]) == {}


async def test_links_for_groups_by_entity(store: Store) -> None:
    await _seed(store)

    got = await store.links_for(["e02", "e01", "e05"])

    def pairs(entity_id: str) -> list[tuple[str, str]]:
        return [(link.source, link.external_id) for link in got[entity_id]]

    assert pairs("e01") == [("notion", "page-1"), ("quickbooks", "58")]
    assert pairs("e02") == [("notion", "page-2"), ("quickbooks", "12")]
    assert got["e05"] == []
    assert await store.links_for([]) == {}


async def test_timestamps_given_for_new_rows_are_kept(store: Store) -> None:
    created = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    await store.apply_identity([EntityRow(id="x", display_name="X", created_at=created)], [])
    assert (await store.get_entities(["x"]))["x"].created_at == created


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown identity link rule 'guess'"):
        IdentityLink("notion", "p", "e", "guess")  # type: ignore[arg-type]
