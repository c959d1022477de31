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

.PHONY: run test bench lint setup system-deps bench-deps clean js js-check messages

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

# Gather every message to translate into widget/translations/messages.pot and add new ones, empty,
# to each language's .po; tests/test_i18n.py fails until each is translated. The .po files are read
# as they are when the app starts: nothing to compile. A new language: make messages LANG_NEW=fr.
messages: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --omit-header --sort-output -w 100 \
	  --ignore-dirs=".* ._ node_modules build dist tests bench" -o widget/translations/messages.pot .
	$(if $(LANG_NEW),$(VENV)/bin/pybabel init -i widget/translations/messages.pot -d widget/translations -l $(LANG_NEW) -w 100,)
	$(VENV)/bin/pybabel update -i widget/translations/messages.pot -d widget/translations \
	  --no-fuzzy-matching --ignore-obsolete -w 100

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

# Two pytest processes, each taking whole test files (their module fixtures stay in one process);
# TEST_WORKERS=0 runs everything in this one.
TEST_WORKERS ?= 2

test: setup system-deps js-check
	$(VENV)/bin/ruff check widget tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

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
