"""Tests mirror modules: every module of the package that has logic has a test file named after it.

``airflow_provider_cams/<pkg>/<module>.py`` is tested in ``tests/provider/<pkg>/test_<module>.py``,
``airflow_provider_cams/testing/<module>.py`` (the emulator and its harness) in
``tests/emulator/test_<module>.py``. A package whose ``__init__.py`` has logic of its own is tested as a
module of its parent (``flowjson/rules/__init__.py`` -> ``tests/provider/flowjson/test_rules.py``).
Other test files (end-to-end suites, corpora, soak) may exist beside these; this check only asks that
none of the modules is left without its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "airflow_provider_cams"

# Lazy re-exports are not logic: a module whose only functions are these has nothing of its own to test.
_REEXPORT_HOOKS = frozenset({"__getattr__", "__dir__"})

# Modules with logic that have no test file of their own yet, each with why (none left: add one only with
# its reason, e.g. another branch still changes the module).
PENDING: dict[str, str] = {}


def mirrored_test(module: Path) -> Path:
    """The test file a module of the package is expected to have."""
    rel = module.relative_to(PACKAGE)
    parts = list(rel.parts)
    if parts[-1] == "__init__.py":
        parts = parts[:-1]
        name = parts.pop()
    else:
        name = Path(parts.pop()).stem
    base = ROOT / "tests" / "emulator" if parts[:1] == ["testing"] else ROOT / "tests" / "provider"
    folders = parts[1:] if parts[:1] == ["testing"] else parts
    return base.joinpath(*folders, f"test_{name}.py")


def has_logic(module: Path) -> bool:
    """A class or function of its own (at any nesting of module-level if/try), not a lazy re-export."""
    tree = ast.parse(module.read_text(), str(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name not in _REEXPORT_HOOKS:
            return True
    return False


def modules_with_logic() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if has_logic(p))


def test_every_module_with_logic_has_its_mirrored_test_file() -> None:
    missing = [
        f"{m.relative_to(PACKAGE)} -> {mirrored_test(m).relative_to(ROOT)}"
        for m in modules_with_logic()
        if not mirrored_test(m).exists() and m.relative_to(PACKAGE).as_posix() not in PENDING
    ]
    assert missing == [], "modules without their test file (add it, or say why in PENDING):\n" + "\n".join(
        missing
    )


def test_the_allow_list_names_only_modules_that_still_need_it() -> None:
    """An entry goes once its module has a test file, or has no logic any more, or is gone."""
    stale = [
        name
        for name in PENDING
        if not (PACKAGE / name).exists()
        or not has_logic(PACKAGE / name)
        or mirrored_test(PACKAGE / name).exists()
    ]
    assert stale == []


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("hooks/cams.py", "tests/provider/hooks/test_cams.py"),
        ("loopback.py", "tests/provider/test_loopback.py"),
        ("flowjson/rules/routing.py", "tests/provider/flowjson/rules/test_routing.py"),
        ("flowjson/rules/__init__.py", "tests/provider/flowjson/test_rules.py"),
        ("testing/state.py", "tests/emulator/test_state.py"),
    ],
)
def test_the_mapping(module: str, expected: str) -> None:
    assert mirrored_test(PACKAGE / module) == ROOT / expected


def test_logic_is_told_apart_from_re_exports(tmp_path: Path) -> None:
    reexport = tmp_path / "reexport.py"
    reexport.write_text("from x import y\n\n__all__ = ['y']\n\ndef __getattr__(name):\n    return name\n")
    logic = tmp_path / "logic.py"
    logic.write_text("try:\n    import x\nexcept ImportError:\n    def f():\n        return 1\n")
    assert not has_logic(reexport) and has_logic(logic)
