"""Run every benchmark module in bench/, print a table and write bench/results.json.

A benchmark module is `bench/bench_<name>.py` with a function `figures() -> list[dict]`.
Each figure is a dict with the keys of `FIELDS`: the measured value, its unit, the
baseline it was measured beside in the same run, the goal as text (such as "<= 0.05")
and whether the goal was met. Figures are ratios to a baseline wherever possible,
because these machines are shared and noisy.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path

FIELDS = ("figure", "value", "unit", "baseline", "goal", "met")
RESULTS = Path(__file__).with_name("results.json")


def collect(selected: list[str]) -> tuple[list[dict], list[str]]:
    """Run the selected (or all) benchmark modules; return figures and failures."""
    figures: list[dict] = []
    failures: list[str] = []
    package = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if selected and info.name.removeprefix("bench_") not in selected:
            continue
        try:
            module = importlib.import_module(f"bench.{info.name}")
            for figure in module.figures():
                missing = [k for k in FIELDS if k not in figure]
                if missing:
                    raise ValueError(f"figure {figure!r} lacks {missing}")
                figures.append({k: figure[k] for k in FIELDS} | figure | {"module": info.name})
        except Exception:
            failures.append(f"{info.name}: {traceback.format_exc()}")
    return figures, failures


def table(figures: list[dict]) -> str:
    """Format figures as a plain-text table."""
    if not figures:
        return "no benchmark figures yet (add bench/bench_<name>.py with figures())"
    rows = [("figure", "value", "unit", "baseline", "goal", "met")]
    for f in figures:
        value = f["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append(
            (f["figure"], shown, f["unit"], str(f["baseline"]), str(f["goal"]), str(f["met"]))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def merge_with_earlier(figures: list[dict], selected: list[str]) -> list[dict]:
    """Keep earlier figures of the modules not run this time (a partial run adds, not wipes)."""
    if not selected or not RESULTS.exists():
        return figures
    try:
        earlier = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return figures
    ran = {f"bench_{name}" for name in selected}
    return [f for f in earlier if f.get("module") not in ran] + figures


def main(argv: list[str]) -> int:
    """Run the benchmarks named in argv (all when none) and report."""
    figures, failures = collect(argv)
    print(table(figures))
    RESULTS.write_text(json.dumps(merge_with_earlier(figures, argv), indent=2) + "\n")
    print(f"\nwrote {RESULTS}")
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
