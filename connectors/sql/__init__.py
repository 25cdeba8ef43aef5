"""An inventory source over a shop's own SQL database: one mapped, read-only SELECT per entity.

The hub loads and validates the mapping file (``mappings.inventory_sql``) and hands the result in;
the connector depends only on the small ``SqlMapping`` protocol, so it never imports ``mappings``::

    spec = load_inventory_sql("inventory.sql.yaml")
    source = SqlInventoryConnector("postgresql+asyncpg://reader@db/shop", spec)
    await source.validate()          # start-up: every query runs against the database with no rows
    snapshot = await source.snapshot()
"""

from __future__ import annotations

from connectors.sql.connector import SqlInventoryConnector, SqlMapping
from connectors.sql.records import COLUMNS

__all__ = ["COLUMNS", "SqlInventoryConnector", "SqlMapping"]
