# Berkas — one command each: `make demo` for a running demo, `make test` for the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint demo serve bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL: BERKAS_TEST_DATABASE_URL, else 127.0.0.1:5432 as postgres, else the local
# cluster started with pg_ctlcluster, else one clear line and a failure.
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check --quiet .
	BERKAS_TEST_DATABASE_URL="$$($(BIN)/python -m tests.ensure_postgres)" $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .

demo: $(STAMP)
	$(BIN)/berkas demo --serve

serve: $(STAMP)
	$(BIN)/berkas serve

bench: $(STAMP)
	BERKAS_BENCH_DATABASE_URL="$$($(BIN)/python -m tests.ensure_postgres)" $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis berkas.db berkas.db-wal berkas.db-shm
