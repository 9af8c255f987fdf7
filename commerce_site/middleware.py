"""Request checks that hold for every view."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest


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
    cursors, filters)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return HttpResponseBadRequest("A value in this request contains a NUL character.",
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())
