"""Tables of valid and invalid SQL inventory mapping files, with the exact message each invalid one gives."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import mappings.inventory_sql
from hub.errors import ConfigError, MappingError
from mappings import SQL_INVENTORY_ENTITIES, load_inventory_sql, parse_inventory_sql

EXAMPLE = Path(mappings.inventory_sql.__file__).parent / "examples" / "inventory.sql.yaml"

ITEMS = (
    "SELECT code AS sku, title AS name, uom AS unit, kind, make_or_buy, lead AS lead_time_days FROM products"
)
STOCK = "SELECT code AS sku, bin AS location, qty AS on_hand FROM stock"


def mapping(stock: str = STOCK, extra: str = "", head: str = "") -> str:
    """Line 1 version, 2 entities, 3-4 items, 5-6 stock, 7- ``extra`` entities; ``head`` goes first."""
    return f"{head}version: 1\nentities:\n  items:\n    query: {ITEMS}\n  stock:\n    query: {stock}\n{extra}"


VALID = [
    pytest.param(mapping(), "minimal"),
    pytest.param(mapping(stock=STOCK + ";"), "trailing-semicolon"),
    pytest.param(mapping(stock=f"'{STOCK}; -- done'"), "semicolon-then-comment"),
    pytest.param(
        mapping(stock=f"\"{STOCK} WHERE status <> 'deleted; dropped' AND note <> 'DROP TABLE'\""),
        "keywords-and-semicolons-in-strings",
    ),
    pytest.param(mapping(stock=f'"{STOCK} /* never DELETE here */ -- nor UPDATE"'), "keywords-in-comments"),
    pytest.param(
        mapping(stock="SELECT code AS sku, bin AS location, qty::numeric AS ON_HAND FROM stock"),
        "postgres-cast-and-upper-case-alias",
    ),
    pytest.param(mapping(stock="SELECT * FROM stock_view"), "star-is-checked-at-start-up"),
    pytest.param(
        mapping(stock=f"{STOCK} WHERE counted_at < :now AND opens > '10:30'"), "now-and-colon-literal"
    ),
    pytest.param(mapping(stock=f"WITH s AS ({STOCK}) SELECT sku, location, on_hand FROM s"), "with"),
    pytest.param(
        mapping(
            extra="  calendars:\n    query: SELECT code AS id, label AS name, tz AS timezone "
            "FROM shifts\n  calendar_hours:\n    query: 'SELECT shift AS calendar_id, "
            'dow AS weekday, opens AS start, closes AS "end" FROM hours\'\n'
        ),
        "quoted-reserved-alias",
    ),
    pytest.param(mapping(head="timezone: America/New_York\ndescription: shop db\n"), "timezone"),
]


@pytest.mark.parametrize(("text", "case"), VALID)
def test_valid_files_load(text: str, case: str) -> None:
    spec = parse_inventory_sql(text, "ok.sql.yaml")
    assert spec.file == "ok.sql.yaml" and spec.version == 1
    assert {"items", "stock"} <= set(spec.queries)
    assert not spec.queries["stock"].rstrip().endswith(";")


def test_a_trailing_semicolon_is_removed_so_the_query_can_be_wrapped() -> None:
    spec = parse_inventory_sql(mapping(stock=f"'{STOCK} ;  -- done'"), "ok.sql.yaml")
    assert spec.queries["stock"] == f"{STOCK}   -- done"
    assert spec.timezone == "UTC" and spec.description is None


def test_the_example_mapping_maps_every_entity() -> None:
    spec = load_inventory_sql(EXAMPLE)
    assert (spec.file, spec.timezone) == ("inventory.sql.yaml", "Europe/London")
    assert list(spec.queries) == list(SQL_INVENTORY_ENTITIES)


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SQL inventory mapping .*nope.sql.yaml does not exist"):
        load_inventory_sql(tmp_path / "nope.sql.yaml")


def test_docstring_example_runs() -> None:
    result = doctest.testmod(mappings.inventory_sql)
    assert result.attempted > 0 and result.failed == 0


def query_error(reason: str) -> str:
    return f"entities.stock.query: {reason} (line 6)"


INVALID = [
    pytest.param(mapping(extra="colour: red\n"), "colour: unknown key (line 7)", id="unknown-top-key"),
    pytest.param(
        mapping(extra="  stok:\n    query: SELECT 1 AS sku\n"),
        "entities.stok: unknown entity 'stok' (did you mean 'stock'?) (line 7)",
        id="unknown-entity",
    ),
    pytest.param(
        mapping(extra="  boms:\n    query: SELECT a AS sku, b AS output_quantity FROM r\n    qurey: x\n"),
        "entities.boms.qurey: unknown key (line 9)",
        id="unknown-entity-key",
    ),
    pytest.param(
        mapping(extra="  boms: {description: recipes}\n"),
        "entities.boms.query: missing required key (line 7)",
        id="missing-query",
    ),
    pytest.param(
        mapping(stock="42"),
        "entities.stock.query: expected a string, got an integer (line 6)",
        id="query-not-text",
    ),
    pytest.param(mapping(stock="''"), "entities.stock.query: must not be empty (line 6)", id="empty-query"),
    pytest.param(mapping(stock="'-- nothing to see'"), query_error("contains no SQL"), id="only-a-comment"),
    pytest.param(
        mapping().replace("version: 1", "version: 2"),
        "version: unsupported version 2 (supported: 1) (line 1)",
        id="version",
    ),
    pytest.param(
        "version: 1\nentities:\n  stock:\n    query: " + STOCK + "\n",
        "entities: missing required entity 'items' (line 2)",
        id="missing-items",
    ),
    pytest.param(
        "version: 1\nentities: [items, stock]\n",
        "entities: expected a mapping, got a list (line 2)",
        id="entities-not-a-mapping",
    ),
    pytest.param(
        mapping(head="timezone: Europe/Londn\n"),
        "timezone: unknown time zone 'Europe/Londn' (line 1)",
        id="timezone",
    ),
    pytest.param(
        mapping(extra="  holidays:\n    query: SELECT c AS calendar_id, d AS start, n AS name FROM h\n"),
        "entities.holidays: belongs to a calendar: map 'calendars' too (line 7)",
        id="holidays-without-calendars",
    ),
    pytest.param(
        mapping(stock=f"{STOCK}; DROP TABLE stock"),
        query_error("must be a single statement (found ';' between statements)"),
        id="two-statements",
    ),
    pytest.param(
        mapping(stock="DELETE FROM stock RETURNING code AS sku, bin AS location, qty AS on_hand"),
        query_error("must start with SELECT or WITH, not 'DELETE'"),
        id="dml-statement",
    ),
    pytest.param(
        mapping(stock="'(SELECT 1)'"),
        query_error("must start with SELECT or WITH, not '(SELECT'"),
        id="parenthesised",
    ),
    pytest.param(
        mapping(stock=f"WITH gone AS (DELETE FROM stock RETURNING *) {STOCK}"),
        query_error("only reads are allowed; found DELETE"),
        id="data-modifying-cte",
    ),
    pytest.param(
        mapping(stock=f"{STOCK} FOR UPDATE"),
        query_error("only reads are allowed; found UPDATE"),
        id="row-locks",
    ),
    pytest.param(
        mapping(stock="SELECT code AS sku, bin AS location, qty AS on_hand INTO stock_copy FROM stock"),
        query_error("only reads are allowed; found INTO"),
        id="select-into",
    ),
    pytest.param(
        mapping(stock=f"{STOCK} WHERE updated_at > :since AND bin = :bin"),
        query_error("unknown parameter :bin, :since (available: :now)"),
        id="unknown-parameters",
    ),
    pytest.param(
        mapping(stock=f"\"{STOCK} WHERE note <> ' :later'\""),
        query_error("unknown parameter :later (available: :now)"),
        id="parameter-inside-a-string",
    ),
    pytest.param(
        mapping(stock=f"{STOCK} WHERE bin = ?"),
        query_error("positional parameters are not supported; use :now"),
        id="positional-qmark",
    ),
    pytest.param(
        mapping(stock=f"{STOCK} WHERE bin = $1"),
        query_error("positional parameters are not supported; use :now"),
        id="positional-dollar",
    ),
    pytest.param(
        mapping(stock="SELECT code AS sku, bin AS location, qty FROM stock"),
        query_error("returns no 'on_hand' column (alias the shop's column, e.g. SELECT qty AS on_hand)"),
        id="missing-column",
    ),
    pytest.param(
        mapping(stock="SELECT code AS sku, qty FROM stock"),
        query_error(
            "returns no 'location', 'on_hand' column (alias the shop's column, e.g. SELECT qty AS location)"
        ),
        id="missing-columns",
    ),
    pytest.param(
        mapping(stock=f'"{STOCK} WHERE bin <> \'A"'),
        query_error("unterminated quoted text"),
        id="unterminated-string",
    ),
    pytest.param(
        mapping(stock=f"{STOCK} /* open"), query_error("unterminated comment"), id="unterminated-comment"
    ),
    pytest.param(
        mapping(extra="  stock:\n    query: x\n"),
        "entities.stock: duplicate key (first at line 5, again at line 7)",
        id="duplicate-yaml-key",
    ),
    pytest.param("- just\n- a list\n", "expected a mapping with version and entities", id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_files_say_where_and_why(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_inventory_sql(text, "shop.sql.yaml")
    assert str(caught.value) == f"shop.sql.yaml: {message}"
    assert caught.value.file == "shop.sql.yaml"
