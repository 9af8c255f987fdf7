"""The layer contract (pyproject.toml, [tool.importlinter]) holds: CI runs
`make test` only, so the contract `make lint` checks is checked here too."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_dependencies_point_down():
    lint_imports = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " kept, 0 broken" in result.stdout


UPPER_APPS = ("content", "recommendations", "api", "demo")


def test_catalog_templates_name_no_upper_app():
    """Templates are outside the import graph: a URL name or tag library of an
    upper app in a catalog page would be an upward dependency no import shows."""
    lower = [*(REPO / "templates" / "catalog").rglob("*.html"), *(REPO / "templates" / "includes").rglob("*.html"),
             *(REPO / "templates").glob("*.html")]
    offending = []
    for path in lower:
        text = path.read_text()
        for app in UPPER_APPS:
            if f"'{app}:" in text or f'"{app}:' in text or f"{app}/" in text or f"load {app}" in text:
                offending.append(f"{path.relative_to(REPO)} names {app}")
    assert lower and not offending
