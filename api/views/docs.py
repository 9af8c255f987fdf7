"""The API's reference page: Swagger UI from npm (node_modules, served by
staticfiles) rendering /api/v1/openapi.json. No CDN, and no inline script: the
page's own script reads the document's URL from a data attribute."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def api_docs(request):
    return render(request, "api/docs.html", {"schema_url": reverse("api-v1:openapi-json")})
