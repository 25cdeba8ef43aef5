"""QuickBooks Online vendor models: just enough to check the shapes we rely on.

The connector hands the hub the entity JSON as the API returned it (``SourceRecord.data``); these
models validate it and give typed access where code needs it. Unknown fields are kept.
Entity reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "CompanyInfo",
    "Customer",
    "Entity",
    "Fault",
    "FaultError",
    "ModificationMetaData",
    "QueryResponse",
    "decimal_amounts",
]

# Numeric fields of sales documents that QBO may write as JSON integers (``"TotalAmt": 2400``): the hub
# keeps every amount, rate and quantity as ``Decimal``, whatever JSON spelling came over the wire.
_DECIMAL_FIELDS = frozenset({
    "Amount", "Balance", "BalanceWithJobs", "Deposit", "DiscountAmount", "DiscountPercent", "ExchangeRate",
    "HomeBalance", "HomeTotalAmt", "NetAmountTaxable", "PurchaseCost", "Qty", "TaxPercent", "TotalAmt",
    "TotalTax", "UnappliedAmt", "UnitPrice",
})


class _Vendor(BaseModel):
    # QBO Ids and codes are strings on the wire; coerce a stray number rather than fail.
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)


class ModificationMetaData(_Vendor):
    CreateTime: datetime | None = None
    LastUpdatedTime: datetime | None = None

    @field_validator("CreateTime", "LastUpdatedTime")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # QBO stamps carry the company's offset ("2024-03-02T14:05:10-08:00"); the hub keeps UTC.
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


class Entity(_Vendor):
    """What every queryable QBO entity has."""

    Id: str = Field(min_length=1)
    SyncToken: str | None = None
    MetaData: ModificationMetaData | None = None


class EmailAddress(_Vendor):
    Address: str | None = None


class TelephoneNumber(_Vendor):
    FreeFormNumber: str | None = None


class PhysicalAddress(_Vendor):
    Id: str | None = None
    Line1: str | None = None
    Line2: str | None = None
    City: str | None = None
    CountrySubDivisionCode: str | None = None
    PostalCode: str | None = None
    Country: str | None = None


class ReferenceType(_Vendor):
    value: str
    name: str | None = None


class Customer(Entity):
    DisplayName: str | None = None
    CompanyName: str | None = None
    GivenName: str | None = None
    FamilyName: str | None = None
    FullyQualifiedName: str | None = None
    PrimaryEmailAddr: EmailAddress | None = None
    PrimaryPhone: TelephoneNumber | None = None
    BillAddr: PhysicalAddress | None = None
    Balance: Decimal | None = None
    CurrencyRef: ReferenceType | None = None
    Active: bool | None = None


class CompanyInfo(Entity):
    CompanyName: str | None = None
    Country: str | None = None


class FaultError(_Vendor):
    """One ``Error`` of a ``Fault``; the 401 body spells every key in lower case."""

    Message: str | None = Field(None, validation_alias=AliasChoices("Message", "message"))
    Detail: str | None = Field(None, validation_alias=AliasChoices("Detail", "detail"))
    code: str | None = Field(None, validation_alias=AliasChoices("code", "Code"))
    element: str | None = Field(None, validation_alias=AliasChoices("element", "Element"))


class Fault(_Vendor):
    """``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"}}``.

    Error-code reference: https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
    """

    Error: list[FaultError] = Field(default_factory=list, validation_alias=AliasChoices("Error", "error"))
    type: str | None = Field(None, validation_alias=AliasChoices("type", "Type"))

    @classmethod
    def from_body(cls, body: Any) -> Fault | None:
        """The fault in a response body (``Fault``, ``fault``, or inside ``QueryResponse``), if any."""
        if not isinstance(body, dict):
            return None
        raw = body.get("Fault") or body.get("fault")
        if raw is None and isinstance(body.get("QueryResponse"), dict):
            raw = body["QueryResponse"].get("Fault")
        if not isinstance(raw, dict):
            return None
        return cls.model_validate(raw)

    @property
    def code(self) -> str | None:
        return next((e.code for e in self.Error if e.code), None)

    @property
    def summary(self) -> str:
        """``Message: Detail`` of each error, for the exception message."""
        parts = []
        for error in self.Error:
            text = error.Message or ""
            if error.Detail and error.Detail != error.Message:
                text = f"{text}: {error.Detail}" if text else error.Detail
            if text:
                parts.append(text)
        return "; ".join(parts) or (self.type or "Fault")


class QueryResponse(_Vendor):
    """``{"QueryResponse": {"Customer": [...], "startPosition": 1, "maxResults": 2}, "time": "…"}``.

    With no match, ``QueryResponse`` is ``{}``: no entity key at all.
    """

    startPosition: int | None = None
    maxResults: int | None = None
    totalCount: int | None = None

    def entities(self, entity: str) -> list[dict[str, Any]]:
        items = (self.model_extra or {}).get(entity, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError(f"QueryResponse.{entity} is not a list of objects")
        return items


def decimal_amounts(value: Any) -> Any:
    """``value`` with every amount-like field (``Amount``, ``TotalAmt``, ``UnitPrice``, ``Qty``...) at any
    depth as ``Decimal``; everything else, ``LinkedTxn`` included, as it was."""
    if isinstance(value, dict):
        return {k: (Decimal(v) if k in _DECIMAL_FIELDS and isinstance(v, int) and not isinstance(v, bool)
                    else decimal_amounts(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [decimal_amounts(v) for v in value]
    return value
