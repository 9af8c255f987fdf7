from catalog.models import Membership


def current_store(request) -> dict:
    """The store being worked in, the user's role there, and the other stores
    they can switch to."""
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
    }


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
