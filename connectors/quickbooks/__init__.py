"""QuickBooks Online (Intuit) connector: the query endpoint, Fault parsing and vendor models.

Build its client with ``upstreams.client("quickbooks", settings.quickbooks.api_base_url, ...,
auth=OAuth2RefreshAuth(...), **QuickBooksConnector.client_options())``.
"""

from __future__ import annotations

from connectors.quickbooks.client import QuickBooksConnector
from connectors.quickbooks.errors import STALE_OBJECT, fault_error, quickbooks_vendor_errors
from connectors.quickbooks.models import CompanyInfo, Customer, Fault, FaultError, QueryResponse

__all__ = [
    "STALE_OBJECT",
    "CompanyInfo",
    "Customer",
    "Fault",
    "FaultError",
    "QueryResponse",
    "QuickBooksConnector",
    "fault_error",
    "quickbooks_vendor_errors",
]
