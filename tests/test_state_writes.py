"""Writing a documented state array either takes effect or raises, at every population size.

The old hand-keyed cache compared arrays by value only up to 65,536 elements, so
``model.population.threshold[:] = 0`` took effect at 5,000 citizens and was silently ignored at
70,000.  Now inputs are read-only (an in-place write raises) and replacing one rebuilds every
derived table; the monthly state is read fresh, so an in-place write is a replacement.

The reference for "takes effect" is a twin model that received the same values by replacement
and then had every derived table thrown away (``World.clear_derived``) before each step: a
stale table anywhere would make the two differ.  Where an independent reference exists (a model
built with the value from its scenario), the test compares against that too.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import sim
from sim.population import INPUTS, VARIABLES
from sim.schema_base import PROGRAMME_NAMES

COUNCILS = 3
#: The sizes of the issue: below and above the old cache's 65,536 cut-off.
SIZES = (5_000, 70_000)
BIG = 1_000_000
CHEAP = {"network.mean_degree": 2, "council.count": COUNCILS, "processes.elections.first": 2}

#: Variables that the next step (month 2, an election) reads before any process rewrites them,
#: so that writing one must change something else after one step (``heard``, ``ignored``,
#: ``received``, ``service_quality`` and ``vote`` are rewritten before anything reads them).
READ_NEXT_STEP = {
    "council",
    "deprivation",
    "ideology",
    "voted",
    "quintile",
    "youth",
    "tenant",
    "threshold",
    "land_trust_eligible",
    "need",
    "trust_local",
    "trust_national",
    "trust_party",
    "participating",
    "efficacy",
    "disposition_local",
    "disposition_national",
    "expectation_local",
    "expectation_national",
}


def build(n: int, handles: bool = False, **params) -> sim.GovernanceModel:
    """A model at ``n`` citizens with cheap settings (three councils, few ties)."""
    return sim.GovernanceModel(
        rng=7,
        citizen_handles=handles,
        **{"population.size": n, **CHEAP, "council.programmes": list(PROGRAMME_NAMES), **params},
    )


def twin(model: sim.GovernanceModel) -> sim.GovernanceModel:
    """An exact copy of ``model`` (same state, derived tables, random streams, read-only flags)."""
    other = copy.deepcopy(model)
    assert other.population._on_input.__self__ is other.world  # watches its own world
    for name in INPUTS:
        assert not getattr(other.population, name).flags.writeable, name
    return other


def new_value(name: str, old: np.ndarray, model: sim.GovernanceModel) -> np.ndarray:
    """A different value of the same dtype, shape and range for variable ``name``."""
    var = next(v for v in VARIABLES if v.name == name)
    if old.dtype == bool:
        return ~old
    if name == "council":
        return ((old + 1) % COUNCILS).astype(old.dtype)
    if name == "quintile":
        return (4 - old).astype(old.dtype)
    if name == "vote":
        return np.where(old < 0, 0, -1).astype(old.dtype)
    if np.issubdtype(old.dtype, np.integer):  # a count
        return (old + 1).astype(old.dtype)
    if var.bounds == (-1.0, 1.0):
        return -old
    if var.bounds == (0.0, 1.0) or name == "threshold":
        return 1.0 - old
    return old * 1.5 + 0.1  # need, received


def state(model: sim.GovernanceModel) -> dict:
    """Everything a step can change, for exact comparison."""
    w = model.world
    out = {v.name: getattr(w.population, v.name).copy() for v in VARIABLES}
    out["voice_share"] = w.voice_share.copy()
    out.update({f"obs.{k}": v for k, v in model.observation.items()})
    return out


def assert_same(a: dict, b: dict) -> None:
    """Bit-for-bit equality of two :func:`state` snapshots (NaN equals NaN)."""
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key], equal_nan=True), key


def differs(a: dict, b: dict, ignore: str = "") -> bool:
    """True when any entry of two snapshots but ``ignore`` differs."""
    return any(not np.array_equal(a[k], b[k], equal_nan=True) for k in a if k != ignore)


def fresh_step(model: sim.GovernanceModel) -> None:
    """One step with every derived table rebuilt from scratch first (the reference)."""
    model.world.clear_derived()
    model.step()


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n}")
def base(request):
    """A model of each size that has run one month (so every derived table exists)."""
    model = build(request.param)
    model.step()
    untouched = twin(model)
    untouched.step()
    return model, state(untouched)


@pytest.mark.parametrize("name", [v.name for v in VARIABLES])
def test_every_variable_write_is_honoured_or_refused(base, name):
    model, untouched = base
    written, reference = twin(model), twin(model)
    value = new_value(name, getattr(model.population, name), model)
    array = getattr(written.population, name)
    if name in INPUTS:
        with pytest.raises(ValueError, match="read-only"):
            array[:] = value
        with pytest.raises(ValueError, match="read-only"):
            array[0] = value[0]
        assert np.array_equal(getattr(written.population, name), getattr(model.population, name))
        setattr(written.population, name, value)  # a replacement is the way to change it
        assert not getattr(written.population, name).flags.writeable  # and stays read-only
    else:
        array[:] = value
    assert np.array_equal(getattr(written.population, name), value)
    setattr(reference.population, name, value.copy())
    written.step()
    fresh_step(reference)
    assert_same(state(written), state(reference))
    if name in READ_NEXT_STEP:
        assert differs(state(written), untouched, ignore=name), f"writing {name} changed nothing"


@pytest.mark.parametrize("n", SIZES)
def test_threshold_zero_matches_a_model_built_with_threshold_zero(n):
    """The original bug: thresholds set to 0 on a running model, against a model built so."""
    zero = {"population.threshold_mean": 0.0, "population.threshold_sd": 0.0}
    built = build(n, **zero)
    replaced = build(n)
    assert not np.any(built.population.threshold)
    with pytest.raises(ValueError, match="read-only"):
        replaced.population.threshold[:] = 0
    # the derived tables of step 0 (services) exist already; participation's are built next
    replaced.population.threshold = np.zeros(n)
    for _ in range(3):
        built.step()
        replaced.step()
    assert np.array_equal(built.population.participating, replaced.population.participating)
    assert_same(state(built), state(replaced))


@pytest.mark.parametrize("n", SIZES)
def test_council_arrays_and_policy_are_honoured_or_refused(n):
    model = build(n)
    model.step()
    other = twin(model)
    other.step()
    untouched = state(other)
    cs = model.world.councils
    for name in ("cooperation", "responsiveness", "budget", "efficiency", "programmes"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(cs, name)[:] = getattr(cs, name)[::-1]
    changes = {
        "cooperation": lambda cs: np.full(COUNCILS, 0.9),
        "responsiveness": lambda cs: np.full(COUNCILS, 0.05),
        "budget": lambda cs: cs.budget * 0.5,
        "efficiency": lambda cs: cs.efficiency * 1.5,
        "programmes": lambda cs: ~cs.programmes,
    }
    for name, change in changes.items():
        written, reference = twin(model), twin(model)
        setattr(written.world.councils, name, change(written.world.councils))
        setattr(reference.world.councils, name, change(reference.world.councils))
        written.step()
        fresh_step(reference)
        assert_same(state(written), state(reference))
        assert differs(state(written), untouched), name
    for name, value in (("centralisation", 0.95), ("austerity", 0.8), ("grant_share", 0.1)):
        written, reference = twin(model), twin(model)
        setattr(written.world.government, name, value)
        setattr(reference.world.government, name, value)
        written.step()
        fresh_step(reference)
        assert_same(state(written), state(reference))
        if name != "grant_share" or model.world.government.austerity > 0:
            assert differs(state(written), untouched), name
    # party positions are plain arrays (read at elections; month 2 has one): in place is honoured
    written, reference = twin(model), twin(model)
    written.world.parties.position[:] = -written.world.parties.position
    reference.world.parties.position = -reference.world.parties.position
    written.step()
    fresh_step(reference)
    assert_same(state(written), state(reference))
    assert differs(state(written), untouched)
    # event budget multipliers and national performance are plain state: in place is honoured
    written, reference = twin(model), twin(model)
    written.world.budget_multiplier[:] = 0.5
    reference.world.budget_multiplier = np.full(COUNCILS, 0.5)
    written.world.government.performance = reference.world.government.performance = 0.1
    written.step()
    fresh_step(reference)
    assert_same(state(written), state(reference))
    assert differs(state(written), untouched)


def test_citizen_and_council_handle_writes_take_effect():
    model = build(5_000, handles=True)
    model.step()
    reference = twin(model)
    citizens = list(model.agents_by_type[sim.Citizen])
    for c in citizens[:50]:
        c.trust_local = 0.99  # a state variable: written in place
        c.threshold = 0.0  # an input: replaced by a copy with the new value
        c.participating = True
    assert model.population.trust_local[:50].tolist() == [0.99] * 50
    assert not model.population.threshold[:50].any()
    assert not model.population.threshold.flags.writeable
    council = model.councils[1]
    council.cooperation = 0.95
    council.responsiveness = 0.01
    assert model.world.councils.cooperation[1] == 0.95 and council.cooperation == 0.95
    assert not model.world.councils.cooperation.flags.writeable
    pop = reference.population
    trust, threshold, part = pop.trust_local.copy(), pop.threshold.copy(), pop.participating.copy()
    trust[:50], threshold[:50], part[:50] = 0.99, 0.0, True
    pop.trust_local, pop.threshold, pop.participating = trust, threshold, part
    cs = reference.world.councils
    cs.cooperation = np.where(np.arange(COUNCILS) == 1, 0.95, cs.cooperation)
    cs.responsiveness = np.where(np.arange(COUNCILS) == 1, 0.01, cs.responsiveness)
    model.step()
    fresh_step(reference)
    assert_same(state(model), state(reference))


def test_a_copied_model_keeps_its_inputs_read_only():
    model = build(2_000)
    model.step()
    copied = copy.deepcopy(model)
    with pytest.raises(ValueError, match="read-only"):
        copied.population.threshold[:] = 0
    with pytest.raises(ValueError, match="read-only"):
        copied.world.councils.cooperation[:] = 1


@pytest.mark.slow
def test_writes_at_a_million_citizens():
    """In-place writes at 1,000,000 citizens: inputs refuse, state takes effect (one build)."""
    model = build(BIG)
    model.step()
    pop = model.population
    for name in sorted(INPUTS):
        with pytest.raises(ValueError, match="read-only"):
            getattr(pop, name)[:1000] = getattr(pop, name)[1000:2000]
    with pytest.raises(ValueError, match="read-only"):
        model.world.councils.cooperation[:] = 1
    written, reference = twin(model), twin(model)
    untouched = state(model)  # month 1
    for name in ("trust_local", "efficacy", "participating", "disposition_local"):
        value = new_value(name, getattr(pop, name), model)
        getattr(written.population, name)[:] = value
        setattr(reference.population, name, value.copy())
    for model_ in (written, reference):
        model_.population.threshold = np.zeros(BIG)
    written.step()
    fresh_step(reference)
    after = state(written)
    assert_same(after, state(reference))
    assert differs(after, untouched)
    # thresholds of 0: everyone with a chance to take part does (the old bug's case)
    assert after["participating"].mean() > untouched["participating"].mean()
