"""How long ``validate_flow_json`` takes on a ~1.1 MB flow, valid and with one error, in one run.

    .venv/bin/python benchmarks/validate_flow.py [--target-bytes 1100000] [--runs 15] [--cpu]

The flow is built like a real large one: screens with a heading, a long body text, a base64 image,
a 20-option radio group, a 100-option dropdown and a text input, chained by navigate actions to a
terminal screen. The broken copy differs by one value in its middle screen (a label that is a
number). Prints the medians of several runs, and the ratios (broken / valid, valid / json.loads)
measured in the same process; asserts nothing about time (machines differ).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airflow_provider_cams.flowjson import validate_flow_json

IMAGE = base64.b64encode(bytes(range(256)) * 30).decode()  # ~10 KB of base64


def screen_id(n: int) -> str:
    """Letters and underscores only, as Meta requires: 0 -> STEP_A, 27 -> STEP_BB."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"STEP_{letters}"


def build_screen(n: int, last: bool) -> dict[str, Any]:
    footer_action: dict[str, Any] = (
        {"name": "complete", "payload": {"answer": "${form.choice}"}}
        if last
        else {"name": "navigate", "next": {"type": "screen", "name": screen_id(n + 1)}, "payload": {}}
    )
    screen: dict[str, Any] = {
        "id": screen_id(n),
        "title": f"Step {n + 1}",
        "layout": {
            "type": "SingleColumnLayout",
            "children": [
                {"type": "TextHeading", "text": f"Question {n + 1}"},
                {"type": "TextBody", "text": "Please read carefully before answering. " * 25},
                {
                    "type": "Image",
                    "src": IMAGE,
                    "height": 120,
                    "scale-type": "contain",
                    "alt-text": "diagram",
                },
                {
                    "type": "RadioButtonsGroup",
                    "name": "choice",
                    "label": "Pick one",
                    "required": True,
                    "data-source": [
                        {"id": f"c{i}", "title": f"Choice {i}", "description": "A longer explanation " * 4}
                        for i in range(20)
                    ],
                },
                {
                    "type": "Dropdown",
                    "name": "city",
                    "label": "City",
                    "data-source": [{"id": f"city_{i}", "title": f"City number {i}"} for i in range(100)],
                },
                {
                    "type": "TextInput",
                    "name": "note",
                    "label": "Note",
                    "input-type": "text",
                    "required": False,
                },
                {"type": "Footer", "label": "Done" if last else "Next", "on-click-action": footer_action},
            ],
        },
    }
    if last:
        screen["terminal"] = True
        screen["success"] = True
    return screen


def build_flow(target_bytes: int) -> str:
    screens: list[dict[str, Any]] = []
    size = 0
    while size < target_bytes and len(screens) < 100:
        screens.append(build_screen(len(screens), last=False))
        size += len(json.dumps(screens[-1], indent=2))
    screens[-1] = build_screen(len(screens) - 1, last=True)
    return json.dumps({"version": "7.3", "screens": screens}, indent=2)


def medians_ms(cases: dict[str, Any], runs: int, clock: Any = time.perf_counter) -> dict[str, float]:
    """Median time of each case, the cases taken in turn in every round so that a machine whose
    load changes during the run slows them all alike (the ratios stay meaningful). ``clock`` is
    wall time by default; ``time.process_time`` counts only this process's CPU time, which other
    work on a shared machine inflates far less."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, func in cases.items():
            start = clock()
            func()
            times[name].append((clock() - start) * 1000)
    return {name: statistics.median(found) for name, found in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-bytes", type=int, default=1_100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time this process's CPU time instead of wall time (shared machines)",
    )
    args = parser.parse_args(argv)
    text = build_flow(args.target_bytes)
    errors = validate_flow_json(text)  # also warms up the schema and the validator
    if errors:
        for error in errors[:10]:
            print(error.format("benchmark-flow.json"))
        print("the benchmark flow is not valid: fix build_flow()", file=sys.stderr)
        return 1
    flow = json.loads(text)
    screens = len(flow["screens"])
    middle = screens // 2
    broken = json.loads(text)
    broken["screens"][middle]["layout"]["children"][3]["label"] = 7
    broken_text = json.dumps(broken, indent=2)
    found = validate_flow_json(broken_text)
    if len(found) != 1:
        print(f"the broken flow should have exactly one error, has {len(found)}", file=sys.stderr)
        return 1
    middle_id = flow["screens"][middle]["id"]
    duplicate_text = text.replace(
        f'"id": "{middle_id}",', f'"id": "{middle_id}",\n      "id": "{middle_id}",', 1
    )
    ms = medians_ms(
        {
            "loads": lambda: json.loads(text),
            "valid": lambda: validate_flow_json(text),
            "broken": lambda: validate_flow_json(broken_text),
            "duplicate": lambda: validate_flow_json(duplicate_text),
            "dict": lambda: validate_flow_json(flow),
        },
        args.runs,
        time.process_time if args.cpu else time.perf_counter,
    )
    loads_ms, text_ms, broken_ms, duplicate_ms, dict_ms = (
        ms["loads"],
        ms["valid"],
        ms["broken"],
        ms["duplicate"],
        ms["dict"],
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, ", end=""
    )
    print(f"load average {os.getloadavg()[0]:.1f}, {'CPU' if args.cpu else 'wall'} time")
    print(f"flow: {len(text.encode()):,} bytes, {screens} screens")
    print(f"json.loads alone:                  {loads_ms:8.2f} ms")
    print(f"validate_flow_json(text), valid:   {text_ms:8.2f} ms  ({text_ms / loads_ms:.1f}x json.loads)")
    print(f"validate_flow_json(text), 1 error: {broken_ms:8.2f} ms  ({broken_ms / text_ms:.2f}x valid)")
    print(f"  the error: {found[0].format('broken.json')}")
    print(
        f"validate_flow_json(text), dup key: {duplicate_ms:8.2f} ms  ({duplicate_ms / text_ms:.2f}x valid; "
        "strict JSON: a repeated key in the middle screen)"
    )
    print(
        f"validate_flow_json(dict), valid:   {dict_ms:8.2f} ms  (includes the re-serialisation for the size "
        "check)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
