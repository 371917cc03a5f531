"""Stylised facts, each with the mechanism credited for it and its knock-out.

Every test of a pattern is run twice: with the mechanism docs/ODD.md section 1 credits for it,
and with that mechanism switched off (or reversed).  The first must show the pattern, the
second must not, so the test measures the mechanism rather than an input.  Counterfactuals
use common random numbers: the same seed with and without the shock.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from tests._util import ROOT

CRASH = ROOT / "scenarios" / "financial_crash_2007.toml"
BASELINE = ROOT / "scenarios" / "centralised_baseline.toml"
SEEDS = (11, 12, 13)


def _series(path, steps: int, metric: str, seed: int, **overrides) -> np.ndarray:
    sc = sim.load_scenario(path, overrides=overrides or None)
    model = sim.GovernanceModel(sc, rng=seed)
    model.run(steps)
    return model.datacollector.get_model_vars_dataframe()[metric].to_numpy()


def _no_shock(path) -> list:
    """The scenario's events without its shocks (elections and policy kept)."""
    sc = sim.load_scenario(path)
    return [e for e in sc.events if e.kind not in ("shock", "performance")]


def lasting_deficit(seed: int, **overrides) -> float:
    """National trust 8-10 years after the 2008 crash minus the same seed without it."""
    sc = sim.load_scenario(CRASH, overrides=overrides or None)
    calm = sc.model_copy(update={"events": _no_shock(CRASH)})
    crash = sim.GovernanceModel(sc, rng=seed)
    counter = sim.GovernanceModel(calm, rng=seed)
    crash.run(120)
    counter.run(120)
    a = crash.datacollector.get_model_vars_dataframe().trust_national.to_numpy()
    b = counter.datacollector.get_model_vars_dataframe().trust_national.to_numpy()
    return float((a[-24:] - b[-24:]).mean())


def missing_share_2015(seed: int, **overrides) -> float:
    """Share of the crash's loss of national trust still missing in 2015 (yearly means).

    Step 0 is January 2007; the Scottish Social Attitudes series gives (35 - 23) / (35 - 18)
    = 0.71 (data/uk_reference_series.csv).
    """
    x = _series(CRASH, 108, "trust_national", seed, **overrides)[:108].reshape(9, 12).mean(1)
    return float((x[0] - x[8]) / (x[0] - x.min()))


def test_trust_asymmetry_leaves_a_lasting_deficit():
    """Trust falls faster than it rises -> the crash leaves national trust lower for a decade.

    Knock-out: with the rates reversed (rises faster than it falls) the deficit disappears.
    """
    shipped = np.mean([lasting_deficit(s) for s in SEEDS])
    reversed_ = np.mean(
        [
            lasting_deficit(
                s,
                **{
                    "processes.trust_experience.up_rate": 0.15,
                    "processes.trust_experience.down_rate": 0.05,
                },
            )
            for s in SEEDS
        ]
    )
    claim = -0.03  # a lasting deficit of at least 3 points
    assert shipped < claim, shipped
    assert not reversed_ < claim, reversed_  # the same claim fails without the asymmetry


@pytest.mark.parametrize(
    "mechanism",
    ["processes.trust_experience.cynicism", "processes.social_influence.distrust_contagion"],
)
def test_persistent_distrust_after_the_crash(mechanism):
    """Each persistence mechanism keeps most of the loss in 2015, as the survey shows (0.71).

    Knock-out: with the mechanism off, trust relaxes back to the pre-crash dispositions and
    well under half the loss is still missing.
    """
    on = {
        "processes.trust_experience.cynicism": 0.6,
        "processes.social_influence.distrust_contagion": 0.15,
    }[mechanism]
    with_it = np.mean([missing_share_2015(s, **{mechanism: on}) for s in SEEDS])
    without = np.mean([missing_share_2015(s, **{mechanism: 0.0}) for s in SEEDS])
    assert with_it >= 0.6, with_it
    assert without < 0.45, without


def local_national_gap(seed: int, **overrides) -> float:
    """Mean trust in council minus trust in national government, years 9-10, equal starts."""
    o = {"population.trust_local_mean": 0.3, "population.trust_national_mean": 0.3, **overrides}
    local = _series(BASELINE, 120, "trust_local", seed, **o)
    national = _series(BASELINE, 120, "trust_national", seed, **o)
    return float((local[-24:] - national[-24:]).mean())


def test_local_above_national_from_equal_starts():
    """Seen directly, councils keep more trust than a government seen through the news.

    OECD UK 2023: 34% against 27%.  From equal starts the news mechanism opens a gap of at
    least 4 points.  Knock-out: without the news process the gap stays under 2 points.
    """
    on = np.mean([local_national_gap(s, **{"processes.news.enabled": True}) for s in SEEDS])
    off = np.mean([local_national_gap(s) for s in SEEDS])
    assert on >= 0.04, on
    assert off < 0.02, off


def test_cohort_replacement_is_too_slow_to_explain_persistence():
    """Cohort replacement carries low trust on, but at demographic rates far too slowly.

    At an exaggerated rate (1% of citizens a month, full imprint) it keeps more of the loss
    than without it (the mechanism works); at the demographic rate (1/540 a month) the 2015
    share missing moves by under 3 points: the data's 0.71 needs another mechanism.
    """
    fast = {
        "processes.cohort_replacement.enabled": True,
        "processes.cohort_replacement.rate": 0.01,
        "processes.cohort_replacement.imprint": 1.0,
    }
    off = np.mean([missing_share_2015(s) for s in SEEDS])
    exaggerated = np.mean([missing_share_2015(s, **fast) for s in SEEDS])
    demographic = np.mean(
        [missing_share_2015(s, **{"processes.cohort_replacement.enabled": True}) for s in SEEDS]
    )
    assert exaggerated > off + 0.04, (exaggerated, off)
    assert abs(demographic - off) < 0.03, (demographic, off)
