"""What ships: the built wheel holds the provider and the emulator users' tests import, nothing else.

``docs/architecture.rst`` names every module of the package (and no module that is not there), and
states the layers the import contracts (``.importlinter``) check: those contracts hold, and they catch an
import that runs back up a layer. Importing the DAG-facing modules imports nothing only a task needs.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.harness.import_probe import DAG_FACING, modules_added, run_time_only

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "airflow_provider_cams"
CONTRACTS = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# A module that launches Airflow components is a deployment harness: it belongs in tests/harness/.
HARNESS_MARKERS = re.compile(r"""["'](api-server|scheduler|dag-processor|triggerer|celery)["']""")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("airflow_provider_cams-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_only_the_package(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"airflow_provider_cams"}


def test_no_shipped_module_starts_airflow_components(wheel: zipfile.ZipFile) -> None:
    offenders = [
        name
        for name in wheel.namelist()
        if name.endswith(".py") and HARNESS_MARKERS.search(wheel.read(name).decode())
    ]
    assert offenders == []


def test_the_wheel_ships_every_module_of_the_tree(wheel: zipfile.ZipFile) -> None:
    shipped = {n for n in wheel.namelist() if n.startswith("airflow_provider_cams/") and n.endswith(".py")}
    in_tree = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")}
    assert "airflow_provider_cams/flowjson/flow_json.schema.json" in wheel.namelist()
    assert shipped == in_tree


def _documented_tree() -> set[str]:
    """The modules the architecture page's tree names, as paths relative to the package."""
    text = (ROOT / "docs" / "architecture.rst").read_text()
    block = text.split(".. code-block:: text", 1)[1].split("\n\n", 2)[1]
    paths: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in block.splitlines()[1:]:  # the first line is the package itself
        entry = line.split()[0]
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        prefix = "/".join(name for _, name in stack)
        path = f"{prefix}/{entry}" if prefix else entry
        if entry.endswith("/"):
            stack.append((indent, entry.rstrip("/")))
        parts = path.rstrip("/").split("/")
        paths.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return paths


def test_the_architecture_page_matches_the_tree() -> None:
    documented = _documented_tree()
    actual = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix in (".py", ".json") and p.name != "__init__.py"
    } | {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert documented == actual


def test_every_public_module_imports_in_a_fresh_interpreter() -> None:
    """Each module of the package imports on its own (no hidden import order), without the SDK."""
    code = (
        "import importlib, pkgutil, sys, airflow_provider_cams as p\n"
        "names = [m.name for m in pkgutil.walk_packages(p.__path__, 'airflow_provider_cams.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.split()[-1]) >= 40


def _lint_imports(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(CONTRACTS), "--no-cache"],
        cwd=pythonpath or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold() -> None:
    out = _lint_imports()
    assert out.returncode == 0, out.stdout[-4000:]
    assert "0 broken" in out.stdout


def test_an_import_back_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    """Negative control: the same contracts on a copy of the package where utils imports the hook."""
    copy = tmp_path / "airflow_provider_cams"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "utils" / "validation.py").open("a") as module:
        module.write("\nfrom airflow_provider_cams.hooks.cams import CamsHook  # noqa: E402\n")
    out = _lint_imports(pythonpath=tmp_path)
    assert out.returncode != 0
    assert "airflow_provider_cams.utils.validation -> airflow_provider_cams.hooks.cams" in " ".join(
        out.stdout.split()
    )


def _documented_layers() -> list[str]:
    """The layers the architecture page lists under "The import contract", top first."""
    text = (ROOT / "docs" / "architecture.rst").read_text()
    block = text.split("The import contract\n", 1)[1].split(".. code-block:: text", 1)[1]
    lines = block.split("\n\n", 2)[1].splitlines()
    return [" ".join(line.split("#", 1)[0].split()) for line in lines if line.strip()]


def test_the_architecture_page_states_the_checked_layers() -> None:
    config = configparser.ConfigParser()
    config.read(CONTRACTS)
    layers = [" ".join(line.split()) for line in config["importlinter:contract:layers"]["layers"].split("\n")]
    assert _documented_layers() == [layer for layer in layers if layer]


def test_importing_the_dag_facing_modules_imports_nothing_only_a_task_needs() -> None:
    """By module name, never by time: what a DAG file pays at parse time (benchmarks/import_time.py
    measures it). The provider's operators, sensor and trigger modules add no hook, transport, SDK,
    tenacity or jsonschema module to those Airflow itself imports."""
    added = modules_added(DAG_FACING)
    assert "airflow_provider_cams.operators.flow" in added  # the probe sees what the import added
    assert run_time_only(added) == []
