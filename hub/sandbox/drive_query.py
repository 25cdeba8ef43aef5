"""Drive's ``q`` search language for ``files.list``, compiled to a predicate over stored files.

Query terms and operators as in https://developers.google.com/workspace/drive/api/guides/ref-search-terms:
``name`` (contains, =, !=), ``fullText`` (contains), ``mimeType`` (contains, =, !=), ``modifiedTime`` /
``createdTime`` (<, <=, =, !=, >, >=; RFC 3339, UTC when no offset), ``trashed`` / ``starred`` (=, !=
true/false), ``'<id>' in parents``, ``'<email>' in owners``, ``appProperties`` / ``properties has
{ key='k' and value='v' }``; combined with ``and``, ``or``, ``not`` and parentheses. Strings are single
quoted with ``\\'`` and ``\\\\`` escapes. Anything else is a ``QueryError`` (Drive answers 400 ``invalid``).

Surprising but documented: ``name contains`` matches prefixes only, at the start of the name or of a
word in it (``'Hello'`` finds "HelloWorld", ``'World'`` does not); ``fullText contains`` matches
anywhere in the name, description or document text.

>>> match = compile_query("name contains 'proposal' and not trashed = true")
>>> match({"name": "Proposal E-1001.pdf", "trashed": False}, "")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hub.sandbox.drive_files import FOLDER, parse_drive_time

__all__ = ["Predicate", "QueryError", "compile_query", "order_files"]

Predicate = Callable[[dict[str, Any], str], bool]  # (stored File, searchable document text) -> match

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op>!=|<=|>=|=|<|>)|(?P<punct>[(){}])|(?P<word>[A-Za-z_][\w.]*))"
)
_TIME_FIELDS = {"modifiedTime", "createdTime", "viewedByMeTime", "modifiedByMeTime", "sharedWithMeTime"}
_TEXT_OPS = {
    "name": {"contains", "=", "!="},
    "mimeType": {"contains", "=", "!="},
    "fullText": {"contains"},
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class QueryError(ValueError):
    """The query is not valid Drive search syntax (or uses a term the simulator does not know)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None or found.end() == pos:
            raise QueryError(f"unexpected character at {pos}: {text[pos : pos + 10]!r}")
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = found.end()
    return out


def _name_contains(name: str, value: str) -> bool:
    name, value = name.casefold(), value.casefold()
    if not value:
        return True
    start = name.find(value)
    while start != -1:
        if start == 0 or not name[start - 1].isalnum():
            return True
        start = name.find(value, start + 1)
    return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise QueryError(f"expected {value or kind} at token {self.pos}")
        self.pos += 1
        return token[1]

    def parse(self) -> Predicate:
        if not self.items:
            raise QueryError("empty query")
        predicate = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda f, t: any(p(f, t) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda f, t: all(p(f, t) for p in parts)

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda f, t: not inner(f, t)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.peek()
        if token is None:
            raise QueryError("query ends too early")
        if token == ("punct", "("):
            self.pos += 1
            inner = self.disjunction()
            self.take("punct", ")")
            return inner
        if token[0] == "str":  # 'value' in collection
            self.pos += 1
            value = token[1]
            if not self.keyword("in"):
                raise QueryError("a quoted value must be followed by 'in'")
            return self.membership(self.take("word"), value)
        return self.term(self.take("word"))

    def membership(self, field: str, value: str) -> Predicate:
        if field == "parents":
            return lambda f, t: value in f.get("parents", [])
        if field in {"owners", "writers", "readers"}:
            return lambda f, t: any(o.get("emailAddress") == value for o in f.get("owners", []))
        raise QueryError(f"'in' is not supported for {field!r}")

    def operator(self) -> str:
        token = self.peek()
        if token and token[0] == "op":
            self.pos += 1
            return token[1]
        if self.keyword("contains"):
            return "contains"
        if self.keyword("has"):
            return "has"
        raise QueryError("expected an operator")

    def term(self, field: str) -> Predicate:
        op = self.operator()
        if field in {"appProperties", "properties"}:
            if op != "has":
                raise QueryError(f"{field} supports only 'has'")
            return self.property_match(field)
        if field in _TEXT_OPS:
            if op not in _TEXT_OPS[field]:
                raise QueryError(f"operator {op!r} is not valid for {field}")
            return self.text_term(field, op, self.take("str"))
        if field in _TIME_FIELDS:
            if op not in _COMPARE:
                raise QueryError(f"operator {op!r} is not valid for {field}")
            try:
                bound = parse_drive_time(self.take("str"))
            except ValueError as exc:
                raise QueryError(f"invalid time for {field}") from exc
            compare = _COMPARE[op]
            return lambda f, t: field in f and compare(parse_drive_time(f[field]), bound)
        if field in {"trashed", "starred", "sharedWithMe"}:
            if op not in {"=", "!="}:
                raise QueryError(f"operator {op!r} is not valid for {field}")
            word = self.take("word").lower()
            if word not in {"true", "false"}:
                raise QueryError(f"{field} takes true or false")
            wanted, equal = word == "true", op == "="
            key = "shared" if field == "sharedWithMe" else field
            return lambda f, t: (bool(f.get(key, False)) == wanted) == equal
        raise QueryError(f"unknown query term {field!r}")

    def text_term(self, field: str, op: str, value: str) -> Predicate:
        if field == "fullText":
            needle = value.strip('"').casefold()
            return lambda f, t: (
                needle in " ".join((f.get("name", ""), f.get("description", ""), t)).casefold()
            )
        if op == "contains":
            if field == "name":
                return lambda f, t: _name_contains(f.get("name", ""), value)
            return lambda f, t: value in f.get(field, "")
        equal = op == "="
        return lambda f, t: (f.get(field) == value) == equal

    def property_match(self, field: str) -> Predicate:
        self.take("punct", "{")
        self.take("word", "key")
        self.take("op", "=")
        key = self.take("str")
        if not self.keyword("and"):
            raise QueryError("expected 'and value='")
        self.take("word", "value")
        self.take("op", "=")
        value = self.take("str")
        self.take("punct", "}")
        return lambda f, t: f.get(field, {}).get(key) == value


def compile_query(text: str) -> Predicate:
    """Compile a ``q`` string; raises ``QueryError`` when Drive would answer 400 Invalid Value."""
    return _Parser(text).parse()


_ORDER_KEYS = {"createdTime", "folder", "modifiedTime", "name", "name_natural", "starred"}


def order_files(files: list[dict[str, Any]], order_by: str | None) -> list[dict[str, Any]]:
    """Sort by an ``orderBy`` value ("folder,name", "modifiedTime desc"); unchanged when empty."""
    if not order_by:
        return files
    keys = [part.split() for part in order_by.split(",") if part.strip()]
    for words in reversed(keys):  # stable sorts from the last key to the first
        if words[0] not in _ORDER_KEYS or len(words) > 2 or (len(words) == 2 and words[1] != "desc"):
            raise QueryError(f"Invalid sort key: {' '.join(words)}")
        name, descending = words[0], len(words) == 2

        def key(f: dict[str, Any], name: str = name) -> Any:
            if name == "folder":
                return f["mimeType"] != FOLDER  # folders first when ascending
            value = f.get("name" if name == "name_natural" else name, "")
            return value.casefold() if isinstance(value, str) and name.startswith("name") else value

        files = sorted(files, key=key, reverse=descending)
    return files
