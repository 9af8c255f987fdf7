"""Version 1 of the storefront API, under /api/v1/: Django Ninja operations
(pydantic schemas make the OpenAPI document at /api/v1/openapi.json), a store
API key on every call, a rate limit per key, JSON errors with stable codes."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI

from api.endpoints import events, products, search, shoppers
from api.errors import ERROR_DESCRIPTIONS, install_handlers
from api.throttling import ApiKeyRateThrottle

DESCRIPTION = """The storefront's side of Commerce Studio: send shopper events and questions; read
recommendations, similar products, search results, published copy, approved answers and campaigns.

Every call carries a store API key (`Authorization: Bearer cs_...`), made by a store admin on the
dashboard's API keys page. A key has scopes: `events:write` to send events and questions, `read` for
everything else. Errors are JSON, `{"error": {"code": ..., "message": ..., "details": ...}}`:

""" + "\n".join(f"- **{status}**: {text}" for status, text in ERROR_DESCRIPTIONS.items())

api = NinjaAPI(
    title="Commerce Studio storefront API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url=None,  # the docs page is the app's own (api.views.docs), from npm assets, no inline script
    throttle=[ApiKeyRateThrottle()],
)
install_handlers(api)
for router in (events.router, shoppers.router, products.router, search.router):
    api.add_router("", router)


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/v1/: the API's 404, not the dashboard's page."""
    return JsonResponse({"error": {"code": "not_found", "message": "No such endpoint.", "details": None}},
                        status=404)
