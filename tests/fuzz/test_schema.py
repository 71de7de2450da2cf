"""The OpenAPI schema describes what the API really answers (what `make fuzz` found missing): list pages as
pages, bounded lists as arrays, and the error shape of every 4xx an operation can give."""

from __future__ import annotations

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.facilities.factories import submitted

METHODS = {"get", "post", "put", "patch", "delete"}


def _json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's type list, so jsonschema can check responses."""
    if isinstance(node, dict):
        node = {key: _json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    return node


@pytest.fixture
def schema(city_admin, api_client_for) -> dict:
    response = api_client_for(city_admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def assert_matches(schema: dict, path: str, method: str, status: int, body) -> None:
    document = _json_schema(schema)
    response_schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    # Validate against the response's schema, resolving its $refs inside the whole document.
    document["x"] = response_schema["schema"]
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, default_specification=DRAFT202012))
    validator = jsonschema.Draft202012Validator({"$ref": "urn:api#/x"}, registry=registry)
    errors = [error.message for error in validator.iter_errors(body)]
    assert errors == [], errors


def query_parameters(schema: dict, path: str) -> set[str]:
    return {p["name"] for p in schema["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}


def test_a_paged_list_is_documented_as_a_page(schema, city_admin, operator, api_client_for):
    submitted(operator)
    response = api_client_for(city_admin).get("/api/v1/facilities/?page_size=5")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert {"page", "page_size"} <= query_parameters(schema, "/api/v1/facilities/")
    assert_matches(schema, "/api/v1/facilities/", "get", 200, response.json())


def test_a_cursor_list_is_documented_with_its_cursor(schema, city_admin, api_client_for):
    response = api_client_for(city_admin).get("/api/v1/notices/")

    assert response.status_code == 200
    assert "cursor" in query_parameters(schema, "/api/v1/notices/")
    assert "page" not in query_parameters(schema, "/api/v1/notices/")
    assert_matches(schema, "/api/v1/notices/", "get", 200, response.json())


def test_a_facilitys_staff_roster_is_documented_as_a_plain_list(schema, operator, api_client_for):
    facility = submitted(operator)
    response = api_client_for(operator).get(f"/api/v1/facilities/{facility.pk}/staff/")

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert "page" not in query_parameters(schema, "/api/v1/facilities/{id}/staff/")
    assert_matches(schema, "/api/v1/facilities/{id}/staff/", "get", 200, response.json())


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            codes = set(operation["responses"])
            expected = {"400", "404"}
            if [scheme for scheme in operation.get("security", []) if scheme]:
                expected |= {"401", "403"}
            if method != "get":
                expected |= {"409", "422"}
            assert expected <= codes, f"{method.upper()} {path} documents only {sorted(codes)}"
            error = operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
            properties = schema["components"]["schemas"][error.rsplit("/", 1)[-1]]["properties"]
            assert {"code", "message", "fields", "clause"} <= set(properties), f"{method.upper()} {path}"
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "429" in token, "the token endpoint is throttled"
    assert "401" not in token, "the token endpoint needs no credentials"


def test_a_real_error_matches_the_documented_shape(schema, city_admin, api_client_for):
    response = api_client_for(city_admin).get("/api/v1/facilities/999999/")

    assert response.status_code == 404
    assert_matches(schema, "/api/v1/facilities/{id}/", "get", 404, response.json())
    assert response.json()["clause"] is None


def test_a_page_past_the_end_is_a_documented_404(schema, city_admin, api_client_for):
    response = api_client_for(city_admin).get("/api/v1/facilities/?page=999")

    assert response.status_code == 404
    assert_matches(schema, "/api/v1/facilities/", "get", 404, response.json())
