# Lexmeet: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Absolute links (invites, feeds, certificates' verify URL) follow the port `make run` serves on.
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install migrate seed bench schema messages clean deploy-check reliability fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# axe-core for the accessibility checks of the browser tests (needs npm; skipped without it).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; else echo "npm not found: browser accessibility checks will fail if Chromium is present"; fi

install: $(VENV)/.installed node_modules/.package-lock.json

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo

run: seed
	@echo ""
	@echo "Lexmeet on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs/, admin: /admin/)"
	@echo "Try: curl 'http://$(HOST):$(PORT)/api/v1/providers/?kind=lawyer'"
	# No Daphne access log: lexmeet.request logs each request as JSON with tokens redacted (config/logs.py).
	DEBUG=$${DEBUG:-1} $(BIN)/daphne --access-log /dev/null -b $(HOST) -p $(PORT) config.asgi:application

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The scaled deployment on this machine: a private nginx (Debian's binary, config from
# deploy/nginx/ in a temp dir, on free ports), two Daphne workers on PostgreSQL + Redis,
# and the end-to-end journey (tests/e2e) against it. Fails instead of skipping.
DEPLOY_CHECK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lexmeet
DEPLOY_CHECK_REDIS_URL    ?= redis://127.0.0.1:6379/0

deploy-check: install
	DATABASE_URL=$${DATABASE_URL:-$(DEPLOY_CHECK_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(DEPLOY_CHECK_REDIS_URL)} \
	  LEXMEET_E2E_STRICT=1 $(BIN)/python -m pytest tests/e2e -rs $(PYTEST_ARGS)

# The fuzzers with a large budget (CI runs them small): schemathesis against every API operation
# (FUZZ_MAX_EXAMPLES per operation, new examples each run) and the property tests times FUZZ_SCALE.
fuzz: install
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} FUZZ_RANDOM=1 FUZZ_SCALE=$${FUZZ_SCALE:-10} $(BIN)/python -m pytest -q -p no:logging \
	  tests/security/test_api_fuzz.py tests/video/test_protocol_properties.py tests/scheduling/test_slots_properties.py

schema: install
	DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

# Benchmarks run in their own venv: django-appointment (the peer of bench/slots.py) never enters .venv.
BENCH_VENV := .venv-bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lexmeet_bench

$(BENCH_VENV)/.installed: requirements.txt bench/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(BENCH_VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BENCH_VENV)/bin/python bench/slots.py
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BENCH_VENV)/bin/python bench/booking_concurrency.py
	$(BENCH_VENV)/bin/python bench/signaling.py

# docs/reliability.md: the fault, security and other `reliability` tests plus the load benchmarks
# (bench/load_booking.py, bench/load_signaling.py). PostgreSQL and Redis as below unless set; the
# fault tests start their own private redis-server and PostgreSQL cluster and never touch these.
RELIABILITY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lexmeet_reliability
RELIABILITY_REDIS_URL ?= redis://127.0.0.1:6379/11

reliability: install
	DATABASE_URL=$${DATABASE_URL:-$(RELIABILITY_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(RELIABILITY_REDIS_URL)} \
	  $(BIN)/python tools/reliability.py $(RELIABILITY_ARGS)

messages: install  ## re-extract strings, apply tools/zh_hans.py, compile (needs gettext and polib)
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench
	$(BIN)/python tools/zh_hans.py
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) $(BENCH_VENV) db.sqlite3 db.sqlite3-* var staticfiles
