"""The building blocks of the simulator's model schemas: ``Field`` and shared selections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DAYS", "MO_STATE", "MOVE_STATE", "PO_STATE", "TZ", "WO_STATE", "Field", "f", "m2o", "sel"]

Selection = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Field:
    type: str
    string: str
    relation: str | None = None
    selection: Selection | None = None
    since: int = 16
    until: int = 19
    required: bool = False
    readonly: bool = False
    store: bool = True

    def describe(self, name: str) -> dict[str, Any]:
        """This field as ``fields_get`` describes it."""
        out: dict[str, Any] = {
            "name": name,
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
            "sortable": self.store,
            "searchable": True,
        }
        if self.relation:
            out["relation"] = self.relation
        if self.selection is not None:
            out["selection"] = [list(pair) for pair in self.selection]
        return out


def f(type_: str, string: str, target: str | Selection | None = None, **kw: Any) -> Field:
    if isinstance(target, tuple):
        return Field(type_, string, selection=target, **kw)
    return Field(type_, string, relation=target, **kw)


def m2o(string: str, relation: str, **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def sel(*pairs: str) -> Selection:
    return tuple((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))


MOVE_STATE = sel(
    "draft",
    "New",
    "waiting",
    "Waiting Another Move",
    "confirmed",
    "Waiting Availability",
    "partially_available",
    "Partially Available",
    "assigned",
    "Available",
    "done",
    "Done",
    "cancel",
    "Cancelled",
)
PO_STATE = sel(
    "draft",
    "RFQ",
    "sent",
    "RFQ Sent",
    "to approve",
    "To Approve",
    "purchase",
    "Purchase Order",
    "done",
    "Locked",
    "cancel",
    "Cancelled",
)
MO_STATE = sel(
    "draft",
    "Draft",
    "confirmed",
    "Confirmed",
    "progress",
    "In Progress",
    "to_close",
    "To Close",
    "done",
    "Done",
    "cancel",
    "Cancelled",
)
WO_STATE = sel(
    "pending",
    "Waiting for another WO",
    "waiting",
    "Waiting for components",
    "ready",
    "Ready",
    "progress",
    "In Progress",
    "done",
    "Finished",
    "cancel",
    "Cancelled",
)
DAYS = sel(
    "0",
    "Monday",
    "1",
    "Tuesday",
    "2",
    "Wednesday",
    "3",
    "Thursday",
    "4",
    "Friday",
    "5",
    "Saturday",
    "6",
    "Sunday",
)

# Odoo lists every IANA zone; the sandbox lists a few.
TZ = sel("Europe/London", "Europe/London", "Europe/Paris", "Europe/Paris", "UTC", "UTC")
