"""``hub sync ...`` and ``hub worker`` as an operator runs them: real processes against ``hub sandbox``."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.test_cli import _run, _settings_env, simulators  # noqa: F401  (simulators is a fixture)

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"


def _authorise(env: dict[str, str], urls: dict[str, str], cwd: Path) -> None:
    query = urlencode(
        {
            "client_id": env["HUB_QUICKBOOKS__CLIENT_ID"],
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "state": "s",
            "redirect_uri": "http://127.0.0.1:8000/auth/quickbooks/callback",
        }
    )
    location = httpx.get(f"{urls['quickbooks']}/connect/oauth2?{query}").headers["location"]
    params = parse_qs(urlsplit(location).query)
    result = _run(
        ["auth", "quickbooks", "--code", params["code"][0], "--realm-id", params["realmId"][0]], env, cwd
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dry_run_run_second_run_worker_and_reconcile(tmp_path: Path, simulators: dict[str, str]) -> None:  # noqa: F811
    env = _settings_env(tmp_path, simulators)
    _authorise(env, simulators, tmp_path)

    dry = _run(["sync", "invoices", "--dry-run", "--format", "json"], env, tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    body = json.loads(dry.stdout)
    assert body["run"]["dry_run"] is True and body["run"]["counts"]["planned"] == 2
    assert {(r["order"], r["action"], r["amount"]) for r in body["invoices"]} == {
        ("SO-1001", "create", "3087.00"),
        ("SO-1002", "create", "3224.00"),
    }

    real = _run(["sync", "invoices", "--format", "csv"], env, tmp_path)
    assert real.returncode == 0, real.stdout + real.stderr
    rows = list(csv.DictReader(io.StringIO(real.stdout)))
    assert sorted((r["order"], r["action"]) for r in rows) == [("SO-1001", "created"), ("SO-1002", "created")]
    assert all(r["invoice"] and r["invoice_url"] for r in rows)
    assert "creating invoices" in real.stderr  # plain progress lines when stdout is not a terminal

    again = _run(["sync", "invoices"], env, tmp_path)
    assert again.returncode == 0 and "planned 0" in again.stdout and "created 0" in again.stdout

    worker = _run(["worker", "--once"], env, tmp_path)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "invoices run" in worker.stdout and "payments run" in worker.stdout

    report = _run(["sync", "reconcile", "--format", "json"], env, tmp_path)
    assert report.returncode == 0 and json.loads(report.stdout) == {"mismatches": []}


def test_a_bad_sync_file_is_a_configuration_error(tmp_path: Path, simulators: dict[str, str]) -> None:  # noqa: F811
    mappings = tmp_path / "shop-mappings"
    shutil.copytree(SHIPPED, mappings, ignore=shutil.ignore_patterns("*.py", "__pycache__", "examples"))
    (mappings / "sync.invoices.yaml").write_text(
        "version: 1\nstatuses: [Delivered]\ninvoiced_status: Delivered\n"
    )
    env = _settings_env(tmp_path, simulators) | {"HUB_MAPPINGS_DIR": str(mappings)}
    result = _run(["sync", "invoices", "--dry-run"], env, tmp_path)
    assert result.returncode == 2
    out = " ".join(result.stderr.split())
    assert "sync.invoices.yaml: invoiced_status:" in out and "would be invoiced again" in out
