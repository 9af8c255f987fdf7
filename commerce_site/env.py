"""Typed readers for settings from the environment.

Each fails loudly, naming the variable, when a value is set but malformed:
a typo in production must stop the start, not silently fall back to a default.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


class ImproperlyConfiguredEnv(ValueError):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfiguredEnv(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not a number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfiguredEnv(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser() if raw else default


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} must be one of {', '.join(sorted(choices))}")
    return value


_MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def env_models(name: str) -> dict[str, dict]:
    """Named models the operator offers, from "name=source,name=source".

    A source is what GENERATION_MODEL takes (a .gguf file, a model folder, the
    URL of an OpenAI-compatible server); a server's model name may follow its
    URL as "#served-name". A server's bearer token comes from
    GENERATION_API_KEY_<NAME> (upper case, "-" as "_"), so each key is only
    ever sent to the server it was issued for."""
    raw = os.environ.get(name, "").strip()
    models: dict[str, dict] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        model, sep, source = (part.strip() for part in entry.partition("="))
        if not sep or not source:
            raise ImproperlyConfiguredEnv(f"{name}: {entry!r} is not name=source")
        if not _MODEL_NAME.fullmatch(model) or model == "default":
            raise ImproperlyConfiguredEnv(
                f"{name}: {model!r} is not a model name (lower-case letters, digits, - and _, not 'default')")
        if model in models:
            raise ImproperlyConfiguredEnv(f"{name}: {model!r} is named twice")
        source, _, served = source.partition("#")
        key_variable = "GENERATION_API_KEY_" + model.upper().replace("-", "_")
        models[model] = {"source": source.strip(), "served_name": served.strip(),
                         "api_key": os.environ.get(key_variable, "")}
    return models
