"""Regenerate constraints/airflow-<version>.txt, the pinned set `make` installs.

The newest Airflow resolves against today's PyPI. An older Airflow resolves as of a few days after its
release (uv's ``--exclude-newer``), the way Airflow's own constraints file for it was made; only this
provider's own Alibaba SDK stack and dev tools may be newer. Airflow 3.2.2 with today's pydantic/cadwyn
fails at run time, which is why this matters.

Run: ``.venv/bin/python scripts/compile_constraints.py 3.2.2``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Published: 3.1.8 on 2026-03-11, 3.2.2 on 2026-05-29.
RESOLVE_AS_OF = {"3.1.8": "2026-03-16", "3.2.2": "2026-06-05"}
ALWAYS_CURRENT = [
    "alibabacloud-cams20200606",
    "alibabacloud-tea-openapi",
    "alibabacloud-credentials",
    "alibabacloud-credentials-api",
    "darabonba-core",
    "alibabacloud-tea-util",
    "alibabacloud-gateway-spi",
    "alibabacloud-tea",
    "playwright",
    "sphinx",
]


def main(version: str) -> int:
    local = Path(sys.executable).with_name("uv")
    uv = str(local) if local.exists() else (shutil.which("uv") or "uv")
    target = ROOT / "constraints" / f"airflow-{version}.txt"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pin:
        pin.write(f"apache-airflow=={version}\n")
    cmd = [
        uv,
        "pip",
        "compile",
        str(ROOT / "pyproject.toml"),
        pin.name,
        "--extra",
        "dev",
        "--universal",
        "--python-version",
        "3.10",
        "--no-header",
        "-q",
        "-o",
        str(target),
    ]
    if version in RESOLVE_AS_OF:
        cmd += ["--exclude-newer", RESOLVE_AS_OF[version]]
        for package in ALWAYS_CURRENT:
            cmd += ["--exclude-newer-package", f"{package}=2100-01-01"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    lines = [ln for ln in target.read_text().splitlines() if not ln.startswith("airflow-provider-cams")]
    target.write_text("\n".join(lines) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "3.3.2"))
