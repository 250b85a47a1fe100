# Two commands on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
B := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench graphviz mermaid docs

# The virtual environment is rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(B)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(B)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Graphviz's `dot` renders the maps: installed with apt-get when missing and we are root.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Graphviz (apt-get install graphviz)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz 'dot' is missing: install it with 'sudo apt-get install graphviz'" \
		     "(Debian/Ubuntu), 'brew install graphviz' (macOS) or from graphviz.org" >&2; \
	fi

# The real Mermaid parser, for the tests of Mermaid output: installed with npm when npm is there
# (the tests that need it are skipped otherwise).
MERMAID := $(VENV)/mermaid/node_modules/mermaid/package.json
mermaid: $(STAMP)
	@if [ -f $(MERMAID) ] || ! command -v npm >/dev/null 2>&1; then :; else \
		echo "installing the Mermaid parser for the tests (npm install mermaid jsdom)"; \
		npm install --prefix $(VENV)/mermaid --no-audit --no-fund --silent mermaid@11.17.2 jsdom@29.1.1 >/dev/null \
		|| echo "could not install the Mermaid parser: the tests that need it are skipped" >&2; \
	fi

# Check and render the example model; `check` exits 1 because the example has findings on purpose.
run: $(STAMP) graphviz
	$(B)/lineage validate flows
	$(B)/lineage check flows || [ $$? -eq 1 ]
	$(B)/lineage render flows -o map.svg
	@echo "map written to map.svg"

test: $(STAMP) graphviz mermaid
	$(B)/ruff check lineage tests benchmarks
	$(B)/pytest -q $(if $(T),-x -k $(T))

lint: $(STAMP)
	$(B)/ruff check lineage tests benchmarks

bench: $(STAMP) graphviz
	$(B)/python benchmarks/startup.py
	$(B)/python benchmarks/pipeline.py
	$(B)/python benchmarks/render.py

# The example map shown in the README (committed: re-run after changing flows/ or the renderer).
docs: $(STAMP) graphviz
	$(B)/lineage render flows --today 2026-11-28 -o docs/map.svg  # pinned date: the committed map does not change when a waiver expires
