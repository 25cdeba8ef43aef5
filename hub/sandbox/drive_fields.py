"""Partial responses: Google's ``fields`` parameter, parsed and applied to a JSON body.

Syntax as in https://developers.google.com/workspace/drive/api/guides/fields-parameter: a comma list of
selectors, ``a/b`` for a sub-field, ``a(b,c)`` for several sub-fields of every element, ``*`` for all.
A selection naming an unknown field is a 400 (``Invalid field selection x``). Note the classic trap this
reproduces: ``fields=files(id)`` leaves ``nextPageToken`` out, so a client that forgets it sees one page.

>>> project({"kind": "drive#fileList", "files": [{"id": "1", "name": "a"}]}, parse_fields("files(id)"))
{'files': [{'id': '1'}]}
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FieldTree", "FieldsError", "Schema", "check_fields", "parse_fields", "project"]

FieldTree = dict[str, "FieldTree | None"]  # None: the whole value
Schema = dict[str, "Schema | None"]  # None: any sub-selection is allowed

_TOKEN = re.compile(r"\s*([A-Za-z_*][\w*]*|[(),/])")


class FieldsError(ValueError):
    """The ``fields`` parameter is malformed or names an unknown field."""


def _merge(tree: FieldTree, key: str, sub: FieldTree | None) -> None:
    if key in tree and tree[key] is None:
        return  # the whole value is already selected
    if sub is None or key not in tree:
        tree[key] = sub if sub is None else dict(sub)
        return
    target = tree[key]
    assert target is not None
    for name, child in sub.items():
        _merge(target, name, child)


def parse_fields(text: str) -> FieldTree:
    """Parse a ``fields`` value into a tree of selected names."""
    tokens: list[str] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None:
            raise FieldsError(f"Invalid field selection {text}")
        tokens.append(found.group(1))
        pos = found.end()
    tree, rest = _parse_list(tokens, 0)
    if rest != len(tokens) or not tree:
        raise FieldsError(f"Invalid field selection {text}")
    return tree


def _parse_list(tokens: list[str], pos: int) -> tuple[FieldTree, int]:
    tree: FieldTree = {}
    while pos < len(tokens):
        path = [tokens[pos]]
        if path[0] in "(),/":
            raise FieldsError(f"Invalid field selection {tokens[pos]}")
        pos += 1
        while pos < len(tokens) and tokens[pos] == "/":
            if pos + 1 >= len(tokens) or tokens[pos + 1] in "(),/":
                raise FieldsError("Invalid field selection /")
            path.append(tokens[pos + 1])
            pos += 2
        sub: FieldTree | None = None
        if pos < len(tokens) and tokens[pos] == "(":
            sub, pos = _parse_list(tokens, pos + 1)
            if pos >= len(tokens) or tokens[pos] != ")" or not sub:
                raise FieldsError("Invalid field selection: unbalanced parentheses")
            pos += 1
        for name in reversed(path[1:]):
            sub = {name: sub}
        _merge(tree, path[0], sub)
        if pos < len(tokens) and tokens[pos] == ",":
            pos += 1
            continue
        break
    return tree, pos


def check_fields(tree: FieldTree, schema: Schema) -> None:
    """Raise ``FieldsError`` for a name the response type does not have."""
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in schema:
            raise FieldsError(f"Invalid field selection {name}")
        child = schema[name]
        if sub is not None and child is not None:
            check_fields(sub, child)


def _apply(value: Any, sub: FieldTree | None) -> Any:
    if sub is None:
        return value
    if isinstance(value, list):
        return [_apply(item, sub) for item in value]
    if isinstance(value, dict):
        return project(value, sub)
    return value


def project(body: dict[str, Any], tree: FieldTree) -> dict[str, Any]:
    """Keep only the selected fields of ``body`` (absent fields stay absent)."""
    if "*" in tree:
        wildcard = tree["*"]
        out = {key: _apply(value, wildcard) for key, value in body.items()}
        for name, sub in tree.items():
            if name != "*" and name in body:
                out[name] = _apply(body[name], sub)
        return out
    return {name: _apply(body[name], sub) for name, sub in tree.items() if name in body}
