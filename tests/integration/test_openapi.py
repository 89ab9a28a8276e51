"""The OpenAPI document describes every route, with the contract's operationIds."""

import json

import pytest

from app import app

pytestmark = pytest.mark.integration

CONTRACT = {
    "health": ("GET", "/health"),
    "getConfig": ("GET", "/config"),
    "getOpenApi": ("GET", "/openapi.json"),
    "getCommune": ("GET", "/communes/{slug}"),
    "submitFeedback": ("POST", "/communes/{slug}/feedback"),
    "getFollowUp": ("GET", "/followup/{token}"),
    "postFollowUp": ("POST", "/followup/{token}"),
    "listThreads": ("GET", "/console/threads"),
    "getThread": ("GET", "/console/threads/{thread_id}"),
    "updateThread": ("PATCH", "/console/threads/{thread_id}"),
    "replyToThread": ("POST", "/console/threads/{thread_id}/replies"),
    "getDashboard": ("GET", "/console/dashboard"),
    "getPublicIndicators": ("GET", "/communes/{slug}/indicators"),
    "rateCommune": ("POST", "/communes/{slug}/barometer"),
    "getBarometer": ("GET", "/communes/{slug}/barometer"),
    "createConsultation": ("POST", "/console/consultations"),
    "listConsultations": ("GET", "/console/consultations"),
    "getConsultationResults": ("GET", "/console/consultations/{consultation_id}"),
    "listOpenConsultations": ("GET", "/communes/{slug}/consultations"),
    "answerConsultation": ("POST", "/communes/{slug}/consultations/{consultation_id}/answers"),
    "listAlerts": ("GET", "/console/alerts"),
    "acknowledgeAlert": ("POST", "/console/alerts/{alert_id}/acknowledgement"),
    "setAlertSubscription": ("PUT", "/console/alerts/subscription"),
    "requestExport": ("POST", "/console/exports"),
    "listExports": ("GET", "/console/exports"),
    "getExport": ("GET", "/console/exports/{export_id}"),
    "listEvents": ("GET", "/console/events"),
    "listAudit": ("GET", "/console/audit"),
    "addNote": ("POST", "/console/threads/{thread_id}/notes"),
    "listServices": ("GET", "/console/services"),
    "replaceServices": ("PUT", "/console/services"),
    "listRules": ("GET", "/console/rules"),
    "replaceRules": ("PUT", "/console/rules"),
    "listTemplates": ("GET", "/console/templates"),
    "createTemplate": ("POST", "/console/templates"),
    "replaceTemplate": ("PUT", "/console/templates/{template_id}"),
    "deleteTemplate": ("DELETE", "/console/templates/{template_id}"),
    "bulkUpdateThreads": ("POST", "/console/threads/bulk"),
    "listPublicFeedback": ("GET", "/communes/{slug}/feedback"),
    "listModeration": ("GET", "/console/moderation"),
    "moderateThread": ("POST", "/console/moderation/{thread_id}"),
    "setDigestSubscription": ("PUT", "/console/digest/subscription"),
    "getDigestSubscription": ("GET", "/console/digest/subscription"),
    "unsubscribe": ("POST", "/unsubscribe/{token}"),
    "unsubscribePage": ("GET", "/unsubscribe/{token}"),
    "mergeThread": ("POST", "/console/threads/{thread_id}/merge"),
    "verifyContact": ("POST", "/contacts/verification"),
    "getSettings": ("GET", "/console/settings"),
    "updateSettings": ("PATCH", "/console/settings"),
}


@pytest.fixture
def document(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.body)


def test_it_is_openapi_3_1_with_the_contracts_operation_ids(document):
    assert document["openapi"] == "3.1.0"
    found = {
        operation["operationId"]: (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    for operation_id, route in CONTRACT.items():
        assert found[operation_id] == route


def test_every_chalice_route_is_documented(document):
    for path, methods in app.routes.items():
        for method in methods:
            if method != "OPTIONS":
                assert method.lower() in document["paths"][path], (method, path)


def test_bodies_have_schemas_and_examples_and_staff_routes_are_secured(document):
    schemas = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for operation in operations.values():
            body = operation.get("requestBody")
            if body:
                content = body["content"]["application/json"]
                assert "example" in content
                assert content["schema"]["$ref"].split("/")[-1] in schemas
            if path.startswith("/console"):
                assert operation["security"] == [{"cognito": []}]
                assert "401" in operation["responses"]
    feedback = schemas["SubmitFeedbackBody"]
    assert feedback["properties"]["text"]["maxLength"] == 5000
    assert "followUpToken" in schemas["FeedbackAccepted"]["properties"]


def test_every_reference_resolves(document):
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        assert ref.split("/")[-1] in document["components"]["schemas"], ref
