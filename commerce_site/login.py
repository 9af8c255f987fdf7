"""Sign-in with a throttle: failed attempts are counted per user name and per
address in the shared cache; past either limit, sign-in is refused for
LOGIN_LOCKOUT_SECONDS without the password being checked (so guessing learns
nothing), whether or not the user name exists."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    if settings.USE_X_FORWARDED_FOR:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


class LoginThrottle:
    def __init__(self, *, username: str, address: str) -> None:
        digest = hashlib.sha256(username.strip().casefold().encode("utf-8", "replace")).hexdigest()
        self.keys = {f"login-failures:user:{digest}": settings.LOGIN_MAX_FAILURES_PER_USER,
                     f"login-failures:address:{address}": settings.LOGIN_MAX_FAILURES_PER_ADDRESS}
        self.user_key = next(iter(self.keys))

    def refused(self) -> bool:
        try:
            counts = cache.get_many(list(self.keys))
        except RedisError:
            # The cache is down: sign-in keeps working without the throttle.
            logger.warning("login.throttle_unavailable", exc_info=True)
            return False
        return any(counts.get(key, 0) >= limit for key, limit in self.keys.items())

    def record_failure(self) -> None:
        try:
            for key in self.keys:
                # The window starts at the first failure and is not extended by later ones.
                cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
                cache.incr(key)
        except (RedisError, ValueError):  # ValueError: the key expired between add and incr
            logger.warning("login.throttle_unavailable", exc_info=True)

    def record_success(self) -> None:
        try:
            cache.delete(self.user_key)
        except RedisError:
            logger.warning("login.throttle_unavailable", exc_info=True)


class ThrottledAuthenticationForm(AuthenticationForm):
    throttled = False

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        throttle = LoginThrottle(username=username, address=client_address(self.request))
        if throttle.refused():
            self.throttled = True
            minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
            logger.warning("login.throttled", extra={"address": client_address(self.request)})
            raise ValidationError(f"Too many failed sign-ins. Try again in {minutes} minutes.", code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure()
            raise
        throttle.record_success()
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response
