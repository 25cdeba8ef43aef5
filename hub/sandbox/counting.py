"""ASGI middleware the simulators share: count requests by (method, route template), whatever the answer,
and optionally add response headers a vendor always sends (QuickBooks' ``intuit_tid``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CountRequests"]


class CountRequests:
    def __init__(self, app: ASGIApp, counter: Counter[tuple[str, str]],
                 headers: Callable[[], list[tuple[bytes, bytes]]] | None = None) -> None:
        self.app, self.counter, self.headers = app, counter, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")  # set by the router before any response starts
                self.counter[(str(scope["method"]), str(getattr(route, "path", scope["path"])))] += 1
                if self.headers is not None:
                    message["headers"] = [*message.get("headers", []), *self.headers()]
            await send(message)

        await self.app(scope, receive, counted)
