"""Requests per API key: a fixed one-minute window counted in Django's cache
(O(1) per request: one add and one increment). With CACHE_URL unset the cache
is per process, so each web process counts on its own; set CACHE_URL for one
count across processes."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

WINDOW_SECONDS = 60


class ApiKeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        # ninja calls wait() right after a refusal, in the same thread; one throttle
        # object serves every thread of the process.
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        api_key = getattr(request, "auth", None)
        limit = settings.API_RATE_LIMIT
        if api_key is None or not limit:
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"api:rate:{api_key.pk}:{window}"
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
        if count <= limit:
            return True
        self._local.wait = (window + 1) * WINDOW_SECONDS - now
        return False

    def wait(self) -> float | None:
        """Seconds until the window that refused the request ends (ninja sends them as Retry-After)."""
        return getattr(self._local, "wait", None)
