# SISTRA — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# Django 6 needs Python >= 3.12: take the first interpreter that is new enough.
PYTHON ?= $(shell for p in python3.13 python3.12 $$(ls -d /root/.pyenv/versions/3.1[3-9]*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 2>/dev/null) python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test install lint messages clean system-deps

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Se necesita Python 3.12 o superior"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt package.json | $(BIN)/python
	@$(MAKE) --no-print-directory system-deps
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; else echo "npm no está instalado: htmx no estará disponible"; fi
	@$(BIN)/python -m sistra.core.keyfile ensure var/keys.json
	@touch $@

# WeasyPrint (PDFs) needs Debian's Pango; installed here when missing and we may (root), else explained.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpango-1.0; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null) \
			|| echo "No se pudo instalar Pango: los PDF no estarán disponibles"; \
		else echo "Falta Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0): los PDF no estarán disponibles"; fi; \
	fi

install: $(VENV)/.installed

demo: install
	@$(BIN)/python -m sistra.core.keyfile ensure var/keys.json
	DJANGO_SETTINGS_MODULE=config.settings.demo $(BIN)/sistra demo --port $(PORT)

# Import contracts (.importlinter) and types (pyproject [tool.mypy]) before the tests; neither keeps a cache, so
# that the SQLite and PostgreSQL runs of CI can share the checkout.
test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/mypy --cache-dir=/dev/null
	$(BIN)/sistra makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# From the repository root so that every app and templates/ land in locale/ (LOCALE_PATHS); the .po and .mo
# are both committed (docs/decisions/0004-spanish-source-strings.md).
messages: install
	$(BIN)/sistra makemessages -l en --ignore=node_modules --ignore=var --ignore=.venv --ignore='*/tests/*' \
		--ignore=tests --ignore=benchmarks --no-obsolete
	$(BIN)/sistra compilemessages -l en --ignore=node_modules --ignore=var --ignore=.venv
	msgfmt --check-format -o /dev/null locale/en/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var node_modules
