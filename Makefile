# Two commands for a fresh machine (README): `make run` and `make test`.
# Both create .venv and install the project with its dev tools on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint schema bench bench-peers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,otel]'
	touch $(STAMP)

## Run the server on SQLite with demo data (GraphiQL at http://127.0.0.1:8000/graphql).
run: $(STAMP)
	$(BIN)/crm-admin serve --demo

## Run the whole suite: lint and types, then the tests on SQLite, then on PostgreSQL.
test: $(STAMP) lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	bash .ci/chromium-ready
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	bash .ci/postgres-ready
	bash .ci/chromium-ready
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest

## Benchmark: GraphQL vs hand-written reference on SQLite and PostgreSQL (bench/README.md);
## on PostgreSQL the users page also runs against PostGraphile v4 (installed from npm on first use).
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Only the users page on PostgreSQL: this server, the reference and PostGraphile v4.
bench-peers: $(STAMP)
	$(BIN)/python -m bench.run --db postgres --only "users page" $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/crm-admin export-schema --output schema.graphql

clean:
	rm -rf $(VENV) crm_admin.db crm_admin.db-wal crm_admin.db-shm
