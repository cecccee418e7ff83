# Berkas — one command each: `make demo` for a running demo, `make test` for the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What the application needs, and that plus the test tools: exact versions with hashes.
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
UV       := uv==0.13.8

.PHONY: install install-dev lock test lint demo serve bench clean

# Install exactly the lock, then the project itself without resolving anything; `pip check`
# catches a lock that no longer covers pyproject.toml (someone added a dependency).
define install_from
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(1)
	$(BIN)/pip install --quiet --no-deps -e .
	@$(BIN)/pip check >$(VENV)/.check 2>&1 || { cat $(VENV)/.check; \
	  echo "berkas: $(1) is stale: it does not cover pyproject.toml's dependencies; run \`make lock\`"; exit 1; }
endef

$(VENV)/.runtime: $(LOCK) pyproject.toml
	$(call install_from,$(LOCK))
	touch $@

$(VENV)/.dev: $(DEV_LOCK) pyproject.toml
	$(call install_from,$(DEV_LOCK))
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Regenerate both locks from pyproject.toml (newest versions allowed by it); the dev lock
# keeps the runtime lock's versions. After a rebase conflict in a lock: take either side, rerun.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(UV)
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	  --extra dev -c $(LOCK) --custom-compile-command "make lock" -o $(DEV_LOCK)

# PostgreSQL: BERKAS_TEST_DATABASE_URL, else 127.0.0.1:5432 as postgres, else the local
# cluster started with pg_ctlcluster, else one clear line and a failure.
test: $(VENV)/.dev
	$(BIN)/lint-imports
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	BERKAS_TEST_DATABASE_URL="$$($(BIN)/python -m tests.ensure_postgres)" $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: $(VENV)/.runtime
	$(BIN)/berkas demo --serve

serve: $(VENV)/.runtime
	$(BIN)/berkas serve

bench: $(VENV)/.dev
	BERKAS_BENCH_DATABASE_URL="$$($(BIN)/python -m tests.ensure_postgres)" $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis berkas.db berkas.db-wal berkas.db-shm
