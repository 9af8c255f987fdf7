from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Category, Membership, Product, Store
from catalog.permissions import Role

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class StoreFactory(factory.django.DjangoModelFactory):
    """Stores are made by the service, as in production: each app's store_created
    hook runs (content gives the store its brand voice and default templates)."""

    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from catalog.services import store_create

        return store_create(**kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    role = Role.EDITOR


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    path = factory.LazyAttribute(lambda o: o.name)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title = factory.Sequence(lambda n: f"Nitrile Gloves, Box of {n + 50}")
    brand = "LabGuard"
    price = Decimal("12.99")
    stock = 10
    attributes = factory.LazyFunction(lambda: {"material": "nitrile"})
