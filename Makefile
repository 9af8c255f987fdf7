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

install: $(VENV)/.installed $(VENV)/.installed-llama node_modules/.installed

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

# llama.cpp, the GGUF runtime: llama-cpp-python built from its pinned sdist (PyPI has
# no Linux wheel of it). The unpacked sdist stays under var/llama.cpp: it holds
# llama.cpp's convert_lora_to_gguf.py, which converts PEFT adapters (inference/lora.py),
# from the very sources the library was built from. The build takes about 8 minutes
# on 2 cores. GGML_NATIVE compiles for this machine's CPU (AVX-512, VNNI, AMX where
# present), which is right because the build runs where it is used; for a venv moved
# to other CPUs use LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON
# -DGGML_CPU_ALL_VARIANTS=ON", on a CUDA host add -DGGML_CUDA=ON. -U__AMX_INT8__
# leaves out ggml's AMX kernels, which segfault on some Xeon hosts (this one;
# llama.cpp issue #20824, open). LLAVA_BUILD=OFF skips the multimodal library nothing
# here uses. Build isolation only brings scikit-build-core (pinned by
# --build-constraint); cmake and g++ come from the system.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CPP_DIR := var/llama.cpp
LLAMA_CPP_SRC := $(LLAMA_CPP_DIR)/llama_cpp_python-$(LLAMA_CPP_VERSION)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=ON -DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS=-U__AMX_INT8__ -DCMAKE_CXX_FLAGS=-U__AMX_INT8__

$(LLAMA_CPP_SRC)/pyproject.toml: | $(BIN)/python
	mkdir -p $(LLAMA_CPP_DIR)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: --build-constraint constraints.txt \
		-d $(LLAMA_CPP_DIR) llama-cpp-python==$(LLAMA_CPP_VERSION)
	tar -xzf $(LLAMA_CPP_DIR)/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz -C $(LLAMA_CPP_DIR)
	touch $@

$(VENV)/.installed-llama: $(LLAMA_CPP_SRC)/pyproject.toml constraints.txt | $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip install --build-constraint constraints.txt -c constraints.txt ./$(LLAMA_CPP_SRC)
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
