"""The public surface of hub.store, pinned so changes are deliberate."""

from __future__ import annotations

import hub.store


def test_public_api() -> None:
    assert sorted(hub.store.__all__) == [
        "EntityRow",
        "IdentityLink",
        "LinkRule",
        "RecordRow",
        "SqlTokenStore",
        "Store",
        "SyncCursor",
        "sort_key_for",
    ]
    for name in hub.store.__all__:
        assert getattr(hub.store, name) is not None
