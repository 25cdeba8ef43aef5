"""ASGI middleware the simulators share: count requests by (method, route template), whatever the answer,
and optionally add response headers a vendor always sends (QuickBooks' ``intuit_tid``). ``tally`` counts
records in a simulator's store, so a test asserts outcomes ("one invoice per order") where they landed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CountRequests", "tally"]


def tally(records: Iterable[Mapping[str, Any]], field: str, pattern: str | re.Pattern[str]) -> Counter[str]:
    r"""How many ``records`` carry each value that ``pattern``'s first group finds in their ``field``.

    >>> tally([{"PrivateNote": "[order:a]"}, {"PrivateNote": "[order:a]"}, {}], "PrivateNote", r"order:(\w+)")
    Counter({'a': 2})
    """
    found: Counter[str] = Counter()
    regex = re.compile(pattern)
    for record in records:
        match = regex.search(str(record.get(field) or ""))
        if match:
            found[match.group(1)] += 1
    return found


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
