"""Transforms for documents and Notion sales pages: ``datetime``, ``or_find`` and ``document_kind``.

Registered into ``mappings.transforms.REGISTRY`` on import (``mappings.transforms_sales`` imports this
module, and ``mappings.transforms`` imports that one).

===============  ========================================================================================
name             does
===============  ========================================================================================
datetime         aware datetime or ISO 8601 text with an offset (``Z`` too) -> UTC datetime; a naive time
                 or a bare date is refused (guessing its zone would move it by hours)
or_find          the value when it is non-empty; else the first match of ``pattern`` (case-sensitive) in
                 the text at path ``in`` (``group`` picks a capture group), or None when nothing matches
document_kind    a kind tag (``tags``, matched case-insensitively) -> kind; without a known tag the first
                 of ``rules`` that holds: its ``match`` (regex, case-insensitive) is found in the text at
                 ``name_from`` and/or the record passes its ``where`` filter; else ``default``
===============  ========================================================================================

Examples, as the Drive mapping uses them::

    quote_number:
      from: appProperties.hubEstimate
      transform: [strip, {or_find: {in: name, pattern: '\\bE-\\d+\\b'}}]
    kind:
      from: appProperties.hubKind
      transform:
        document_kind:
          tags: {proposal: PROPOSAL, contract: CONTRACT, other: OTHER}
          rules:
            - {where: {mimeType: application/vnd.google-apps.folder}, kind: OTHER}
            - {match: '^proposal\\b', kind: PROPOSAL}
          default: OTHER

An unknown tag is not an error for ``document_kind``: it falls through to the rules, because a tag
someone else wrote says nothing the mapping can use, while the name still may.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mappings.filters import Filter
from mappings.paths import KeyPath, PathSyntaxError, PathTypeError
from mappings.transforms import Args, Context, Loc, TransformError, _kind, _parse_path, register

__all__: list[str] = []


def _regex(value: Any, flags: int = 0) -> re.Pattern[str]:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str) or not value:
        raise PydanticCustomError("regex", "must be a non-empty regular expression")
    try:
        return re.compile(value, flags)
    except re.error as exc:  # its message names the position in the pattern, nothing else
        reason = {"reason": str(exc)}
        raise PydanticCustomError("regex", "not a valid regular expression: {reason}", reason) from None


def _read_text(path: KeyPath, ctx: Context) -> str | None:
    try:
        value = path.resolve(ctx.record, ctx.around)
    except PathTypeError as exc:
        raise TransformError(str(exc)) from None
    if value is None:
        return None
    if not isinstance(value, str):
        raise TransformError(f"{path} is {_kind(value)}, expected text")
    return value


# --- datetime --------------------------------------------------------------------------------------


@register("datetime", returns=(datetime,))
def _datetime(value: Any, args: None, ctx: Context) -> datetime | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if "T" not in text and " " not in text:
            raise TransformError("a date without a time")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise TransformError("not an ISO 8601 datetime") from None
    elif not isinstance(value, datetime):
        if isinstance(value, date):
            raise TransformError("a date without a time")
        raise TransformError(f"expected a datetime, got {_kind(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise TransformError("datetime has no time zone")
    return value.astimezone(UTC)


# --- or_find ---------------------------------------------------------------------------------------


class OrFindArgs(Args):
    in_: KeyPath = Field(alias="in")
    pattern: re.Pattern[str]
    group: int = Field(0, ge=0, le=99)

    @field_validator("in_", mode="before")
    @classmethod
    def _path(cls, value: Any) -> KeyPath:
        return _parse_path(value)

    @field_validator("pattern", mode="before")
    @classmethod
    def _pattern(cls, value: Any) -> re.Pattern[str]:
        return _regex(value)

    @model_validator(mode="after")
    def _group_exists(self) -> OrFindArgs:
        if self.group > self.pattern.groups:
            raise PydanticCustomError(
                "group", "group {group} does not exist: the pattern has {n} capture group(s)",
                {"group": self.group, "n": self.pattern.groups},
            )  # fmt: skip
        return self


@register("or_find", args=OrFindArgs, returns=(str,), handles_none=True)
def _or_find(value: Any, args: OrFindArgs, ctx: Context) -> Any:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is not None and not isinstance(value, str):
        return value
    text = _read_text(args.in_, ctx)
    if text is None:
        return None
    found = args.pattern.search(text)
    return found.group(args.group) if found else None


# --- document_kind ---------------------------------------------------------------------------------


class KindRule(Args):
    """``{match: '^proposal\\b', kind: PROPOSAL}`` (the name matches) and/or ``{where: {...}, kind: ...}``
    (the record passes a ``mappings.filters`` filter); a rule with both needs both to hold."""

    match: re.Pattern[str] | None = None
    where: Filter | None = None
    kind: str = Field(min_length=1)

    @field_validator("match", mode="before")
    @classmethod
    def _pattern(cls, value: Any) -> re.Pattern[str] | None:
        return None if value is None else _regex(value, re.IGNORECASE)

    @field_validator("where", mode="before")
    @classmethod
    def _filter(cls, value: Any) -> Filter | None:
        if value is None or isinstance(value, Filter):
            return value
        try:
            return Filter.parse(value)
        except PathSyntaxError as exc:
            where = ".".join(map(str, exc.loc))
            reason = f"filter key {where!r}: {exc.reason}" if where else exc.reason
            raise PydanticCustomError("filter", reason) from None

    @model_validator(mode="after")
    def _says_something(self) -> KindRule:
        if self.match is None and self.where is None:
            raise PydanticCustomError(
                "rule", "a rule needs 'match' (a name pattern), 'where' (a filter) or both"
            )
        return self

    def holds(self, name: str | None, ctx: Context) -> bool:
        if self.where is not None and not self.where.matches(ctx.record):
            return False
        return self.match is None or (name is not None and self.match.search(name) is not None)


class DocumentKindArgs(Args):
    tags: dict[str, str] = Field(default_factory=dict)
    name_from: KeyPath = KeyPath(("name",))
    rules: list[KindRule] = Field(default_factory=list)
    default: str | None = None

    @field_validator("name_from", mode="before")
    @classmethod
    def _path(cls, value: Any) -> KeyPath:
        return _parse_path(value)

    @field_validator("tags")
    @classmethod
    def _folded(cls, value: dict[str, str]) -> dict[str, str]:
        folded: dict[str, str] = {}
        for tag, kind in value.items():
            key = tag.strip().casefold()
            if not key:
                raise PydanticCustomError("tag", "a tag must not be blank")
            if key in folded:
                raise PydanticCustomError(
                    "tag", "tag '{tag}' is listed twice (tags ignore case)", {"tag": key}
                )
            folded[key] = kind
        return folded

    def by_tag(self, tag: str) -> str | None:
        return self.tags.get(tag.strip().casefold())


def _kind_literals(args: DocumentKindArgs) -> list[tuple[Loc, Any]]:
    found: list[tuple[Loc, Any]] = [(("tags", tag), kind) for tag, kind in args.tags.items()]
    found += [(("rules", n, "kind"), rule.kind) for n, rule in enumerate(args.rules)]
    return [*found, (("default",), args.default)]


@register("document_kind", args=DocumentKindArgs, returns=(str,), handles_none=True, literals=_kind_literals)
def _document_kind(value: Any, args: DocumentKindArgs, ctx: Context) -> str | None:
    if isinstance(value, str):
        if (kind := args.by_tag(value)) is not None:
            return kind
    elif value is not None:
        raise TransformError(f"expected a kind tag, got {_kind(value)}")
    name = _read_text(args.name_from, ctx)
    for rule in args.rules:
        if rule.holds(name, ctx):
            return rule.kind
    return args.default
