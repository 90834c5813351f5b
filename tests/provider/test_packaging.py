"""What ships: the built wheel holds the provider and the emulator users' tests import, nothing else.

And ``docs/architecture.rst`` names every module of the package (and no module that is not there).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "airflow_provider_cams"
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
        if p.is_file()
        and p.suffix in (".py", ".json")
        and p.name != "__init__.py"
        and p.parent.name != "testing"
    } | {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.is_dir() and p.name != "__pycache__" and p.parent.name != "testing"
    }
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
