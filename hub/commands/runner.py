"""Run a write command as named steps over the outbox, exactly once however often it is retried.

1. ``claim`` the idempotency key in the outbox before anything goes upstream (a reused key with other
   values is ``IdempotencyConflict``).
2. A ``done`` entry is answered from its stored result, with no upstream call (``replayed=True``);
   a ``failed`` one raises ``CommandFailed`` with the stored code and message.
3. Otherwise take the entry's lease (one runner at a time, across replicas) and run the steps not
   recorded yet, in order, recording each step's output before the next starts.

A crash between an upstream call and its ``record_step`` is safe because each step's upstream
identity derives from the key and the step name: ``StepContext.request_id`` is QuickBooks'
``requestid`` (a repeat gets the first answer) and ``StepContext.hub_key`` the Notion ``Hub Key``
that ``create_page`` looks up before creating.

Errors: ``CommandValidationError``, ``UpstreamFatal`` and ``UpstreamNotFound`` mark the entry failed
(a retry gets ``CommandFailed``); retryable and auth errors leave it pending, so a retry or
``resume`` continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import SourceRecord
from hub.commands.errors import CommandFailed, CommandInProgress, CommandValidationError
from hub.errors import UpstreamFatal, UpstreamNotFound
from hub.store.outbox import OutboxEntry, OutboxStore

__all__ = [
    "CommandResult",
    "CommandRunner",
    "Step",
    "StepContext",
    "StepOutput",
    "derive_hub_key",
    "derive_request_id",
]

log = logging.getLogger("hub.commands")


def derive_request_id(key: str, step: str) -> str:
    """QuickBooks ``requestid`` of ``step`` of the command with idempotency key ``key``: 32 hex
    characters (QBO allows 50), the same on every retry and resume."""
    return hashlib.sha256(f"{key}\x00{step}".encode()).hexdigest()[:32]


def derive_hub_key(key: str, step: str) -> str:
    """Notion ``Hub Key`` of ``step`` of command ``key``: ``"<key>#<step>"`` (step names have no
    ``#``, so two commands never share one)."""
    return f"{key}#{step}"


@dataclass(frozen=True)
class StepOutput:
    """What a step produced: records written or read upstream (None: looked for, not found) and
    plain ``details`` (JSON values, ``Decimal`` and dates allowed)."""

    records: dict[str, SourceRecord | None] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandResult:
    """The outcome of a command: the upstream ``records`` it wrote or read (``"estimate"``,
    ``"deal"``, ``"order"``...), ``details`` and whether it was ``replayed`` from the outbox."""

    kind: str
    key: str
    records: dict[str, SourceRecord]
    details: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


@dataclass(frozen=True)
class StepContext:
    """What a step knows: the command, its payload and the outputs of the steps before it."""

    key: str
    kind: str
    step: str
    payload: dict[str, Any]
    done: Mapping[str, StepOutput]
    attempts: int  # > 1: an earlier run may have started this step without recording it

    @property
    def request_id(self) -> str:
        return derive_request_id(self.key, self.step)

    @property
    def hub_key(self) -> str:
        return derive_hub_key(self.key, self.step)

    def record(self, name: str) -> SourceRecord | None:
        """The latest record called ``name`` that an earlier step produced, or None."""
        found = None
        for output in self.done.values():
            found = output.records.get(name, found)
        return found


StepFn = Callable[[StepContext], Awaitable[StepOutput]]


@dataclass(frozen=True)
class Step:
    name: str
    run: StepFn


class CommandRunner:
    """Runs commands over ``outbox``. ``lease`` (seconds, renewed at every step) bounds how long a
    runner that died blocks its key; one step must finish within it."""

    def __init__(self, outbox: OutboxStore, *, lease: float = 120.0) -> None:
        self.outbox = outbox
        self.lease = lease

    async def run(self, key: str, kind: str, payload: dict[str, Any], steps: Sequence[Step]) -> CommandResult:
        """Claim ``key`` and run ``steps`` (or answer from the outbox); see the module docstring."""
        entry = await self.outbox.claim(key, kind, payload)
        return await self.resume(entry, steps)

    async def resume(self, entry: OutboxEntry, steps: Sequence[Step]) -> CommandResult:
        """Continue a claimed entry: replay it when done, else run its unrecorded steps."""
        if entry.state == "done":
            return _result(entry.kind, entry.key, entry.result or {}, replayed=True)
        if entry.state == "failed":
            raise CommandFailed(entry.key, entry.error_code or "UPSTREAM_ERROR", entry.error_message or "")
        owner = uuid.uuid4().hex
        if not await self.outbox.acquire(entry.key, owner, lease=self.lease):
            raise CommandInProgress(entry.key)
        try:
            latest = await self.outbox.get(entry.key)  # steps another runner recorded since our claim
            if latest is None or latest.state != "pending":
                return await self.resume(latest or entry, steps)
            return await self._steps(latest, steps, owner)
        finally:
            await self.outbox.release(entry.key, owner)

    async def _steps(self, entry: OutboxEntry, steps: Sequence[Step], owner: str) -> CommandResult:
        done = {name: _decode_output(raw) for name, raw in entry.steps.items()}
        for step in steps:
            if step.name in done:
                continue
            # Renew the lease for this step, so only a runner that died (not a slow one) loses it.
            if not await self.outbox.acquire(entry.key, owner, lease=self.lease):
                raise CommandInProgress(entry.key)
            context = StepContext(entry.key, entry.kind, step.name, entry.payload, dict(done), entry.attempts)
            try:
                output = await step.run(context)
            except (CommandValidationError, UpstreamFatal, UpstreamNotFound) as exc:
                if done:
                    # Earlier steps already wrote upstream: failing the key for good would leave them
                    # orphaned and force a new key (a second estimate). Stay pending; a retry with the
                    # same key (once the cause is fixed, e.g. the page shared) finishes the command.
                    log.warning("command %s %s stopped at step %s: %s; retry with the same key",
                                entry.kind, entry.key, step.name, exc.code)
                    raise
                await self.outbox.fail(entry.key, exc.code, str(exc))
                log.info("command %s %s failed at step %s: %s", entry.kind, entry.key, step.name, exc.code)
                raise
            await self.outbox.record_step(entry.key, step.name, _encode_output(output))
            done[step.name] = output
        result = _merge(done.values())
        await self.outbox.finish(entry.key, result)
        return _result(entry.kind, entry.key, result, replayed=False)


# -- (de)serialising step outputs for the outbox ----------------------------------------------------


def _encode_record(record: SourceRecord | None) -> dict[str, Any] | None:
    return None if record is None else dataclasses.asdict(record)


def _decode_record(raw: dict[str, Any] | None) -> SourceRecord | None:
    return None if raw is None else SourceRecord(**raw)


def _encode_output(output: StepOutput) -> dict[str, Any]:
    return {"records": {name: _encode_record(r) for name, r in output.records.items()},
            "details": dict(output.details)}


def _decode_output(raw: dict[str, Any]) -> StepOutput:
    return StepOutput({name: _decode_record(r) for name, r in (raw.get("records") or {}).items()},
                      dict(raw.get("details") or {}))


def _merge(outputs: Any) -> dict[str, Any]:
    records: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for output in outputs:
        for name, record in output.records.items():
            if record is not None:  # a later step's copy is the newer one
                records[name] = _encode_record(record)
        details.update(output.details)
    return {"records": records, "details": details}


def _result(kind: str, key: str, stored: dict[str, Any], *, replayed: bool) -> CommandResult:
    records = {name: r for name, raw in (stored.get("records") or {}).items()
               if (r := _decode_record(raw)) is not None}
    return CommandResult(kind, key, records, dict(stored.get("details") or {}), replayed)
