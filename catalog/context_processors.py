from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from catalog import hooks
from catalog.models import Membership


def current_store(request) -> dict:
    """The store being worked in, the user's role there, the other stores they
    can switch to, and the sidebar (built only when a page renders it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(Membership.objects.filter(user=user).select_related("store").order_by("store__name"))
    membership = getattr(request, "membership", None)
    return {
        "store": getattr(request, "store", None),
        "membership": membership,
        "memberships": memberships,
        "perms_in_store": _PermissionLookup(membership),
        "nav": SimpleLazyObject(lambda: nav_groups(request, membership)),
    }


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str
    active: bool
    badge: int | None
    badge_title: str


@dataclass(frozen=True)
class NavGroup:
    name: str
    links: list[NavLink]


def nav_groups(request, membership) -> list[NavGroup]:
    """The registered nav items this member may use, grouped, in order."""
    if membership is None:
        return []
    store = membership.store
    view_name = request.resolver_match.view_name if request.resolver_match else ""
    groups: dict[str, list[hooks.NavItem]] = {}
    for item in sorted(hooks.nav_items, key=lambda item: item.order):
        if membership.can(item.permission):
            groups.setdefault(item.group, []).append(item)
    return [
        NavGroup(name=name, links=[
            NavLink(key=item.key, label=item.label, url=reverse(item.url_name, kwargs={"store_slug": store.slug}),
                    active=item.is_active(view_name), badge=item.badge(store) if item.badge else None,
                    badge_title=item.badge_title)
            for item in items
        ])
        for name, items in groups.items()
    ]


class _PermissionLookup:
    """`{% if perms_in_store.content_review %}` in templates."""

    def __init__(self, membership):
        self._membership = membership

    def __getitem__(self, name: str) -> bool:
        return bool(self._membership and self._membership.can(name.replace("_", ".", 1)))

    def __getattr__(self, name: str) -> bool:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]
