# make run  — set everything up, seed the demo practice, start the server on SQLite.
# make test — set everything up (Debian's chromium, redis, PostgreSQL included) and run every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE := $(CURDIR)/instance

.PHONY: run test bench lint setup system-deps clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the tests drive for real. Installed only when missing (apt needs root).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

run: setup
	@mkdir -p $(INSTANCE)
	@test -s $(INSTANCE)/dev-secret || $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > $(INSTANCE)/dev-secret
	@export RTR_SECRET_KEY=$$(cat $(INSTANCE)/dev-secret) RTR_PUBLIC_URL=http://$(HOST):$(PORT) \
	  RTR_RATELIMIT_STORAGE_URI=memory:// RTR_WEBHOOK_ALLOW_PRIVATE=true; \
	$(PY) -W ignore::UserWarning -m flask --app widget rtr demo && \
	echo "" && \
	echo "  Demo blog post with the widget:  http://$(HOST):$(PORT)/demo" && \
	echo "  Hosted page (no-JS fallback):    http://$(HOST):$(PORT)/w/demo" && \
	echo "  Admin:                           http://$(HOST):$(PORT)/admin/" && \
	echo "  Emails are written to:           $(INSTANCE)/outbox/" && \
	echo "" && \
	$(PY) -W ignore::UserWarning -m flask --app widget run --host $(HOST) --port $(PORT)

test: setup system-deps
	$(VENV)/bin/ruff check widget tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup system-deps
	$(PY) bench/embed_weight.py
	$(PY) bench/submit_latency.py
	$(PY) bench/lead_admin.py

lint: setup
	$(VENV)/bin/ruff check widget tests bench
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
