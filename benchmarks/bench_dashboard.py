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
    Player,
    layout_for,
    network_svg,
    series,
    timeseries_svg,
    value_range,
)

TARGET_MS = 200.0
OUT = Path(__file__).parent / "out" / "bench_dashboard.csv"


def redraw(pair: ModelPair) -> int:
    """Everything the page draws after a step (as the classroom does); returns the bytes sent."""
    size = 0
    for model in pair.models:
        size += len(network_svg(model, layout_for(model)))
    for chart in CHARTS:
        values = [series(m, chart.metrics) for m in pair.models]
        y_range = value_range(*values)  # both sides on one scale
        for side in (0, 1):
            size += len(timeseries_svg(values[side], title=chart.title, y_range=y_range,
                                       events=pair.chart_events(side)))  # fmt: skip
    return size


def play_rate(pair: ModelPair, rate: float, seconds: float) -> float:
    """Months a second the Player delivers at ``rate`` with no screen to wait for."""
    player = Player(pair, rate=rate)
    player.start()
    time.sleep(seconds)
    delivered = player.delivered()
    player.stop()
    return delivered


def matplotlib_chart_ms(pair: ModelPair, repeats: int) -> float:
    """Median time of one time-series chart as a matplotlib PNG (the road not taken)."""
    import io

    from matplotlib.figure import Figure

    values = series(pair.models[0], CHARTS[0].metrics)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fig = Figure(figsize=(6.4, 2.5), layout="constrained")
        ax = fig.add_subplot()
        for name, y in values.items():
            ax.plot(y * 100, lw=3, label=name)
        ax.set_ylim(0, 100)
        ax.legend()
        fig.savefig(io.BytesIO(), format="png", dpi=100)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--population", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=24, help="months run before timing")
    parser.add_argument(
        "--compare-matplotlib", action="store_true",
        help="also time one chart drawn as a matplotlib PNG instead of SVG",
    )  # fmt: skip
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

    for rate in (3, 10):
        got = play_rate(pair, rate, 3.0)
        print(f"Play at {rate} months/s (model only, no screen): {got:.1f} months/s delivered "
              f"(ratio {got / rate:.2f})")  # fmt: skip

    if args.compare_matplotlib:
        svg_chart = stat("redraw_ms", statistics.median) / (2 * (1 + len(CHARTS)))
        print(f"one chart: matplotlib PNG {matplotlib_chart_ms(pair, 10):.1f} ms vs SVG about "
              f"{svg_chart:.1f} ms (redraw median / pictures per redraw)")  # fmt: skip

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["repeat", *rows[0]])
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({"repeat": i, **{k: round(v, 3) for k, v in row.items()}})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
