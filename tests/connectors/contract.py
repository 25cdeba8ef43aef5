"""One contract every ``RecordSource`` keeps, run against each connector.

Subclass ``RecordSourceContract`` in a connector's test module (the class name must start with
``Test``) and provide the fixtures::

    class TestNotionContract(RecordSourceContract):
        @pytest.fixture
        async def source(self): ...                 # a RecordSource wired to mocked upstream data
        @pytest.fixture
        def known_collection(self) -> str: ...      # a collection the mock holds >= 2 records of
        @pytest.fixture
        def known_ids(self) -> list[str]: ...       # >= 2 ids that exist in known_collection
        @pytest.fixture
        def missing_id(self) -> str: ...            # an id the upstream answers "not found" for

Set ``supports_since = False`` for a source whose mock cannot filter by modification time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.base import PingResult, RecordSource, SourceRecord

__all__ = ["RecordSourceContract"]


def _aware(moment: datetime | None) -> bool:
    return moment is not None and moment.tzinfo is not None and moment.utcoffset() is not None


class RecordSourceContract:
    supports_since: bool = True

    @pytest.fixture
    def source(self) -> RecordSource:
        raise NotImplementedError("provide a `source` fixture")

    @pytest.fixture
    def known_collection(self) -> str:
        raise NotImplementedError("provide a `known_collection` fixture")

    @pytest.fixture
    def known_ids(self) -> list[str]:
        raise NotImplementedError("provide a `known_ids` fixture")

    @pytest.fixture
    def missing_id(self) -> str:
        raise NotImplementedError("provide a `missing_id` fixture")

    @staticmethod
    async def _all(source: RecordSource, collection: str, *,
                   since: datetime | None = None) -> list[SourceRecord]:
        return [record async for record in source.list_records(collection, since=since)]

    def test_is_a_record_source(self, source: RecordSource) -> None:
        assert isinstance(source, RecordSource)
        assert isinstance(source.name, str) and source.name

    async def test_list_records_carry_provenance(self, source: RecordSource, known_collection: str) -> None:
        records = await self._all(source, known_collection)
        assert len(records) >= 2
        for record in records:
            assert isinstance(record, SourceRecord)
            assert record.source == source.name
            assert record.collection == known_collection
            assert isinstance(record.external_id, str) and record.external_id
            assert isinstance(record.data, dict) and record.data
            assert _aware(record.fetched_at), "fetched_at must be timezone-aware"
            assert _aware(record.updated_at), "updated_at must be timezone-aware"
        ids = [record.external_id for record in records]
        assert len(ids) == len(set(ids)), "a listing must not repeat a record"

    async def test_get_records_returns_the_asked_ids(self, source: RecordSource, known_collection: str,
                                                     known_ids: list[str]) -> None:
        records = await source.get_records(known_collection, known_ids)
        assert sorted(record.external_id for record in records) == sorted(known_ids)
        for record in records:
            assert record.source == source.name and record.collection == known_collection
            assert _aware(record.fetched_at) and _aware(record.updated_at)

    async def test_get_records_leaves_out_missing_ids(self, source: RecordSource, known_collection: str,
                                                      known_ids: list[str], missing_id: str) -> None:
        records = await source.get_records(known_collection, [known_ids[0], missing_id])
        assert [record.external_id for record in records] == [known_ids[0]]

    async def test_get_records_of_nothing_is_empty(self, source: RecordSource, known_collection: str) -> None:
        assert await source.get_records(known_collection, []) == []

    async def test_list_since_returns_only_newer_records(self, source: RecordSource,
                                                         known_collection: str) -> None:
        if not self.supports_since:
            pytest.skip("this source's mock cannot filter by modification time")
        everything = await self._all(source, known_collection)
        stamps = sorted({record.updated_at for record in everything if record.updated_at})
        assert len(stamps) >= 2, "the mock needs records with at least two distinct update times"
        cut = stamps[-1]
        newer = await self._all(source, known_collection, since=cut)
        assert newer and all(record.updated_at and record.updated_at >= cut for record in newer)
        assert {r.external_id for r in newer} == {
            r.external_id for r in everything if r.updated_at and r.updated_at >= cut}
        assert await self._all(source, known_collection, since=cut + timedelta(days=1)) == []

    async def test_ping_ok(self, source: RecordSource) -> None:
        result = await source.ping()
        assert isinstance(result, PingResult)
        assert result.ok, result.detail
        assert result.source == source.name
