"""The CLI as a newcomer uses it: real processes on loopback ports, no in-process shortcuts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from hub.sandbox.runner import free_port, sandbox_settings

HUB = [sys.executable, "-m", "hub.cli"]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
            "HUB_SECRET_KEY": Fernet.generate_key().decode(),
            "HUB_CONFIG_FILE": str(tmp_path / "none.toml"),
            "COLUMNS": "250",
        }
    )
    env.update(extra)
    return env


def test_demo_serves_graphiql_and_merged_customers(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*HUB, "demo", "--port", str(port), "--database", str(tmp_path / "demo.db")],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/healthz", proc)
        page = httpx.get(f"{base}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        body = httpx.post(
            f"{base}/graphql",
            timeout=30,
            json={
                "query": "{ customers(first: 100) { totalCount "
                "edges { node { name openBalance { amount } sources { system } } } } }"
            },
        ).json()
        assert "errors" not in body
        customers = body["data"]["customers"]
        assert customers["totalCount"] >= 60
        merged = [e for e in customers["edges"] if len(e["node"]["sources"]) == 2]
        assert len(merged) >= 40 and any(e["node"]["openBalance"] for e in merged)
        metrics = httpx.get(f"{base}/metrics").text
        assert (
            'hub_upstream_requests_total{endpoint="data_source.query",source="notion",status="200"}'
            in metrics
        )
    finally:
        _stop(proc)


@pytest.fixture
def simulators(tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {"notion": free_port(), "quickbooks": free_port(), "odoo": free_port()}
    proc = subprocess.Popen(
        [
            *HUB,
            "sandbox",
            "--notion-port",
            str(ports["notion"]),
            "--quickbooks-port",
            str(ports["quickbooks"]),
            "--odoo-port",
            str(ports["odoo"]),
        ],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        _wait_http(urls["quickbooks"] + "/v3/company/x/query", proc)
        _wait_http(urls["notion"] + "/v1/users/me", proc)
        yield urls
    finally:
        _stop(proc)


def _settings_env(tmp_path: Path, urls: dict[str, str]) -> dict[str, str]:
    env = {}
    for section, values in sandbox_settings(urls).items():
        for key, value in values.items():
            env[f"HUB_{section.upper()}__{key.upper()}"] = str(value)
    return _env(tmp_path, **env)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_auth_check_and_identity_commands(tmp_path: Path, simulators: dict[str, str]) -> None:
    env = _settings_env(tmp_path, simulators)
    # Before authorising, check says exactly what to do about QuickBooks.
    result = _run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "quickbooks" in result.stdout and "hub auth quickbooks" in result.stdout.replace("\n", " ")

    # The consent page of the simulator redirects straight back with a code, as Intuit's does.
    query = urlencode(
        {
            "client_id": env["HUB_QUICKBOOKS__CLIENT_ID"],
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "state": "s",
            "redirect_uri": "http://127.0.0.1:8000/auth/quickbooks/callback",
        }
    )
    location = httpx.get(f"{simulators['quickbooks']}/connect/oauth2?{query}").headers["location"]
    params = parse_qs(urlsplit(location).query)
    result = _run(
        ["auth", "quickbooks", "--code", params["code"][0], "--realm-id", params["realmId"][0]], env, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "authorised" in result.stdout
    secret = env["HUB_QUICKBOOKS__CLIENT_SECRET"]
    assert secret not in (tmp_path / "hub.db").read_bytes().decode("latin-1")

    result = _run(["check"], env, tmp_path)
    assert result.returncode == 0, result.stdout
    for word in ("settings", "mappings", "store", "notion", "quickbooks", "odoo"):
        assert word in result.stdout
    assert "FAIL" not in result.stdout

    result = _run(["identity", "list"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "explicit" in result.stdout and "email" in result.stdout

    bad = _settings_env(tmp_path, simulators) | {"HUB_NOTION__TOKEN": "ntn_wrong"}
    result = _run(["check"], bad, tmp_path)
    assert result.returncode == 1 and "FAIL" in result.stdout and "ntn_wrong" not in result.stdout


def test_a_bad_mapping_stops_start_up_naming_file_path_and_reason(tmp_path: Path) -> None:
    mappings = tmp_path / "shop-mappings"
    mappings.mkdir()
    shipped = Path(__file__).resolve().parents[1] / "mappings"
    for name in ("customers.notion.yaml", "customers.quickbooks.yaml"):
        (mappings / name).write_text((shipped / name).read_text())
    text = (
        (mappings / "customers.quickbooks.yaml")
        .read_text()
        .replace("transform: [strip, lower]", "transform: [strip, lowr]", 1)
    )
    assert "lowr" in text
    (mappings / "customers.quickbooks.yaml").write_text(text)
    env = _env(
        tmp_path, HUB_MAPPINGS_DIR=str(mappings), HUB_NOTION__TOKEN="x", HUB_QUICKBOOKS__ENABLED="false"
    )
    result = _run(["check"], env, tmp_path)
    assert result.returncode == 1
    out = " ".join((result.stdout + result.stderr).split())
    assert "customers.quickbooks.yaml" in out and "lowr" in out and "fields.email" in out


SCENARIOS = Path(__file__).resolve().parent / "promise" / "scenarios"


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_promise_scenario_reproduces_the_worked_examples(name: str) -> None:
    import json

    from typer.testing import CliRunner

    from hub.cli import app
    from hub.promise import run_scenario

    result = CliRunner().invoke(app, ["promise", "--scenario", str(SCENARIOS / name)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == run_scenario(SCENARIOS / name)


def test_promise_scenario_bad_file_names_the_path(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    bad = tmp_path / "bad.yaml"
    text = (
        (SCENARIOS / "stock_only.yaml").read_text().replace("lead_time_days: 10}", "lead_time_days: two}", 1)
    )
    bad.write_text(text)
    result = CliRunner().invoke(app, ["promise", "--scenario", str(bad)], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert "bad.yaml" in result.output and "lead_time_days" in result.output
