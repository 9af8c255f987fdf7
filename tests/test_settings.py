"""Settings read from the environment: what the operator configures, and what
production refuses to start without."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from commerce_site.env import ImproperlyConfiguredEnv, env_models


def test_named_models_take_a_source_a_served_name_and_their_own_key(monkeypatch):
    monkeypatch.setenv("GENERATION_MODELS", "tuned=/srv/models/tuned.gguf, big-one=http://vllm:8000/v1#Qwen/Qwen2.5")
    monkeypatch.setenv("GENERATION_API_KEY_BIG_ONE", "big-key")

    assert env_models("GENERATION_MODELS") == {
        "tuned": {"source": "/srv/models/tuned.gguf", "served_name": "", "api_key": ""},
        "big-one": {"source": "http://vllm:8000/v1", "served_name": "Qwen/Qwen2.5", "api_key": "big-key"},
    }


@pytest.mark.parametrize("value, problem", [
    ("tuned", "is not name=source"), ("Tuned=/a.gguf", "is not a model name"), ("default=/a.gguf", "not 'default'"),
    ("a=/x.gguf,a=/y.gguf", "named twice"), ("a=", "is not name=source"),
])
def test_a_malformed_model_list_stops_the_start_naming_the_variable(monkeypatch, value, problem):
    monkeypatch.setenv("GENERATION_MODELS", value)

    with pytest.raises(ImproperlyConfiguredEnv, match=f"GENERATION_MODELS.*{problem}"):
        env_models("GENERATION_MODELS")


# --------------------------------------------------------------------------- production

REPO = Path(__file__).resolve().parent.parent
# What the README's "Running on real servers" sets behind a TLS-terminating proxy.
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "SESSION_COOKIE_SECURE": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """A fresh process with only the given settings variables (the test run's own removed)."""
    clean = {key: value for key, value in os.environ.items()
             if key not in {"SECRET_KEY", "DEBUG", "LOCAL_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION}}
    return subprocess.run([sys.executable, *args], cwd=REPO, env={**clean, **env}, capture_output=True, text=True,
                          timeout=300)


def test_the_web_process_refuses_to_start_with_the_public_key_and_debug_off():
    refused = _run(["-c", "import commerce_site.wsgi"], WEB_WARMUP="false")
    checked = _run(["manage.py", "check"])

    assert refused.returncode != 0
    assert "SECRET_KEY is not set, and the built-in key is public" in refused.stderr
    assert checked.returncode != 0 and "commerce_site.E001" in checked.stderr


@pytest.mark.parametrize("env", [{"LOCAL_MODE": "true"}, {"SECRET_KEY": "x" * 60}, {"DEBUG": "true"}])
def test_local_mode_a_key_of_its_own_or_debug_lets_it_start(env):
    started = _run(["-c", "import commerce_site.wsgi"], WEB_WARMUP="false", **env)

    assert started.returncode == 0, started.stderr[-2000:]


def test_make_run_chooses_local_mode_for_everything_it_starts(monkeypatch):
    from commerce_site import run

    monkeypatch.delenv("LOCAL_MODE", raising=False)
    monkeypatch.setattr(run, "serve", lambda: 0)

    assert run.main([]) == 0
    assert os.environ["LOCAL_MODE"] == "true"


def test_check_deploy_is_clean_with_production_settings():
    clean = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    without_hsts = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                        **{**PRODUCTION, "SECURE_HSTS_SECONDS": "0"})

    assert clean.returncode == 0, clean.stderr[-3000:]
    assert "System check identified no issues" in clean.stdout
    assert without_hsts.returncode != 0 and "security.W004" in without_hsts.stderr


def test_https_settings_are_read_from_the_environment():
    shown = _run(["-c", "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
                 "[s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
                 " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_PRELOAD]))"],
                 DJANGO_SETTINGS_MODULE="commerce_site.settings", **PRODUCTION)

    assert json.loads(shown.stdout) == [["HTTP_X_FORWARDED_PROTO", "https"], True, 31536000, True, True, True]


@pytest.mark.parametrize("password, reason", [
    ("short1!", "too short"), ("password123", "too common"), ("84629175301", "entirely numeric"),
    ("alice-admin-2024", "too similar to the username"),
])
def test_weak_passwords_are_refused_by_the_standard_validators(password, reason):
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=reason):
        validate_password(password, User(username="alice-admin"))
    validate_password("copper kettle meadow 9", User(username="alice-admin"))
