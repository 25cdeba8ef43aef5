"""Trip wires for the simulators: fail or stall the nth request whose path contains a given text.

``Faults.fail_at`` answers that request with the vendor's 500 (or, with ``drop``, closes the connection
mid-answer); ``Faults.stall_at`` holds it until a test releases it. With ``after`` the simulator first
applies the request (a batch is written, its ``requestid`` remembered) and only then fails or holds the
answer: what a client sees when the vendor did the work but the answer never came back.

A trip is written ``"[METHOD ]PATH[#N][ after][ drop]"``: ``"POST /batch#2 after"`` is the second POST
whose path contains ``/batch``, applied and then held. Requests are counted from when the knob is set,
and only those the simulator would serve (after its fault knobs, authentication and rate limits).

A held request is observable: ``await faults.stalls.wait_held()`` in the simulator's process, or
``GET /_sandbox/faults`` from anywhere (``held`` lists what is being held); ``faults.stalls.release()``
or ``POST /_sandbox/release[?drop=true]`` lets it go (``drop``: close the connection instead of
serving it; a request held before being applied is then never applied). ``POST /_sandbox/faults`` with
a JSON object of knobs sets them, e.g. ``{"stall_at": "PATCH /v1/pages/#1"}``.

>>> Trip.parse("POST /batch#2 after")
Trip(path='/batch', nth=2, method='POST', after=True, drop=False)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTROL_PREFIX", "Held", "SandboxControl", "SimulatedDrop", "Stalls", "Trip", "Tripped",
           "TrippedResponse", "serve_tripped"]

CONTROL_PREFIX = "/_sandbox/"


class SimulatedDrop(httpx.ReadError):
    """Raised by a simulator to close the connection after the status line and before the body.

    Over a socket the server closes the connection (the client sees the peer hang up mid-answer); through
    ``httpx.ASGITransport`` the exception reaches the client as the transport error it is."""


@dataclass
class Trip:
    """The ``nth`` request (from 1) whose path contains ``path`` (and whose method is ``method``)."""

    path: str
    nth: int = 1
    method: str | None = None
    after: bool = False  # apply the request first, then fail or hold its answer
    drop: bool = False  # fail_at: close the connection instead of answering 500
    seen: int = field(default=0, repr=False, compare=False)  # matching requests so far

    def __post_init__(self) -> None:
        if not self.path or self.nth < 1:
            raise ValueError(f"a trip needs a path and an nth >= 1, not {self.path!r}#{self.nth}")
        self.method = self.method.upper() if self.method else None

    @classmethod
    def parse(cls, spec: Trip | str | Mapping[str, Any]) -> Trip:
        """A fresh trip (nothing seen yet) from its text form, a mapping of its fields, or a trip."""
        if isinstance(spec, Trip):
            return replace(spec, seen=0)
        if isinstance(spec, Mapping):
            return cls(**{k: v for k, v in spec.items() if k != "seen"})
        words = spec.split()
        flags = {w.lower() for w in words if w.lower() in ("after", "drop")}
        rest = [w for w in words if w.lower() not in ("after", "drop")]
        method = rest.pop(0) if len(rest) == 2 else None
        if len(rest) != 1:
            raise ValueError(f"cannot read trip {spec!r}: expected '[METHOD ]PATH[#N][ after][ drop]'")
        path, _, nth = rest[0].rpartition("#") if "#" in rest[0] else (rest[0], "", "1")
        if not nth.isdigit():
            raise ValueError(f"cannot read trip {spec!r}: the count after '#' must be a number")
        return cls(path, int(nth), method, "after" in flags, "drop" in flags)

    def hit(self, method: str, path: str) -> bool:
        """Count a request; True exactly when it is the ``nth`` match."""
        if self.path not in path or (self.method is not None and method.upper() != self.method):
            return False
        self.seen += 1
        return self.seen == self.nth

    def __str__(self) -> str:
        text = f"{self.method + ' ' if self.method else ''}{self.path}#{self.nth}"
        return text + (" after" if self.after else "") + (" drop" if self.drop else "")


@dataclass
class Held:
    """A request the simulator is holding: ``request`` is its number among all the simulator received."""

    request: int
    method: str
    path: str
    applied: bool  # the simulator already applied it and holds only the answer
    released: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    drop: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request, "method": self.method, "path": self.path, "applied": self.applied}


class Stalls:
    """The requests being held, and the waiters who want to know when one is."""

    def __init__(self) -> None:
        self.held: list[Held] = []
        self.total = 0  # requests held so far, released or not
        self._waiters: list[asyncio.Future[Held]] = []

    async def hold(self, held: Held) -> bool:
        """Hold ``held`` until released; True when the release says to drop it."""
        self.held.append(held)
        self.total += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(held)
        self._waiters.clear()
        try:
            await held.released.wait()
        finally:
            if held in self.held:
                self.held.remove(held)
        return held.drop

    async def wait_held(self, within: float = 30.0) -> Held:
        """The request being held (the first, if several), waiting up to ``within`` seconds for one.

        Raises ``TimeoutError`` when none arrives: the client never reached the trip."""
        if self.held:
            return self.held[0]
        waiter: asyncio.Future[Held] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, within)
        except TimeoutError:
            raise TimeoutError(f"no request was held within {within} s") from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self, *, drop: bool = False) -> int:
        """Let every held request go (served, or with ``drop`` its connection closed); how many."""
        held = list(self.held)
        for request in held:
            request.drop = drop
            request.released.set()
        return len(held)


Action = Literal["fail", "drop", "stall"]


@dataclass(frozen=True)
class Tripped:
    """What a trip wire does to the request that tripped it."""

    action: Action
    after: bool
    request: int
    stalls: Stalls


async def _drop(send: Send) -> None:
    # Headers promise a body that never comes, then the connection goes: a transport error, not a status.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    raise SimulatedDrop("the sandbox dropped the connection (fail_at ... drop)")


async def serve_tripped(tripped: Tripped, app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                        error: ASGIApp) -> None:
    """Serve one tripped request: ``app`` is what would have served it, ``error`` the vendor's 500."""
    answer: list[Message] = []
    if tripped.after:
        async def keep(message: Message) -> None:
            answer.append(message)

        await app(scope, receive, keep)
    if tripped.action == "fail":
        await error(scope, receive, send)
        return
    if tripped.action == "drop":
        await _drop(send)
        return
    held = Held(tripped.request, str(scope.get("method", "")), str(scope.get("path", "")), tripped.after)
    if await tripped.stalls.hold(held):
        await _drop(send)
    elif tripped.after:
        for message in answer:
            await send(message)
    else:
        await app(scope, receive, send)


