"""Change signals: how webhooks (and anything else that learns of an upstream change) reach the mirror.

A signal says *what* changed, never *how*: the receiver re-reads the current state upstream, so a
duplicated or reordered signal is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

__all__ = ["ChangeSink"]


@runtime_checkable
class ChangeSink(Protocol):
    async def on_change(self, source: str, entity: str, ids: Sequence[str], *, deleted: bool = False) -> None:
        """``ids`` of ``entity`` changed in ``source`` ("quickbooks"/"Estimate", "notion"/<data source
        id or "page">, "google_drive"/"files"); ``deleted`` when they are gone."""
        ...
