"""Request checks that hold for every view."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse


class ContentSecurityPolicyMiddleware:
    """The CONTENT_SECURITY_POLICY header on every response (Django 5.2 has none of its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RefuseNulMiddleware:
    """A 400 for a query or form value that holds a NUL character.

    Postgres cannot store or compare text with NUL, so such a value reaching a
    query is a server error. Django's form fields already refuse it; this
    applies the same rule to the values views read directly (search boxes,
    cursors, filters). The storefront API answers in its own error shape: a
    422 `invalid_request` naming the parameter, as for any value its schema
    refuses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _nul_in(request.GET, "query") or (request.method == "POST" and _nul_in(request.POST, "form"))
        if not where:
            return self.get_response(request)
        message = "A value in this request contains a NUL character."
        if request.path.startswith("/api/"):
            details = [{"loc": list(where), "msg": "contains a NUL character", "type": "nul_character"}]
            return JsonResponse({"error": {"code": "invalid_request", "message": message, "details": details}},
                                status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _nul_in(data, location: str) -> tuple[str, str] | None:
    """(location, name) of the first value or name holding a NUL character."""
    for key, values in data.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return location, key.replace("\x00", "\\x00")
    return None
