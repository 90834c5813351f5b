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
# The lower supported Airflow versions: `make test-compat-all` runs the version-sensitive tests (marker
# `compat`, see tests/conftest.py) on each. Adding one = adding it here and its constraints file.
COMPAT_AIRFLOW_VERSIONS := 3.1.8 3.2.2
PYTEST_ARGS ?=
MARKERS ?= not distributed and not ui
# pytest-xdist workers for the tests that start no Airflow deployment (each worker has its own
# AIRFLOW_HOME and SQLite, tests/conftest.py). Deployments (stack, scheduler) always run one at a time.
JOBS ?= 2
PARALLEL := -n $(JOBS) --dist loadfile
SERIAL := -p no:xdist
# pytest exits 5 when a marker selection is empty (e.g. MARKERS without stack tests): not a failure.
ALLOW_EMPTY := || [ $$? = 5 ]

.PHONY: venv demo test pytest test-compat test-compat-all test-distributed redis test-ui chromium ui lint \
	typecheck docs bench constraints clean

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

# lint-imports: the import contracts in .importlinter (layers, no circle, flowjson/testing independent).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check airflow_provider_cams tests example_dags scripts benchmarks

typecheck: venv
	$(BIN)/mypy

docs: venv
	$(BIN)/python -m sphinx -W --keep-going -n -q -b html docs docs/_build/html

test: lint typecheck docs pytest

# The suite without lint/docs: in-process tests on $(JOBS) workers and, beside them, the real deployments
# one at a time (each pytest run has its own AIRFLOW_HOME; the deployments mostly wait on the rate pacing,
# and every rate assertion is a guarantee that holds under any load). The deployments' output follows.
pytest: venv
	@mkdir -p build
	@set +e; \
	$(BIN)/python -m pytest $(SERIAL) -m "($(MARKERS)) and (stack or scheduler)" $(PYTEST_ARGS) \
		> build/pytest-deployments.log 2>&1 & deployments=$$!; \
	$(BIN)/python -m pytest $(PARALLEL) -m "($(MARKERS)) and not stack and not scheduler" $(PYTEST_ARGS); \
	inprocess=$$?; wait $$deployments; serial=$$?; \
	echo "--- the real deployments (stack, scheduler), run beside the tests above:"; \
	cat build/pytest-deployments.log; \
	ok() { [ "$$1" = 0 ] || [ "$$1" = 5 ]; }; \
	ok $$inprocess && ok $$serial || { echo "FAILED: in-process exit $$inprocess, deployments exit $$serial"; exit 1; }

# What depends on the Airflow version (dag.test() integration, provider registration, connection form,
# the pool CLI, secrets masking): `make test-compat AIRFLOW_VERSION=3.2.2`.
# A deployment test marked compat would run in the serial half (none is today: they cost minutes each).
test-compat: venv
	$(BIN)/python -m pytest $(PARALLEL) -m "compat and not stack and not scheduler and not distributed and not ui" \
		$(PYTEST_ARGS)
	$(BIN)/python -m pytest $(SERIAL) -m "compat and (stack or scheduler) and not distributed and not ui" \
		$(PYTEST_ARGS) $(ALLOW_EMPTY)

test-compat-all:
	set -e; for version in $(COMPAT_AIRFLOW_VERSIONS); do $(MAKE) test-compat AIRFLOW_VERSION=$$version; done

# The rate guarantee with CeleryExecutor, two workers and a real Redis broker (Debian's redis-server).
test-distributed: venv redis
	$(BIN)/python -m pytest $(SERIAL) -m distributed $(PYTEST_ARGS)

redis:
	@command -v redis-server >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

# The provider in the Airflow UI through a headless Chromium (Debian's package: Playwright's own
# browser download is not used). Screenshots land in build/ui-screenshots/.
test-ui: venv chromium
	$(BIN)/python -m pytest $(SERIAL) -m ui tests/ui $(PYTEST_ARGS)

chromium:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# Airflow (UI, scheduler, dag-processor, triggerer) + the CAMS emulator + example_dags/ on 127.0.0.1,
# until Ctrl-C. Home: build/ui-home (kept; `$(BIN)/python scripts/ui.py --fresh` starts over).
ui: venv
	$(BIN)/python scripts/ui.py

# Throughput of each publishing strategy (benchmarks/qps.py), then of sends (benchmarks/sends.py), through
# a real scheduler.
bench: venv
	$(BIN)/python benchmarks/qps.py
	$(BIN)/python benchmarks/sends.py

# Regenerate a pinned set (needs PyPI). Older Airflow versions resolve as of their release date
# (EXCLUDE_NEWER), as Airflow's own constraints would: see constraints/README.md.
constraints: venv
	$(BIN)/python scripts/compile_constraints.py $(AIRFLOW_VERSION)

clean:
	rm -rf .venv .venv-airflow-* build dist .mypy_cache .ruff_cache .pytest_cache docs/_build
