"""Store API keys on requests: `Authorization: Bearer <key>`. The key names the
store; every endpoint reads and writes that store only. Each endpoint needs a
scope: `read` for the GETs, `events:write` for what the storefront sends."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from api.errors import ApiError
from catalog.models import ApiKey
from catalog.selectors import api_key_authenticate
from catalog.services import apikey_mark_used


class StoreApiKey(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = api_key_authenticate(raw_key=token.strip())
        if api_key is None:
            return None  # ninja answers AuthenticationError: a 401
        if not api_key.has_scope(self.scope):
            raise ApiError(403, "insufficient_scope", f"This API key lacks the '{self.scope}' scope.")
        apikey_mark_used(api_key=api_key)
        return api_key


READ = StoreApiKey(ApiKey.Scope.READ)
EVENTS_WRITE = StoreApiKey(ApiKey.Scope.EVENTS_WRITE)
