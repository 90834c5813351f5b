# Two commands on a fresh machine (python3 >= 3.10, make, git): `make demo` and `make test`.
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
UV_VERSION := 0.13.9
VENV ?= .venv
CONSTRAINTS := constraints/airflow-$(AIRFLOW_VERSION).txt
STAMP := $(VENV)/.installed-airflow-$(AIRFLOW_VERSION)
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: venv demo test test-distributed redis lint typecheck bench constraints clean

venv: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -f $(CONSTRAINTS) || { echo "No pinned set for Airflow $(AIRFLOW_VERSION): $(CONSTRAINTS)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet \
		-c $(CONSTRAINTS) -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/python scripts/demo.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check airflow_provider_cams tests example_dags scripts benchmarks

typecheck: venv
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -m "not distributed" $(PYTEST_ARGS)

# The rate guarantee with CeleryExecutor, two workers and a real Redis broker (Debian's redis-server).
test-distributed: venv redis
	$(BIN)/python -m pytest -m distributed $(PYTEST_ARGS)

redis:
	@command -v redis-server >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }

# Throughput of each publishing strategy through a real scheduler (benchmarks/qps.py).
bench: venv
	$(BIN)/python benchmarks/qps.py

# Regenerate the pinned set from pyproject.toml (needs network to PyPI).
constraints: venv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 --no-header \
		-o $(CONSTRAINTS)

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache docs/_build
