"""The public surface of ``mappings`` is pinned, and the examples in its docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

import mappings


def test_public_api_is_pinned() -> None:
    assert mappings.__all__ == [
        "ENTITIES",
        "SQL_INVENTORY_ENTITIES",
        "TRANSFORMS",
        "Address",
        "EntityMapping",
        "EntitySchema",
        "FieldDef",
        "Mapped",
        "MappingSet",
        "Money",
        "SqlInventoryMapping",
        "load_inventory_sql",
        "load_mappings",
        "parse_inventory_sql",
        "parse_mapping",
    ]
    assert all(hasattr(mappings, name) for name in mappings.__all__)


@pytest.mark.parametrize(
    "module", ["mappings", "mappings.values", "mappings.paths", "mappings.loader", "mappings.filters"]
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_mappings_import_nothing_of_ours_but_hub_errors() -> None:
    import ast
    from pathlib import Path

    for path in Path(mappings.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                assert top not in {"hub", "connectors", "schema"} or name == "hub.errors", (
                    f"{path.name}: {name}"
                )
