"""GraphQL over HTTP (graphql-over-http spec): media types, status codes, GET for queries only."""

from __future__ import annotations

from tests.conftest import HubUnderTest

GQL_RESPONSE = "application/graphql-response+json"


async def test_get_runs_queries(hub: HubUnderTest) -> None:
    response = await hub.client.get(
        "/graphql", params={"query": "{ sources { name } }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    names = {s["name"] for s in response.json()["data"]["sources"]}
    assert names == {"notion", "quickbooks", "odoo", "google_drive"}


async def test_get_refuses_mutations_with_405(hub: HubUnderTest) -> None:
    query = 'mutation { unlinkCustomerSource(system: NOTION, externalId: "x") { __typename } }'
    response = await hub.client.get(
        "/graphql", params={"query": query}, headers={"accept": "application/json"}
    )
    assert response.status_code == 405


async def test_graphql_response_media_type_and_400_for_request_errors(hub: HubUnderTest) -> None:
    headers = {"accept": GQL_RESPONSE}
    ok = await hub.client.post("/graphql", json={"query": "{ sources { name } }"}, headers=headers)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith(GQL_RESPONSE)
    for bad in ("{ customers(first: 3) { ", "{ noSuchField }"):
        response = await hub.client.post("/graphql", json={"query": bad}, headers=headers)
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith(GQL_RESPONSE)
        body = response.json()
        assert "data" not in body and body["errors"][0]["message"]


async def test_legacy_json_clients_get_200_for_request_errors(hub: HubUnderTest) -> None:
    response = await hub.client.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


async def test_malformed_json_body_is_400(hub: HubUnderTest) -> None:
    response = await hub.client.post(
        "/graphql", content=b'{"query":', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_field_errors_keep_200_and_partial_data(hub: HubUnderTest) -> None:
    body = await hub.client.post(
        "/graphql",
        json={"query": "{ customers(first: 1000) { totalCount } }"},
        headers={"accept": GQL_RESPONSE},
    )
    assert body.status_code == 200
    assert body.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unexpected_errors_are_masked(hub: HubUnderTest, monkeypatch) -> None:
    async def boom(*args, **kwargs):
        raise RuntimeError("password=hunter2 at https://internal.example/secret")

    monkeypatch.setattr(hub.app.state.hub.store, "page_entities", boom)
    body = await hub.gql("{ customers(first: 1) { totalCount } }")
    text = str(body)
    assert "hunter2" not in text and "internal.example" not in text
    assert body["errors"][0]["message"] == "Internal error; see the hub's log."
