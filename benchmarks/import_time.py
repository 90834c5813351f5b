"""What importing the operators module adds to DAG parse time.

Median wall time of N fresh interpreter processes importing ``airflow.sdk`` alone (what any Airflow 3
DAG file pays) against ``airflow.sdk`` + ``airflow_provider_cams.operators.flow``; also checks that
no Alibaba SDK module gets imported. Run: ``.venv/bin/python benchmarks/import_time.py [N]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

BASELINE = "import airflow.sdk"
WITH_PROVIDER = "import airflow.sdk; import airflow_provider_cams.operators.flow"
CHECK = (
    "import sys, airflow_provider_cams.operators.flow; "
    "bad = sorted(m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', 'Tea'))); "
    "print(','.join(bad))"
)


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def provider_cumulative_ms() -> float:
    """``-X importtime``'s cumulative time of the operators module after airflow.sdk: what it adds."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", WITH_PROVIDER], check=True, capture_output=True, text=True
    ).stderr
    for line in out.splitlines():
        if line.rstrip().endswith("| airflow_provider_cams.operators.flow"):
            return int(line.split("|")[1]) / 1000
    raise RuntimeError("airflow_provider_cams.operators.flow not in -X importtime output")


def main(n: int = 9) -> int:
    _time(BASELINE)  # warm the OS file cache
    base, prov = [], []
    for _ in range(n):  # interleave so drift hits both alike
        base.append(_time(BASELINE))
        prov.append(_time(WITH_PROVIDER))
    leaked = subprocess.run(
        [sys.executable, "-c", CHECK], check=True, capture_output=True, text=True
    ).stdout.strip()
    mb, mp = statistics.median(base), statistics.median(prov)
    print(f"fresh processes: {n} each")
    print(f"import airflow.sdk                         median {mb * 1000:7.1f} ms")
    print(f"  + airflow_provider_cams.operators.flow   median {mp * 1000:7.1f} ms")
    print(f"added by the provider                      median {(mp - mb) * 1000:7.1f} ms ({mp / mb:.3f}x)")
    own = statistics.median(provider_cumulative_ms() for _ in range(n))
    print(f"-X importtime, the provider's own modules   median {own:7.1f} ms")
    print(f"Alibaba SDK modules imported: {leaked or 'none'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9))
