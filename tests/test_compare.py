"""govsim compare: statistics, common random numbers, replication, outputs, errors, CLI."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from _util import ROOT

from sim import compare as C
from sim.metrics import HEADLINE
from sim.plots import LABELS
from sim.report import build_context, write_report
from sim.report.brief import QUOTABLE_REPLICATES, brief, warnings
from sim.report.text import replication_note
from sim.results import MANIFEST, RUNS, TIMESERIES, OutputDirError
from sim.scenario import ScenarioError, load_scenario

BASE = ROOT / "scenarios" / "centralised_baseline.toml"
COOP = ROOT / "scenarios" / "cooperative_council.toml"
GOVSIM = ROOT / ".venv" / "bin" / "govsim"
SMALL = ["population.size=300"]


def run(files, out, *, replicates=4, steps=30, overrides=SMALL, resume=False, **kw):
    setup = C.load_setup(files, overrides=overrides, steps=steps, replicates=replicates, **kw)
    store = C.open_store(setup, out, resume=resume)
    return C.run_comparison(setup, store)


# --------------------------------------------------------------------------- statistics
def test_bootstrap_of_constant_differences_is_a_point():
    rng = np.random.default_rng(1)
    lo, hi = C.bootstrap_mean_ci(np.full((6, 3), 0.25), rng)
    assert lo.tolist() == [0.25] * 3 and hi.tolist() == [0.25] * 3


def test_expanded_percentile_interval_covers_about_95_percent():
    """Normal samples of 5: the interval should cover the true mean ~95% (plain percentile ~80%)."""
    rng = np.random.default_rng(2024)
    x = rng.normal(1.0, 1.0, size=(600, 5))
    lo, hi = C.bootstrap_mean_ci(x.T, rng, n_boot=2000)  # 600 columns at once
    coverage = float(np.mean((lo <= 1.0) & (1.0 <= hi)))
    assert 0.88 <= coverage <= 0.99, coverage


def test_effect_sizes():
    assert C.cohen_dz(np.zeros(5)) == 0.0
    assert C.cohen_dz(np.array([1.0, 2.0, 3.0])) == pytest.approx(2.0)
    assert np.isnan(C.cohen_dz(np.full(4, 0.1)))  # undefined: no spread, non-zero mean
    a, b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    assert C.cohen_d(a, b) == pytest.approx(1.0)


def test_paired_interval_removes_shared_noise():
    """Scenario B = scenario A + 0.1 replicate by replicate: paired width 0, unpaired wide."""
    rng = np.random.default_rng(5)
    a = pd.DataFrame({"m": rng.normal(0, 1, 8)})
    b = a + 0.1
    paired = C.compare_outcomes(a, b, np.random.default_rng(0), paired=True).loc["m"]
    unpaired = C.compare_outcomes(a, b, np.random.default_rng(0), paired=False).loc["m"]
    assert paired["difference"] == pytest.approx(0.1)
    assert paired["ci_high"] - paired["ci_low"] == pytest.approx(0.0, abs=1e-12)
    assert unpaired["ci_high"] - unpaired["ci_low"] > 0.5


def test_scenario_differences_after_extends():
    scs = {"a": load_scenario(BASE), "b": load_scenario(COOP)}
    diff = C.scenario_differences(scs)
    assert diff["parameter"].tolist() == ["council.cooperation", "council.responsiveness"]
    assert diff.set_index("parameter").loc["council.cooperation"].tolist() == [0.05, 0.6]


def test_different_population_sizes_are_compared_unpaired():
    scs = {
        "a": load_scenario(BASE, overrides=["population.size=300"]),
        "b": load_scenario(COOP, overrides=["population.size=400"]),
    }
    ok, reason = C.pairing(scs)["b"]
    assert not ok and "unpaired" in reason and "300" in reason


def test_horizons_and_replicate_seeds():
    final, window = C.horizons(60, 12)
    assert (final.first, final.last, window.first, window.last) == (60, 60, 49, 60)
    assert final.describe() == "after 5 years (month 60)"
    assert C.replicate_seed(7, 3) == C.replicate_seed(7, 3) != C.replicate_seed(7, 4)


# --------------------------------------------------------------------------- whole comparisons
@pytest.fixture(scope="module")
def coop(tmp_path_factory) -> C.Comparison:
    """The shipped pair, small: 300 citizens, 30 months, 5 replicates."""
    out = tmp_path_factory.mktemp("coop")
    comp = run([BASE, COOP], out, replicates=5, steps=30)
    write_report(comp, out)
    return comp


def test_self_comparison_is_exactly_zero(tmp_path):
    comp = run([BASE, BASE], tmp_path, replicates=3, steps=24)
    s = comp.summary
    assert len(s) == len(C.metric_columns()) * 2
    for col in ("difference", "ci_low", "ci_high", "effect_size"):
        assert (s[col] == 0.0).all(), col
    assert comp.differences.empty
    ctx = build_context(comp, figures_on=False)
    assert "identical results in every replicate" in ctx["pairs"][0]["overview"]


def test_paired_interval_narrower_than_unpaired_on_shipped_pair(coop):
    """Common random numbers: pairing the same runs narrows the intervals of trust."""
    unpaired = C.summarise(
        coop.timeseries,
        coop.index,
        coop.setup.labels,
        steps=coop.setup.steps,
        window=coop.setup.window,
        seed=coop.setup.seed,
        paired=False,
    )
    key = ["metric", "group", "horizon"]
    p = coop.summary.set_index(key)["ci_width"]
    u = unpaired.set_index(key)["ci_width"]
    assert (coop.summary["paired"]).all() and not unpaired["paired"].any()
    for metric in ("trust_local", "trust_national"):
        for horizon in ("final", "window"):
            assert p[(metric, "all", horizon)] < u[(metric, "all", horizon)], (metric, horizon)
    head = [(m, "all", h) for m in HEADLINE for h in ("final", "window")]
    assert p[head].sum() < u[head].sum()
    # the same runs: identical differences either way
    pd.testing.assert_series_equal(
        coop.summary.set_index(key)["difference"], unpaired.set_index(key)["difference"]
    )


def test_outputs_standard_layout_and_csv(coop):
    out = coop.out
    for name in (RUNS, TIMESERIES, MANIFEST, "report.html", "summary.md", "summary.csv"):
        assert (out / name).is_file(), name
    runs = pd.read_parquet(out / RUNS)
    assert len(runs) == 10 and runs["run_id"].is_unique
    # common random numbers: replicate k has one seed across scenarios
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    csv = pd.read_csv(out / "summary.csv")
    for col in ("baseline", "scenario", "metric", "group", "horizon", "difference", "ci_low"):
        assert col in csv.columns
    assert {"ci_high", "effect_size", "n"} <= set(csv.columns)
    assert len(csv) == len(C.metric_columns()) * 2
    assert set(csv["group"]) == {"all", "q1", "q2", "q3", "q4", "q5", "youth", "tenants"}
    assert (csv["n"] == 5).all()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["kind"] == "compare" and manifest["status"] == "complete"
    assert len(manifest["comparison"]["replicate_seeds"]) == 5


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        for key in ("src", "href", "xlink:href", "srcset", "data"):
            if a.get(key):
                self.refs.append((tag, key, a[key]))


def test_report_is_self_contained_and_names_every_headline_metric(coop):
    html = (coop.out / "report.html").read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(html)
    for tag, key, value in parser.refs:
        assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, key, value)
        assert value.startswith(("#", "data:")), (tag, key, value)
    assert not [t for t, a in parser.tags if t == "script"]
    assert not [t for t, a in parser.tags if t == "link"]
    assert "@import" not in html and "url(http" not in html
    assert sum(1 for t, a in parser.tags if t == "svg") >= len(HEADLINE) + 2
    md = (coop.out / "summary.md").read_text(encoding="utf-8")
    for metric in HEADLINE:
        assert LABELS[metric] in html and LABELS[metric] in md, metric
    assert "95% CI" in html and "Caveats" in html and "Provenance" in html
    assert "council.cooperation" in html  # the parameter that differs
    assert coop.manifest["scenarios"][coop.setup.labels[1]]["sha256"][:16] in html


def test_adaptive_replication_stops_when_precise_or_at_the_cap(tmp_path):
    loose = run([BASE, COOP], tmp_path / "loose", replicates=2, steps=12, precision=10.0)
    assert loose.replicates == 2 and loose.adaptive["met"] is True
    tight = run(
        [BASE, COOP], tmp_path / "tight", replicates=2, steps=12, precision=1e-9, max_replicates=5
    )
    assert tight.replicates == 5 and tight.adaptive["met"] is False
    assert [b["replicates"] for b in tight.adaptive["batches"]] == [2, 4, 5]
    assert set(tight.index["replicate"]) == set(range(5))
    assert replication_note(tight).startswith("Precision target NOT met")
    assert replication_note(loose).startswith("Precision target met")


def test_interrupted_comparison_resumes_without_rerunning(tmp_path):
    setup = C.load_setup([BASE, COOP], overrides=SMALL, steps=12, replicates=3)
    store = C.open_store(setup, tmp_path)
    seen = []

    def stop_after_two(event, done, total):
        if event == "run":
            seen.append(done)
            if done == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        C.run_comparison(setup, store, progress=stop_after_two)
    starts = []
    store = C.open_store(setup, tmp_path, resume=True)
    comp = C.run_comparison(
        setup, store, progress=lambda e, d, t: starts.append((d, t)) if e == "start" else None
    )
    assert starts == [(2, 6)]  # the two finished runs were reused
    runs = pd.read_parquet(tmp_path / RUNS)
    assert len(runs) == 6 and runs["run_id"].is_unique
    assert len(comp.index) == 6
    assert (comp.reused, comp.ran) == (2, 4)
    manifest = json.loads((tmp_path / MANIFEST).read_text())["comparison"]
    assert (manifest["reused_runs"], manifest["new_runs"]) == (2, 4)


def test_bad_input_gets_clear_errors(tmp_path):
    with pytest.raises(ScenarioError, match="at least two"):
        C.load_setup([BASE])
    with pytest.raises(ScenarioError, match="no such scenario file"):
        C.load_setup([BASE, tmp_path / "missing.toml"])
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{BASE.as_posix()}"\n[council]\ncooperation = 2.0\n')
    with pytest.raises(ScenarioError, match="cooperation"):
        C.load_setup([BASE, bad])
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    setup = C.load_setup([BASE, COOP], overrides=SMALL, steps=6, replicates=2)
    with pytest.raises(OutputDirError, match="not govsim results"):
        C.open_store(setup, other)
    assert (other / "notes.txt").read_text() == "mine" and len(list(other.iterdir())) == 1
    with pytest.raises(ScenarioError, match="--replicates"):
        C.load_setup([BASE, COOP], replicates=1)
    with pytest.raises(ScenarioError, match="--precision"):
        C.load_setup([BASE, COOP], precision=-1.0)


# --------------------------------------------------------------------------- the first screen
def _clear(row) -> bool:
    return row["ci_low"] > 0 or row["ci_high"] < 0


def test_first_screen_lists_every_loss_apart_from_the_gains(coop):
    """Every clearly bad difference (headline or group) is a loss; no loss hides among gains."""
    from sim.report.text import GOOD_WHEN_HIGHER

    label = coop.setup.labels[1]
    b = brief(coop, label, coop.horizons[0])
    s = coop.summary[coop.summary["horizon"] == "final"]
    gains = {(g["metric"], g["group"]) for g in b["gains"]}
    losses = {(x["metric"], x["group"]) for x in b["losses"]}
    assert not gains & losses
    for _, r in s.iterrows():
        good = GOOD_WHEN_HIGHER[r["metric"]]
        if not _clear(r):
            assert (r["metric"], r["group"]) not in gains | losses
            continue
        bad = (r["difference"] > 0) != good
        if bad:
            assert (r["metric"], r["group"]) in losses, (r["metric"], r["group"])
        elif r["group"] == "all":
            assert (r["metric"], "all") in gains, r["metric"]
    # a wider participation gap is a loss, never a gain
    assert ("participation_gap", "all") not in gains
    assert losses, "the shipped pair has trade-offs (services for deprived groups)"
    for g in b["gains"] + b["losses"]:
        if g["metric"] in ("trust_local", "participation", "service_quality"):
            assert re.search(r"\d%.* → \d[\d.]*%, [+-]\d+\.\d points \(", g["text"]), g["text"]


def test_first_screen_order_warnings_coverage_gains_losses_then_technical(coop):
    html = (coop.out / "report.html").read_text(encoding="utf-8")
    assert coop.replicates < QUOTABLE_REPLICATES
    pos = [
        html.index("Before quoting these numbers"),
        html.index("Too few replicates to quote"),
        html.index("They cover simulation noise only"),
        html.index(">Gains<"),
        html.index(">Losses and trade-offs<"),
        html.index("All headline measures (technical)"),
    ]
    assert pos == sorted(pos), pos
    # effect sizes only in the technical part, explained in words there
    first = html[: pos[-1]]
    assert "d_z" not in first and "effect size" not in first.lower()
    assert "how consistently the direction repeats" in " ".join(html.split())
    md = (coop.out / "summary.md").read_text(encoding="utf-8")
    assert md.index("Too few replicates") < md.index("**Gains**") < md.index("**Losses")


def test_units_a_reader_can_use():
    from sim.report.brief import describe_change, describe_interval, describe_level, outcome_line

    assert describe_level("trust_local", 0.362) == "36%"
    assert describe_change("trust_local", 0.36, 0.58, 0.2134) == "+21.3 points"
    assert describe_interval("trust_local", 0.36, 0.201, 0.224) == "20.1 to 22.4"
    assert describe_change("value_for_money", 1.0, 1.014, 0.014) == "+1.4%"
    assert describe_interval("value_for_money", 2.0, 0.01, 0.03) == "0.5% to 1.5%"
    row = {"metric": "trust_local", "baseline_mean": 0.362, "scenario_mean": 0.578,
           "difference": 0.213, "ci_low": 0.201, "ci_high": 0.224}  # fmt: skip
    assert outcome_line(row) == "Trust in the council: 36% → 58%, +21.3 points (20.1 to 22.4)"


def test_self_comparison_briefs_no_gain_and_no_loss(tmp_path):
    comp = run([BASE, BASE], tmp_path, replicates=2, steps=6)
    b = brief(comp, comp.setup.labels[1], comp.horizons[0])
    assert b["identical"] and not b["gains"] and not b["losses"] and not b["unclear"]


# --------------------------------------------------------------------------- the command
def test_cli_compare_through_a_subprocess(tmp_path):
    out = tmp_path / "cmp"
    cmd = [str(GOVSIM), "compare", str(BASE), str(COOP), "--replicates", "2", "--steps", "12"]
    cmd += ["--set", "population.size=200", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    for name in ("report.html", "summary.md", "summary.csv", RUNS, TIMESERIES, MANIFEST):
        assert (out / name).is_file(), name
    assert "Trust in council" in res.stdout
    # again without --resume or --force: refused, nothing touched
    before = (out / "summary.csv").stat().st_mtime_ns
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 1 and "--resume" in res.stderr and "Traceback" not in res.stderr
    assert (out / "summary.csv").stat().st_mtime_ns == before


def test_cli_precision_miss_exits_4_and_robustness_writes_its_table(tmp_path):
    """An unmet --precision still writes the report, says so first, and exits with code 4."""
    out = tmp_path / "cmp"
    cmd = [str(GOVSIM), "compare", str(BASE), str(COOP), "--replicates", "2", "--steps", "6"]
    cmd += ["--set", "population.size=150", "--precision", "1e-9", "--max-replicates", "3"]
    cmd += ["--robustness", "10", "--robustness-replicates", "1", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 4, res.stderr
    assert "precision target not met" in res.stderr and "Traceback" not in res.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index("Precision target not met") < html.index(">Gains<")
    assert "runs: 6 run, 0 reused; robustness runs: 20 run, 0 reused" in res.stdout
    table = pd.read_csv(out / "robustness.csv")
    assert {"scenario", "metric", "group", "share", "n_sets", "region", "sentence"} <= set(table)
    assert (table["n_sets"] == 10).all() and table["share"].between(0, 1).all()


def test_unpaired_comparison_says_so(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text(f'extends = "{COOP.as_posix()}"\nname = "big"\n[population]\nsize = 260\n')
    comp = run([BASE, big], tmp_path / "out", replicates=3, steps=6, overrides=[])
    assert not comp.summary["paired"].any()
    assert (comp.summary["effect_size_kind"] == "d").all()
    assert any("compared unpaired" in w for w in warnings(comp))
