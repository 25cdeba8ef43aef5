"""The GraphQL edge: strawberry schema, per-request context and the ASGI view."""

from __future__ import annotations

from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult

from schema.context import Context
from schema.errors import PartialErrors, mask_unexpected
from schema.inventory import InventoryQuery, ProductQuery
from schema.mutation import Mutation as IdentityMutation
from schema.query import Query as CustomerQuery
from schema.sales_lists import SalesQuery
from schema.sales_mutation import SalesMutation
from schema.sales_types import Document, Invoice, Order, Payment, Quote
from schema.sync import SyncMutation, SyncQuery
from schema.types import Customer

SALES_TYPES = [Quote, Order, Invoice, Payment, Document]

__all__ = ["GRAPHIQL_STATIC", "Context", "HubGraphQL", "build_schema"]


Query = merge_types("Query", (CustomerQuery, SalesQuery, InventoryQuery, ProductQuery, SyncQuery))
Mutation = merge_types("Mutation", (IdentityMutation, SalesMutation, SyncMutation))


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Customer, *SALES_TYPES],
        extensions=[PartialErrors, mask_unexpected],
    )


GRAPHQL_RESPONSE = "application/graphql-response+json"
GRAPHIQL_STATIC = "/static/graphiql"
# The GraphiQL page's CDN assets, served by the hub itself (hub/static/graphiql/) so the IDE works offline.
GRAPHIQL_ASSETS = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}


class HubGraphQL(GraphQL):
    """GraphQL over HTTP as the GraphQL-over-HTTP specification has it.

    GraphiQL on GET from a browser; queries by GET or POST, mutations by POST only (GET → 405);
    ``application/graphql-response+json`` when the client accepts it, with 400 for a request error
    (unparseable or invalid document, which then has no ``data`` entry); ``application/json``
    otherwise, with 200 for any well-formed request, as legacy clients expect.
    """

    async def render_graphql_ide(self, request: Any) -> HTMLResponse:
        html = self.graphql_ide_html
        for remote, local in GRAPHIQL_ASSETS.items():
            html = html.replace(remote, f"{GRAPHIQL_STATIC}/{local}")
        return HTMLResponse(html)

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        response.hub_accept = request.headers.get("accept", "")
        return Context.for_request(request.app.state.hub, request, response)

    async def execute_operation(self, request: Any, request_adapter: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute_operation(request, request_adapter, *args, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise HTTPException(405, exc.reason) from exc
            raise

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            data.pop("data", None)  # a request error: execution never started
        return data

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        response = super().create_response(response_data, sub_response)
        accept = getattr(sub_response, "hub_accept", "")
        if GRAPHQL_RESPONSE in accept or "application/*" in accept and "application/json" not in accept:
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response
