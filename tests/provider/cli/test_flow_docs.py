"""The flows-as-code docs, followed as written: the pre-commit hook's ``files`` pattern and the
``cams-flow validate`` commands run against the documented repository layout (``dags/flows/``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PAGES = [ROOT / "docs" / "flows_as_code.rst", ROOT / "docs" / "flow_json.rst"]
EXAMPLE = ROOT / "example_dags" / "flows" / "signup.json"
COMMAND = re.compile(r"cams-flow validate ([^\s`]+)")


def _layout() -> list[str]:
    """The files of the documented layout (the text block under 'Repository layout'), as paths."""
    text = PAGES[0].read_text()
    block = text.split("Repository layout", 1)[1].split(".. code-block:: text", 1)[1]
    lines = [line for line in block.splitlines()[1:] if line.strip()]
    lines = lines[: next(i for i, line in enumerate(lines) if not line.startswith("   "))]
    paths, stack = [], []  # (indent, folder)
    for line in lines:
        name = line.strip().split()[0]
        indent = len(line) - len(line.lstrip())
        stack = [(i, f) for i, f in stack if i < indent]
        if name.endswith("/"):
            stack.append((indent, name.rstrip("/")))
        else:
            paths.append("/".join([f for _, f in stack] + [name]))
    return paths


def _hooks() -> list[dict[str, str]]:
    """Every documented cams-flow pre-commit hook (the YAML blocks, as YAML)."""
    hooks = []
    for page in PAGES:
        for block in re.findall(r".. code-block:: yaml\n\n((?:    .*\n|\n)+)", page.read_text()):
            config = yaml.safe_load(textwrap.dedent(block))
            if isinstance(config, dict) and "repos" in config:
                hooks += [h for repo in config["repos"] for h in repo["hooks"] if "cams-flow" in h["entry"]]
    return hooks


def _commands() -> list[str]:
    found = {m for page in [*PAGES, ROOT / "README.md"] for m in COMMAND.findall(page.read_text())}
    # Globs over the layout (this repo's own example_dags/ and single-file examples are not the layout).
    return sorted(c for c in found if "*" in c and not c.startswith("example_dags/"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The documented layout, with a valid Flow JSON in every .json file."""
    for rel in _layout():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(EXAMPLE.read_bytes() if rel.endswith(".json") else b"")
    return tmp_path


def test_the_layout_is_the_documented_one() -> None:
    assert "dags/flows/signup.json" in _layout() and "dags/whatsapp_flows.py" in _layout()


def test_the_pre_commit_hook_selects_exactly_the_flow_files(repo: Path) -> None:
    hooks = _hooks()
    assert len(hooks) == 2, hooks  # one on each page, the same
    flows = {p for p in _layout() if p.endswith(".json")}
    for hook in hooks:
        selected = {p for p in _layout() if re.search(hook["files"], p)}  # pre-commit's own matching
        assert selected == flows, (hook["files"], selected)


def test_the_documented_commands_validate_the_layout(repo: Path) -> None:
    commands = _commands()
    assert commands == ["dags/flows/*.json"], commands
    cli = shutil.which("cams-flow", path=str(Path(sys.executable).parent))
    assert cli is not None
    for pattern in commands:
        command = f"{cli} validate {pattern}"  # through a shell, which expands the glob as documented
        ok = subprocess.run(command, shell=True, cwd=repo, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        (repo / "dags" / "flows" / "survey.json").write_text('{"version": "7.3", "screens": []}')
        bad = subprocess.run(command, shell=True, cwd=repo, capture_output=True, text=True)
        assert bad.returncode == 1 and "dags/flows/survey.json:" in bad.stdout, bad.stdout + bad.stderr
