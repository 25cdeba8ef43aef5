"""The ``hub`` command: serve, demo, check, auth, identity overrides, sandbox."""

from __future__ import annotations

import asyncio
import logging
import os
import webbrowser
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from hub.errors import HubError
from hub.settings import Settings
from hub.sync_cli import sync_app, worker

app = typer.Typer(
    help="Sales Hub: one GraphQL endpoint over Notion, QuickBooks Online and more.",
    no_args_is_help=True,
    add_completion=False,
)
auth_app = typer.Typer(help="Authorise the hub with a vendor (OAuth).", no_args_is_help=True)
identity_app = typer.Typer(
    help="Inspect and override how source records are merged into customers.", no_args_is_help=True
)
app.add_typer(auth_app, name="auth")
app.add_typer(identity_app, name="identity")
webhooks_app = typer.Typer(help="Vendor webhooks set-up.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(sync_app, name="sync")
console = Console()

HostOpt = Annotated[str, typer.Option(help="interface to listen on")]
PortOpt = Annotated[int, typer.Option(help="port to listen on")]


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except Exception as exc:  # pydantic's ValidationError lists every bad setting
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(1)


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; upstream URLs (and their query strings) stay out of logs.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Serve the hub against the configured (real or sandbox) sources."""
    from hub.app import create_app

    settings = _settings()
    _logging(settings)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


async def _demo(host: str, port: int, database: Path) -> None:
    from hub.app import create_app
    from hub.authorise import authorise_quickbooks
    from hub.sandbox.runner import SandboxServers, sandbox_authorization_code, sandbox_settings
    from hub.store import Store

    base = Settings()
    sandbox = SandboxServers(settings=base.sandbox)
    # The simulators send their webhooks (signed as the vendors sign them) to this hub.
    urls = await sandbox.start(hub_url=f"http://{host}:{port}")
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_suffix(".key")):
        stale.unlink(missing_ok=True)
    overrides = sandbox_settings(urls)
    overrides["database_url"] = f"sqlite+aiosqlite:///{database}"
    settings = _settings(**overrides)
    _logging(settings)
    q = settings.quickbooks
    # The hub is authorised exactly as with the real QuickBooks: authorization code, then tokens.
    code, realm = await sandbox_authorization_code(
        q.authorize_url, client_id=q.client_id or "", redirect_uri=q.redirect_uri, scopes=q.scopes
    )
    store = await Store.open(settings.database_url, secret_key=settings.secret_key)
    try:
        credential = await authorise_quickbooks(settings, store, code=code, realm_id=realm)
    finally:
        await store.close()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
    )
    console.print(
        f"[green]Sales Hub demo[/green] GraphiQL: http://{host}:{port}/graphql  "
        f"metrics: http://{host}:{port}/metrics"
    )
    console.print(
        "sandbox simulators: " + "  ".join(f"{name} {url}" for name, url in urls.items()) + "  "
        f"(credential {credential})"
    )
    try:
        await server.serve()
    finally:
        await sandbox.stop()


@app.command()
def demo(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    database: Annotated[Path, typer.Option(help="demo store (recreated at start)")] = Path(".hub/demo.db"),
) -> None:
    """Start the sandboxed costume shop (Notion and QuickBooks simulators) and GraphiQL over it."""
    try:
        asyncio.run(_demo(host, port, database))
    except HubError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        pass


@app.command()
def check() -> None:
    """Validate settings and mappings, then ping every enabled source."""
    from hub.runtime import Hub

    async def run() -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = [("settings", "ok", "loaded")]
        settings = _settings()
        hub = await Hub.start(settings)
        try:
            rows.append(
                (
                    "mappings",
                    "ok",
                    ", ".join(f"{m.entity}/{m.source}" for m in hub.mappings.for_entity("customer")),
                )
            )
            rows.append(("store", "ok", hub.store.dialect))
            pingable: dict[str, Any] = dict(hub.sources)
            if hub.inventory is not None:
                pingable[hub.inventory.source.name] = hub.inventory.source
            for name, source in pingable.items():
                try:
                    result = await source.ping()
                    rows.append((name, "ok" if result.ok else "FAIL", result.detail))
                except HubError as exc:
                    rows.append((name, "FAIL", f"{exc.code}: {exc}"))
        finally:
            await hub.close()
        return rows

    try:
        rows = asyncio.run(run())
    except HubError as exc:
        _fail(exc)
        return
    table = Table("check", "result", "detail")
    for row in rows:
        table.add_row(*row, style=None if row[1] == "ok" else "red")
    console.print(table)
    if any(row[1] != "ok" for row in rows):
        raise typer.Exit(1)


@auth_app.command("quickbooks")
def auth_quickbooks(
    code: Annotated[str | None, typer.Option(help="authorization code, if you already have one")] = None,
    realm_id: Annotated[str | None, typer.Option(help="realmId from the redirect")] = None,
    open_browser: Annotated[bool, typer.Option(help="open the consent page in a browser")] = True,
) -> None:
    """Authorise with QuickBooks Online (authorization-code grant) and store the tokens encrypted."""
    from hub.authorise import authorise_quickbooks
    from hub.store import Store

    settings = _settings()
    q = settings.quickbooks
    if not q.client_id or not q.client_secret:
        _fail(HubError("set HUB_QUICKBOOKS__CLIENT_ID and HUB_QUICKBOOKS__CLIENT_SECRET first"))
    if code is None:
        from hub.http.oauth import build_authorize_url, new_state

        state = new_state()
        url = build_authorize_url(
            q.authorize_url,
            client_id=q.client_id or "",
            redirect_uri=q.redirect_uri,
            scopes=q.scopes,
            state=state,
        )
        console.print(f"Open this page, approve, then paste the full URL you were redirected to:\n{url}")
        if open_browser and not os.environ.get("CI"):
            webbrowser.open(url)
        redirected = typer.prompt("redirected URL")
        query = parse_qs(urlsplit(redirected).query)
        if query.get("state", [""])[0] != state:
            _fail(HubError("the redirect's state does not match; start again"))
        code = query.get("code", [""])[0]
        realm_id = query.get("realmId", [realm_id or ""])[0]
    realm = realm_id or q.realm_id
    if not code or not realm:
        _fail(HubError("need both an authorization code and a realmId"))
    assert code is not None and realm is not None

    async def run() -> None:
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        try:
            await authorise_quickbooks(settings, store, code=code, realm_id=realm)
        finally:
            await store.close()

    try:
        asyncio.run(run())
    except HubError as exc:
        _fail(exc)
    console.print(f"[green]authorised[/green] QuickBooks company {realm}; tokens stored encrypted.")


def _run_directory(action: Any) -> Any:
    from hub.runtime import Hub

    async def run() -> Any:
        hub = await Hub.start(_settings())
        try:
            await hub.directory.ensure_fresh()
            return await action(hub)
        finally:
            await hub.close()

    try:
        return asyncio.run(run())
    except HubError as exc:
        _fail(exc)


@identity_app.command("list")
def identity_list() -> None:
    """Every source record and the customer it is linked to, with the rule and confidence."""

    async def action(hub: Any) -> list[Any]:
        return sorted(await hub.store.load_links(), key=lambda x: (x.entity_id, x.source))

    table = Table("customer", "source", "external id", "rule", "confidence", "override")
    for link in _run_directory(action):
        table.add_row(
            link.entity_id,
            link.source,
            link.external_id,
            link.rule,
            f"{link.confidence:.2f}",
            "yes" if link.overridden else "",
        )
    console.print(table)


@identity_app.command("link")
def identity_link(customer: str, source: str, external_id: str) -> None:
    """Attach SOURCE record EXTERNAL_ID to CUSTOMER (a hub entity id or GraphQL id)."""
    from schema.ids import from_global_id

    try:
        customer = from_global_id(customer)[1]
    except ValueError:
        pass  # already a plain entity id
    entity = _run_directory(lambda hub: hub.directory.link(customer, source, external_id))
    console.print(f"linked {source}:{external_id} to {entity}")


@identity_app.command("unlink")
def identity_unlink(source: str, external_id: str) -> None:
    """Make SOURCE record EXTERNAL_ID a customer of its own."""
    entity = _run_directory(lambda hub: hub.directory.unlink(source, external_id))
    console.print(f"{source}:{external_id} is now customer {entity}")


@app.command()
def promise(
    scenario: Annotated[Path, typer.Option(help="scenario file (JSON or YAML); format in the README")],
) -> None:
    """What-if: compute the delivery promise of a self-contained scenario and print it as JSON."""
    import json

    from hub.promise import run_scenario

    try:
        result = run_scenario(scenario)
    except HubError as exc:
        _fail(exc)
        return
    typer.echo(json.dumps(result, indent=2))


@app.command()
def sandbox(
    host: HostOpt = "127.0.0.1",
    notion_port: Annotated[int, typer.Option()] = 8101,
    quickbooks_port: Annotated[int, typer.Option()] = 8102,
    odoo_port: Annotated[int, typer.Option()] = 8103,
    drive_port: Annotated[int, typer.Option()] = 8104,
) -> None:
    """Serve only the simulators (for benchmarks or for pointing a separate hub at them)."""
    from hub.sandbox.runner import SandboxServers

    async def run() -> None:
        servers = SandboxServers(host=host, settings=Settings().sandbox)
        ports = {"notion": notion_port, "quickbooks": quickbooks_port, "odoo": odoo_port}
        urls = await servers.start({**ports, "google_drive": drive_port})
        console.print("  ".join(f"{name} {url}" for name, url in urls.items()))
        try:
            await asyncio.Event().wait()
        finally:
            await servers.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


app.command("worker")(worker)  # hub.sync_cli


@webhooks_app.command("notion-token")
def webhooks_notion_token() -> None:
    """Print the verification token Notion sent to /webhooks/notion, to paste into Notion's
    "Verify subscription" dialog (then set HUB_NOTION__WEBHOOK_VERIFICATION_TOKEN to it)."""
    from hub.store import Store
    from hub.webhooks.notion import load_received_token

    async def run() -> str | None:
        settings = _settings()
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        try:
            return await load_received_token(store)
        finally:
            await store.close()

    token = asyncio.run(run())
    if token is None:
        console.print("no verification token received yet: create the subscription in Notion first")
        raise typer.Exit(1)
    typer.echo(token)


if __name__ == "__main__":
    app()
