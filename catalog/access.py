"""Store-scoped views: the store comes from the URL and is checked against the
user's membership before anything else is read. Someone who is not a member
gets a 404 (another store's existence is not revealed); a member whose role
lacks the permission gets a 403 and nothing changes."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from catalog.errors import NotFound
from catalog.models import Membership


def store_view(permission: str = "view"):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, store_slug: str, *args, **kwargs):
            membership = (
                Membership.objects.select_related("store", "user")
                .filter(user=request.user, store__slug=store_slug)
                .first()
            )
            if membership is None:
                raise Http404("No such store")
            if not membership.can(permission):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")
            request.store = membership.store
            request.membership = membership
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from None

        wrapper.store_permission = permission
        return wrapper

    return decorator
