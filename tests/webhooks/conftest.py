"""Fixtures for the webhook tests."""

from __future__ import annotations

import pytest

from hub.webhooks import MemoryEventLog
from tests.webhooks.helpers import RecordingSink


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def events() -> MemoryEventLog:
    return MemoryEventLog()