class TrippedResponse(Response):
    """A tripped request as the ``Response`` an endpoint returns (for simulators that gate in handlers)."""

    def __init__(self, tripped: Tripped, serve: Callable[[], Awaitable[Response]], error: Response) -> None:
        super().__init__()
        self.tripped, self.serve, self.error = tripped, serve, error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def inner(scope: Scope, receive: Receive, send: Send) -> None:
            response = await self.serve()
            await response(scope, receive, send)

        await serve_tripped(self.tripped, inner, scope, receive, send, self.error)


class SandboxControl:
    """ASGI middleware serving ``/_sandbox/faults`` and ``/_sandbox/release`` over ``app.state.faults``.

    Outside the vendor's paths and gate (no auth, not counted), so a test in another process can see and
    release a held request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        faults = scope["app"].state.faults
        action = request.url.path[len(CONTROL_PREFIX):]
        if action == "faults" and request.method == "POST":
            try:
                knobs = json.loads(await request.body() or b"{}")
                faults.set(**knobs)
            except (ValueError, TypeError) as exc:
                await JSONResponse({"error": str(exc)}, status_code=400)(scope, receive, send)
                return
        elif action == "release" and request.method == "POST":
            drop = request.query_params.get("drop", "").lower() in ("1", "true", "yes")
            released = faults.stalls.release(drop=drop)
            await JSONResponse({"released": released})(scope, receive, send)
            return
        elif action != "faults" or request.method != "GET":
            await JSONResponse({"error": "not a sandbox control"}, status_code=404)(scope, receive, send)
            return
        await JSONResponse(faults.state())(scope, receive, send)
