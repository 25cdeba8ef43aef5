"""The GraphQL edge: strawberry schema, per-request context and the ASGI view."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.asgi import GraphQL

from schema.context import Context
from schema.errors import PartialErrors, mask_unexpected
from schema.mutation import Mutation
from schema.query import Query
from schema.types import Customer

__all__ = ["Context", "HubGraphQL", "build_schema"]


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, mutation=Mutation, types=[Customer], extensions=[PartialErrors, mask_unexpected()]
    )


class HubGraphQL(GraphQL):
    """GraphiQL on GET from a browser, queries by GET or POST, mutations by POST only."""

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        return Context.for_request(request.app.state.hub, request, response)
