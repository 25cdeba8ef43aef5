"""GraphiQL works offline: the page references only assets the hub serves itself, with matching SRI."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.conftest import HubUnderTest


async def test_graphiql_page_uses_only_local_assets_with_matching_integrity(hub: HubUnderTest) -> None:
    page = await hub.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "https://" not in re.sub(r"<!--.*?-->", "", page.text, flags=re.S)
    tags = re.findall(r'(?:src|href)="(/static/graphiql/[^"]+)"\s+integrity="(sha384-[^"]+)"', page.text)
    assert len(tags) == 7
    for path, integrity in tags:
        asset = await hub.client.get(path)
        assert asset.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert integrity == f"sha384-{digest}", path
