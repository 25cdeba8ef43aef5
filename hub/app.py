"""The ASGI application: GraphQL at ``/graphql`` (GraphiQL in a browser), ``/metrics``, ``/healthz``,
vendor webhooks at ``/webhooks/quickbooks`` and ``/webhooks/notion``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hub.http.metrics import CONTENT_TYPE_LATEST
from hub.runtime import Hub
from hub.settings import Settings
from hub.webhooks import webhook_routes
from schema import GRAPHIQL_STATIC, HubGraphQL, build_schema

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.hub = await Hub.start(settings, transports=transports)
        # Long-lived start-up objects leave the young generations, and collections run less often:
        # the GC took 25-30 ms of a warm query under load before this (bench/REPORT.md).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        resume = asyncio.create_task(app.state.hub.resume_pending_writes())
        try:
            yield
        finally:
            resume.cancel()
            await asyncio.gather(resume, return_exceptions=True)
            await app.state.hub.close()

    async def metrics(request: Request) -> Response:
        return Response(request.app.state.hub.upstreams.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    graphql = HubGraphQL(build_schema(), graphql_ide="graphiql")
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            *webhook_routes(settings),  # POST /webhooks/quickbooks, /webhooks/notion
            Mount(GRAPHIQL_STATIC, StaticFiles(directory=Path(__file__).parent / "static" / "graphiql")),
        ],
        lifespan=lifespan,
    )
