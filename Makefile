# Two commands on a fresh machine (python3 >= 3.10, make, git): `make demo` and `make test`.
PYTHON ?= python3
# Tested Airflow versions: 3.1.8, 3.2.2 and the newest (default). `make test AIRFLOW_VERSION=3.1.8`.
DEFAULT_AIRFLOW := 3.3.2
AIRFLOW_VERSION ?= $(DEFAULT_AIRFLOW)
UV_VERSION := 0.13.9
VENV ?= $(if $(filter $(DEFAULT_AIRFLOW),$(AIRFLOW_VERSION)),.venv,.venv-airflow-$(AIRFLOW_VERSION))
CONSTRAINTS := constraints/airflow-$(AIRFLOW_VERSION).txt
STAMP := $(VENV)/.installed-airflow-$(AIRFLOW_VERSION)
BIN := $(VENV)/bin
PYTEST_ARGS ?=
MARKERS ?= not distributed and not ui

.PHONY: venv demo test test-distributed redis test-ui chromium ui lint typecheck docs bench constraints clean

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

docs: venv
	$(BIN)/python -m sphinx -W --keep-going -n -q -b html docs docs/_build/html

test: lint typecheck docs
	$(BIN)/python -m pytest -m "$(MARKERS)" $(PYTEST_ARGS)

# The rate guarantee with CeleryExecutor, two workers and a real Redis broker (Debian's redis-server).
test-distributed: venv redis
	$(BIN)/python -m pytest -m distributed $(PYTEST_ARGS)

redis:
	@command -v redis-server >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

# The provider in the Airflow UI through a headless Chromium (Debian's package: Playwright's own
# browser download is not used). Screenshots land in build/ui-screenshots/.
test-ui: venv chromium
	$(BIN)/python -m pytest -m ui tests/ui $(PYTEST_ARGS)

chromium:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# Airflow (UI, scheduler, dag-processor, triggerer) + the CAMS emulator + example_dags/ on 127.0.0.1,
# until Ctrl-C. Home: build/ui-home (kept; `$(BIN)/python scripts/ui.py --fresh` starts over).
ui: venv
	$(BIN)/python scripts/ui.py

# Throughput of each publishing strategy through a real scheduler (benchmarks/qps.py).
bench: venv
	$(BIN)/python benchmarks/qps.py

# Regenerate a pinned set (needs PyPI). Older Airflow versions resolve as of their release date
# (EXCLUDE_NEWER), as Airflow's own constraints would: see constraints/README.md.
constraints: venv
	$(BIN)/python scripts/compile_constraints.py $(AIRFLOW_VERSION)

clean:
	rm -rf .venv .venv-airflow-* build dist .mypy_cache .ruff_cache .pytest_cache docs/_build
