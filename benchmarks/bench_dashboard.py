"""Dashboard redraw speed: one step plus redraw of two 2,000-citizen models (target < 200 ms).

The redraw is the classroom page's own code path, outside the browser: for each model the
network picture (sampled, cached layout) and the three time-series charts, as SVG text.

    .venv/bin/python benchmarks/bench_dashboard.py [--repeats 30] [--population 2000]

Prints a table and writes benchmarks/out/bench_dashboard.csv.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from sim.viz import (
    CHARTS,
    ClassroomSettings,
    ModelPair,
    layout_for,
    network_svg,
    series,
    timeseries_svg,
)

TARGET_MS = 200.0
OUT = Path(__file__).parent / "out" / "bench_dashboard.csv"


def redraw(pair: ModelPair) -> int:
    """Everything the page draws after a step; returns the bytes sent."""
    size = 0
    for model in pair.models:
        size += len(network_svg(model, layout_for(model)))
        for chart in CHARTS:
            size += len(timeseries_svg(series(model, chart.metrics), title=chart.title,
                                       events=pair.events))  # fmt: skip
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--population", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=24, help="months run before timing")
    args = parser.parse_args()

    t0 = time.perf_counter()
    pair = ModelPair(ClassroomSettings(population=args.population))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for model in pair.models:
        layout_for(model)
    layout = time.perf_counter() - t0
    pair.step(args.warmup)
    pair.trigger("Financial crash")

    rows = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        pair.step()
        t1 = time.perf_counter()
        size = redraw(pair)
        t2 = time.perf_counter()
        rows.append({"step_ms": (t1 - t0) * 1e3, "redraw_ms": (t2 - t1) * 1e3,
                     "total_ms": (t2 - t0) * 1e3, "svg_kb": size / 1024})  # fmt: skip

    def stat(key: str, fn) -> float:
        return fn([r[key] for r in rows])

    print(f"two models x {args.population:,} citizens; build {build * 1e3:.0f} ms, "
          f"first layout (once per model, cached) {layout * 1e3:.0f} ms")  # fmt: skip
    print(f"{'':14}{'median':>10}{'p90':>10}{'max':>10}")
    for key in ("step_ms", "redraw_ms", "total_ms"):
        values = sorted(r[key] for r in rows)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{key:14}{stat(key, statistics.median):10.1f}{p90:10.1f}{max(values):10.1f}")
    median = stat("total_ms", statistics.median)
    verdict = "OK" if median < TARGET_MS else "TOO SLOW"
    print(f"step + redraw median {median:.1f} ms (target < {TARGET_MS:.0f} ms): {verdict}; "
          f"{stat('svg_kb', statistics.median):.0f} KB of SVG per redraw")  # fmt: skip

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["repeat", *rows[0]])
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({"repeat": i, **{k: round(v, 3) for k, v in row.items()}})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
