# make run  — set everything up, seed the demo practice, start the server on SQLite.
# make test — set everything up (Debian's chromium, redis, PostgreSQL, npm's build tools included) and run every test.
# make bench — every benchmark in bench/, each printing a table (installs wrk and the bench extra).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE := $(CURDIR)/instance

.PHONY: run test bench lint setup system-deps bench-deps clean js js-check

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The browser code's tools (terser, eslint), exactly as package-lock.json pins them.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP)

# Build the loader that ships (static/rtr/embed.js) from its readable source (js/embed.js).
js: $(NODE_STAMP)
	node js/build.mjs static/rtr/embed.js

# Lint the browser code, and fail when the committed loader is not what its source builds to.
js-check: $(NODE_STAMP)
	npx --no-install eslint
	@built=$$(mktemp --suffix=.js); trap 'rm -f "$$built"' EXIT; \
	node js/build.mjs "$$built" || exit 1; \
	cmp -s "$$built" static/rtr/embed.js || { echo "static/rtr/embed.js is stale: run 'make js' and commit it."; exit 1; }

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(BENCH_STAMP)

# What the benchmarks drive besides the test dependencies: wrk (the load generator) from Debian.
bench-deps: $(BENCH_STAMP) system-deps
	@command -v wrk >/dev/null || { echo "Installing: wrk"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

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
	@export RTR_SECRET_KEY=$$(cat $(INSTANCE)/dev-secret) RTR_INSTANCE_PATH=$(INSTANCE) \
	  RTR_PUBLIC_URL=http://$(HOST):$(PORT) RTR_RATELIMIT_STORAGE_URI=memory:// RTR_WEBHOOK_ALLOW_PRIVATE=true; \
	$(PY) -W ignore::UserWarning -m flask --app widget rtr demo && \
	echo "" && \
	echo "  Demo blog post with the widget:  http://$(HOST):$(PORT)/demo" && \
	echo "  Hosted page (no-JS fallback):    http://$(HOST):$(PORT)/w/demo" && \
	echo "  Admin:                           http://$(HOST):$(PORT)/admin/" && \
	echo "  Emails are written to:           $(INSTANCE)/outbox/" && \
	echo "" && \
	$(PY) -W ignore::UserWarning -m flask --app widget run --host $(HOST) --port $(PORT)

test: setup system-deps js-check
	$(VENV)/bin/ruff check widget tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -p no:cacheprovider

# Every bench/*.py, each printing its table; one that fails doesn't stop the others, but fails the run.
bench: bench-deps
	@failed=""; \
	for script in bench/*.py; do \
	  echo ""; echo "== $$script"; \
	  $(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo ""; echo "Failed:$$failed"; exit 1; fi

lint: setup js-check
	$(VENV)/bin/ruff check widget tests bench
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info .pytest_cache
