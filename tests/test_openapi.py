"""The OpenAPI document is valid, and the service keeps its promises under generated requests."""

from __future__ import annotations

import re
from http import HTTPStatus

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.app import create_app
from service.config import Settings


def test_the_openapi_document_validates(client):
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert {"/v1/events", "/v1/incidents", "/v1/incidents/{incident_id}/denials", "/v1/actors/{slug}"} <= set(document["paths"])
    assert "bearer" in document["components"]["securitySchemes"]


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_the_document_tells_a_generated_client_the_truth(client):
    document = client.get("/openapi.json").get_json()
    responses = document["components"]["responses"]
    assert list(responses["DEFAULT_ERROR"]["content"]) == ["application/problem+json"]
    assert responses["DEFAULT_ERROR"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "Error" not in document["components"]["schemas"]
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)) == 23
    for path, method, operation in operations(document):
        assert operation["summary"] and operation["description"], (method, path)
        assert "security" in operation, (method, path)
        assert {"422", "default"} <= set(operation["responses"]), (method, path)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response == {"$ref": f"#/components/responses/{HTTPStatus(int(status)).name}"}, (method, path, status)
        if method == "post":
            assert {"400", "401", "403", "413", "415"} <= set(operation["responses"]), path
            assert "Idempotency-Key" in [parameter["name"] for parameter in operation["parameters"]], path
            assert operation["security"] == [{"bearer": []}]
        elif path.startswith("/v1/"):
            assert operation["security"] == [] and "401" not in operation["responses"]
    assert document["components"]["schemas"]["SourceIn"]["properties"]["url"]["format"] == "uri"


def test_closed_reads_are_documented_as_needing_a_key(dsn, tmp_path):
    app = create_app(Settings(data_dir=tmp_path, reads_need_key=True), dsn=dsn)
    try:
        document = app.test_client().get("/openapi.json").get_json()
    finally:
        app.extensions["pool"].close()
    for path, method, operation in operations(document):
        if path.startswith("/v1/"):
            assert operation["security"] == [{"bearer": []}] and "401" in operation["responses"], (method, path)


def test_the_docs_page_needs_no_internet(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/docs/assets/") for asset in assets), assets
    assert "http://" not in html and "https://" not in html
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.get_data()) > 1000, asset


def test_no_500_and_no_response_outside_its_schema(app):
    """A bounded schemathesis run over every operation: generated requests, valid and not, must get
    a documented answer, never a 500. (Driven by hand: its pytest plugin does not load under pytest 9.)"""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            # A well-formed slug that names nothing is refused (422) by design, so generated
            # "valid" requests may be refused; every other check stays on.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
