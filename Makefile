# Two commands matter: `make run` (the portal) and `make test` (everything CI checks).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := wsgi

.PHONY: run test lint i18n i18n-compile bench clean db seed worker constraints

# Every install goes through constraints.txt: the exact versions of the transitive packages too.
$(STAMP): requirements.txt constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

i18n-compile: $(STAMP)
	$(BIN)/flask i18n compile

db: $(STAMP)
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed

## run: install, migrate, load the real data, and serve on 127.0.0.1:5000 with one worker.
PORT ?= 5000
SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP) i18n-compile seed
	SITE_URL=$(SITE_URL) $(BIN)/flask serve --host 127.0.0.1 --port $(PORT)

worker: $(STAMP)
	$(BIN)/flask worker

## test: install what the tests need, then ruff, the translation gate, the KRDS tree and pytest.
test: $(DEV_STAMP)
	bash scripts/ensure_test_system.sh
	$(BIN)/ruff check .
	$(BIN)/flask i18n check
	$(BIN)/python scripts/vendor_krds.py --check
	$(BIN)/flask i18n compile
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

## bench: the speed table of docs/benchmarks.md (PostgreSQL, gunicorn, Redis, wrk; about 10 minutes).
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/madang_bench
export BENCH_DATABASE_URL
bench: $(DEV_STAMP) i18n-compile
	bash scripts/bench_prepare.sh
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## i18n: extract new strings and merge them into the ko and en catalogs.
i18n: $(STAMP)
	$(BIN)/flask i18n update

## constraints: after changing requirements*.txt, re-resolve everything in a scratch venv and freeze it.
constraints:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PY) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt; \
	{ sed -n '/^#/p' constraints.txt; "$$tmp/venv/bin/pip" freeze; } > "$$tmp/constraints.txt"; \
	mv "$$tmp/constraints.txt" constraints.txt

clean:
	rm -rf $(VENV) instance .pytest_cache
