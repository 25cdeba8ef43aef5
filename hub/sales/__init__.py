"""Quotes, orders, invoices, payments, deals and documents across QuickBooks, Notion and Google Drive:
mirrored (``mirror``), joined (``index``) and served (``service``)."""

from __future__ import annotations

from hub.sales.index import FOLDER_MIME, SalesIndex
from hub.sales.records import KINDS, SalesRecord
from hub.sales.service import SalesService

__all__ = ["FOLDER_MIME", "KINDS", "SalesIndex", "SalesRecord", "SalesService"]
