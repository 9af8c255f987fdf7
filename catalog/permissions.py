"""Roles and what each may do in a store.

A leaf module: it imports nothing of the project's, so every layer can check a
permission. Catalog registers the permissions it owns below; each app above it
registers its own in its AppConfig.ready(), naming the least role that has it
(an admin can do what an editor can, an editor what a viewer can). Services
call `require()` before they change anything; views and templates ask
`role_can()` only to decide what to show.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# Least to most: a role holds every permission of the roles before it.
ROLE_ORDER: tuple[str, ...] = (Role.VIEWER, Role.EDITOR, Role.ADMIN)

# permission -> the least role that has it
_least_role: dict[str, str] = {}


def permission_register(name: str, *, least_role: str) -> None:
    """Declare a permission. Registering the same name again with the same
    role is harmless (ready() may run twice in tests); another role is a bug."""
    if least_role not in ROLE_ORDER:
        raise ValueError(f"Unknown role {least_role!r} for permission {name!r}")
    current = _least_role.setdefault(name, least_role)
    if current != least_role:
        raise ValueError(f"Permission {name!r} is already registered for {current!r}, not {least_role!r}")


def permission_names() -> list[str]:
    return sorted(_least_role)


def role_can(role: str, permission: str) -> bool:
    """Unknown permissions are refused, so a typo in a view denies instead of allowing."""
    least = _least_role.get(permission)
    if least is None or role not in ROLE_ORDER:
        return False
    return ROLE_ORDER.index(role) >= ROLE_ORDER.index(least)


def role_permissions(role: str) -> frozenset[str]:
    return frozenset(name for name in _least_role if role_can(role, name))


class HasRole(Protocol):
    role: str

    def get_role_display(self) -> str: ...


def require(membership: HasRole, permission: str) -> None:
    """Raise PermissionDenied (a 403 in views) unless the member's role has the permission."""
    if not role_can(membership.role, permission):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")


# The catalog's own: reading a store, editing its catalog, running its jobs,
# and the store settings every app's admin pages share.
permission_register("view", least_role=Role.VIEWER)
permission_register("catalog.edit", least_role=Role.EDITOR)
permission_register("jobs.cancel", least_role=Role.EDITOR)
permission_register("settings.manage", least_role=Role.ADMIN)
permission_register("members.manage", least_role=Role.ADMIN)
permission_register("apikeys.manage", least_role=Role.ADMIN)
