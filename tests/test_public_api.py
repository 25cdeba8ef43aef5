"""Pins the public surface of ``hub.http`` and ``hub.errors`` (as httpx pins its ``__all__``).

A change here is an API change for every connector: update the list on purpose, not by accident.
"""

from __future__ import annotations

import inspect

import pytest

import hub.errors
import hub.http
from hub.errors import (
    CircuitOpen,
    ConfigError,
    HubError,
    MappingError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)

HTTP_API = [
    "ENDPOINT_EXTENSION",
    "BodyCursorPaginator",
    "CircuitBreaker",
    "Limit",
    "OffsetPaginator",
    "PageRequest",
    "PageTokenPaginator",
    "Paginator",
    "RateBudget",
    "SourceClient",
    "SourceHealth",
    "UpstreamMetrics",
    "Upstreams",
    "VendorError",
    "classify",
    "parse_retry_after",
]

ERRORS_API = [
    "CircuitOpen",
    "ConfigError",
    "HubError",
    "IdempotencyConflict",
    "MappingError",
    "UpstreamAuthError",
    "UpstreamBadResponse",
    "UpstreamError",
    "UpstreamFatal",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamRetryable",
]


@pytest.mark.parametrize(("module", "expected"), [(hub.http, HTTP_API), (hub.errors, ERRORS_API)])
def test_all_is_pinned(module: object, expected: list[str]) -> None:
    exported = module.__all__  # type: ignore[attr-defined]
    assert sorted(exported) == sorted(expected)
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(module, name), name


def test_every_public_error_class_is_exported() -> None:
    public = {name for name, obj in vars(hub.errors).items()
              if inspect.isclass(obj) and issubclass(obj, HubError) and not name.startswith("_")}
    assert public == set(hub.errors.__all__)


@pytest.mark.parametrize(("cls", "parent"), [
    (ConfigError, HubError),
    (MappingError, HubError),
    (UpstreamError, HubError),
    (UpstreamRetryable, UpstreamError),
    (UpstreamRateLimited, UpstreamRetryable),
    (CircuitOpen, UpstreamRetryable),
    (UpstreamAuthError, UpstreamError),
    (UpstreamNotFound, UpstreamError),
    (UpstreamFatal, UpstreamError),
    (UpstreamBadResponse, UpstreamFatal),
])
def test_error_tree(cls: type[HubError], parent: type[HubError]) -> None:
    assert cls.__bases__ == (parent,)
    assert issubclass(HubError, Exception)


def test_error_tree_is_drawn_in_the_module_docstring() -> None:
    doc = hub.errors.__doc__ or ""
    for name in ERRORS_API:
        assert name in doc, name


def test_codes_are_stable() -> None:
    assert {cls.__name__: cls.code for cls in (
        HubError, ConfigError, MappingError, UpstreamError, UpstreamRetryable, UpstreamRateLimited,
        CircuitOpen, UpstreamAuthError, UpstreamNotFound, UpstreamFatal, UpstreamBadResponse)} == {
        "HubError": "HUB_ERROR",
        "ConfigError": "CONFIG_ERROR",
        "MappingError": "MAPPING_ERROR",
        "UpstreamError": "UPSTREAM_ERROR",
        "UpstreamRetryable": "UPSTREAM_UNAVAILABLE",
        "UpstreamRateLimited": "RATE_LIMITED",
        "CircuitOpen": "UPSTREAM_UNAVAILABLE",
        "UpstreamAuthError": "AUTH_EXPIRED",
        "UpstreamNotFound": "NOT_FOUND",
        "UpstreamFatal": "UPSTREAM_ERROR",
        "UpstreamBadResponse": "UPSTREAM_BAD_RESPONSE",
    }


def test_upstream_errors_carry_source_status_and_vendor_code() -> None:
    error = UpstreamNotFound("quickbooks", "HTTP 404 from customer.get", status=404, vendor_code="610")
    assert (error.source, error.status, error.vendor_code) == ("quickbooks", 404, "610")
    assert str(error) == "quickbooks: HTTP 404 from customer.get"
    limited = UpstreamRateLimited("notion", "slow down", retry_after=2.5)
    assert (limited.status, limited.retry_after) == (429, 2.5)


def test_mapping_error_names_file_path_and_reason() -> None:
    error = MappingError("customers.notion.yaml", "fields.email.transform", "unknown transform 'lowr'")
    assert str(error) == "customers.notion.yaml: fields.email.transform: unknown transform 'lowr'"
    assert str(MappingError("customers.notion.yaml", "", "not a mapping")) == \
        "customers.notion.yaml: not a mapping"
