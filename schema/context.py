"""The per-request context: the running hub, fresh DataLoaders, and errors recorded beside data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from schema.loaders import Loaders

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["Context"]


@dataclass
class Context:
    hub: Hub
    loaders: Loaders
    request: Any = None
    response: Any = None
    partial_errors: list[GraphQLError] = field(default_factory=list)
    sales: Any = None  # schema.sales_context.SalesContext, made on first use
    delivery: Any = None  # schema.sales_delivery.DeliveryContext, made on first use

    @classmethod
    def for_request(cls, hub: Hub, request: Any = None, response: Any = None) -> Context:
        return cls(hub=hub, loaders=Loaders(hub), request=request, response=response)
