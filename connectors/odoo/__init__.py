"""Odoo connector: JSON-2 (19.0+) or JSON-RPC, ``fields_get`` discovery, mapping to ``InventorySnapshot``.

Build its client with ``upstreams.client("odoo", base_url, limits=[...],
**OdooConnector.client_options(api_key, database=...))``.
"""

from __future__ import annotations

from connectors.odoo.client import OdooBearerAuth, error_kind, odoo_vendor_errors
from connectors.odoo.connector import OdooConnector, odoo_datetime
from connectors.odoo.fields import SPECS, FieldMap, ModelSpec, resolve
from connectors.odoo.mapping import OdooData, to_snapshot

__all__ = [
    "SPECS",
    "FieldMap",
    "ModelSpec",
    "OdooBearerAuth",
    "OdooConnector",
    "OdooData",
    "error_kind",
    "odoo_datetime",
    "odoo_vendor_errors",
    "resolve",
    "to_snapshot",
]
