"""The OpenAPI document, exercised against a live server with schemathesis:
every operation gets requests generated from its schema (with a valid key, on a
store with real products, shoppers and embeddings); no response is a 500 and
every one matches the document (status, content type, headers, body)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.v1 import api
from tests.api.conftest import make_key

pytestmark = [pytest.mark.django_db(transaction=True)]

# The document the app serves at /api/v1/openapi.json (checked below to be the same).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@pytest.fixture
def live_key(live_server, admin_member, behaviour):
    return make_key(admin_member)[1]


def test_the_served_document_is_the_one_exercised(live_server, client):
    assert client.get("/api/v1/openapi.json").json() == json.loads(json.dumps(api.get_openapi_schema()))


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_openapi_document(case, live_server, live_key):
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Bearer {live_key}"})
