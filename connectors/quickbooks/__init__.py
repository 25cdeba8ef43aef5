"""QuickBooks Online (Intuit) connector: the query, batch and CDC endpoints, idempotent creates and
sparse updates, Fault parsing, vendor models.

Build its client with ``upstreams.client("quickbooks", settings.quickbooks.api_base_url, ...,
auth=OAuth2RefreshAuth(...), **QuickBooksConnector.client_options())``.
"""

from __future__ import annotations

from connectors.quickbooks.batch import MAX_BATCH_ITEMS, BatchItem, BatchResult
from connectors.quickbooks.cdc import CDC_MAX_OBJECTS
from connectors.quickbooks.client import CUSTOMER_DOCUMENTS, QuickBooksConnector
from connectors.quickbooks.errors import OBJECT_NOT_FOUND, STALE_OBJECT, fault_error, quickbooks_vendor_errors
from connectors.quickbooks.models import CompanyInfo, Customer, Fault, FaultError, QueryResponse
from connectors.quickbooks.writes import conflict_request_id

__all__ = [
    "CDC_MAX_OBJECTS",
    "CUSTOMER_DOCUMENTS",
    "MAX_BATCH_ITEMS",
    "OBJECT_NOT_FOUND",
    "STALE_OBJECT",
    "BatchItem",
    "BatchResult",
    "CompanyInfo",
    "Customer",
    "Fault",
    "FaultError",
    "QueryResponse",
    "QuickBooksConnector",
    "conflict_request_id",
    "fault_error",
    "quickbooks_vendor_errors",
]
