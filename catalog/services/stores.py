"""Stores, their members, and users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from catalog import hooks
from catalog.models import Membership, Store
from catalog.permissions import Role


def store_create(*, name: str, owner=None, slug: str | None = None, default_language: str = "en",
                 currency: str = "USD") -> Store:
    slug = slug or slugify(name)[:60] or "store"
    with transaction.atomic():
        store = Store.objects.create(name=name, slug=slug, default_language=default_language, currency=currency)
        if owner is not None:
            Membership.objects.create(user=owner, store=store, role=Role.ADMIN)
        # Each app gives the new store what it starts with (content: a brand voice and default templates).
        hooks.store_created_send(store=store)
    return store


def membership_set(*, store: Store, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'")
    membership, _ = Membership.objects.update_or_create(user=user, store=store, defaults={"role": role})
    return membership


def user_get_or_create(*, username: str, password: str, email: str = "", first_name: str = "") -> object:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email, "first_name": first_name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
