import pytest


@pytest.fixture
def store(db):
    """A store made the way the product makes one: with its brand voice and
    default templates."""
    from catalog.services import store_create

    return store_create(name="Bench Supply", slug="bench")


@pytest.fixture
def other_store(db):
    from catalog.services import store_create

    return store_create(name="Other Shop", slug="other")
