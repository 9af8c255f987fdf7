"""What the site refuses to start without. The web process checks it when it
loads (commerce_site.wsgi), manage.py through Django's system checks."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def secret_key_problem() -> str | None:
    """Why the configured SECRET_KEY must not serve, or None. The built-in key is
    public (it is in this repository): anyone could sign sessions with it."""
    if settings.DEBUG or settings.LOCAL_MODE or settings.SECRET_KEY != settings.INSECURE_SECRET_KEY:
        return None
    return ("SECRET_KEY is not set, and the built-in key is public. Set SECRET_KEY to a long random value "
            "(python -c \"import secrets; print(secrets.token_urlsafe(50))\"), or LOCAL_MODE=true on a machine "
            "of your own (make run does).")


def refuse_insecure_start() -> None:
    problem = secret_key_problem()
    if problem:
        raise ImproperlyConfigured(problem)


@checks.register(checks.Tags.security)
def check_secret_key(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = secret_key_problem()
    return [checks.Error(problem, id="commerce_site.E001")] if problem else []
