"""The read endpoints on the real catalog with MiniLM embeddings: a shopper's
recommendations (score parts and reasons, filters), similar products, search,
published copy, and questions whose answer is served only once approved."""

from __future__ import annotations

import pytest

from content.models import ContentType, Draft, ShopperQuestion
from content.services import draft_approve, draft_approve_and_publish
from tests.content.factories import DraftFactory, GenerationJobFactory

pytestmark = pytest.mark.django_db


def test_recommendations_carry_score_parts_and_reasons(api, key, behaviour):
    response = api("get", "/shoppers/s-sander/recommendations", key, k=5)

    assert response.status_code == 200
    body = response.json()
    assert body["shopper"] == "s-sander" and body["kind"] == "personal"
    assert len(body["items"]) == 5
    for item in body["items"]:
        assert set(item["parts"]) == {"profile", "cooccurrence", "popularity", "cold_start"}
        assert item["reason"]["text"] and item["reason"]["kind"]
        assert item["product"]["in_stock"] is True
        assert item["product"]["sku"] != "AB-1"  # bought: excluded by default
    assert body["items"][0]["score"] >= body["items"][-1]["score"]


def test_recommendation_filters(api, key, behaviour):
    lab = api("get", "/shoppers/s-sander/recommendations", key, k=10, category="Lab", in_stock="false").json()
    everything = api("get", "/shoppers/s-sander/recommendations", key, k=26, in_stock="false",
                     exclude_purchased="false").json()
    unknown = api("get", "/shoppers/s-sander/recommendations", key, category="No such shelf")

    assert lab["items"] and {item["product"]["category"].split(" > ")[0] for item in lab["items"]} == {"Lab"}
    assert any(not item["product"]["in_stock"] for item in everything["items"])
    assert "AB-1" in {item["product"]["sku"] for item in everything["items"]}
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "category_not_found"


def test_an_unknown_shopper_is_404(api, key, behaviour):
    response = api("get", "/shoppers/nobody/recommendations", key)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "shopper_not_found"


def test_similar_products_and_search(api, key, behaviour):
    similar = api("get", "/products/GL-1/similar", key, k=3).json()
    search = api("get", "/search", key, q="gloves for chemicals", k=5).json()

    assert similar["sku"] == "GL-1" and len(similar["items"]) == 3
    assert all(item["product"]["sku"] != "GL-1" and item["reason"]["text"] for item in similar["items"])
    assert search["query"] == "gloves for chemicals"
    assert search["items"] and all(hit["product"]["sku"].startswith("GL-") for hit in search["items"][:3])


def test_a_nul_character_in_a_parameter_is_a_documented_422_in_the_apis_error_shape(api, key, behaviour):
    response = api("get", "/search", key, q="gloves\x00", k=5)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["details"][0]["loc"] == ["query", "q"]


def test_only_published_copy_is_served(api, key, store, catalog, admin_member):
    product = catalog["GL-1"]
    job = GenerationJobFactory(store=store, content_type=ContentType.DESCRIPTION)
    published = DraftFactory(store=store, product=product, job=job, current_text="Blue nitrile, powder-free.")
    DraftFactory(store=store, product=product, job=job, variant=2, current_text="A draft nobody approved.")
    draft_approve_and_publish(draft=published, membership=admin_member, expected_version=published.version)

    body = api("get", "/products/GL-1/copy", key).json()
    only_marketing = api("get", "/products/GL-1/copy", key, content_type="marketing").json()

    assert [(c["content_type"], c["language"], c["text"], c["version"]) for c in body["items"]] == [
        ("description", "en", "Blue nitrile, powder-free.", 1)]
    assert only_marketing["items"] == []


def test_a_question_is_answered_only_once_a_person_approved_the_answer(api, key, store, catalog, admin_member):
    asked = api("post", "/products/GL-1/questions", key, json={"text": "Is it  latex-free?", "shopper": "s-9"})
    assert asked.status_code == 201
    question = ShopperQuestion.objects.get(pk=asked.json()["id"])
    assert (question.text, question.shopper_ref, question.source) == ("Is it latex-free?", "s-9", "api")
    job = GenerationJobFactory(store=store, content_type=ContentType.ANSWER)
    draft = DraftFactory(store=store, product=catalog["GL-1"], job=job, question=question,
                         content_type=ContentType.ANSWER, current_text="Yes: nitrile has no latex.")
    path = f"/products/GL-1/questions/{question.pk}"

    waiting = api("get", path, key).json()
    listed_before = api("get", "/products/GL-1/questions", key).json()
    draft_approve(draft=draft, membership=admin_member, expected_version=draft.version)
    answered = api("get", path, key).json()

    assert (waiting["status"], waiting["answer"]) == ("waiting", None)
    assert listed_before["items"] == []
    assert (answered["status"], answered["answer"]) == ("answered", "Yes: nitrile has no latex.")
    assert [q["id"] for q in api("get", "/products/GL-1/questions", key).json()["items"]] == [question.pk]


def test_a_question_can_start_its_answer(api, key, store, catalog):
    response = api("post", "/products/GL-1/questions", key, json={"text": "Is it latex-free?",
                                                                   "generate_answer": True})

    question = ShopperQuestion.objects.get(pk=response.json()["id"])
    job = question.store.generation_jobs.get()
    assert (job.content_type, job.question_ids) == ("answer", [question.pk])
    assert job.job.created_by is None
    assert not Draft.objects.filter(question=question).exists()
