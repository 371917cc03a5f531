"""The fused numba kernels give the same bits as the numpy reference rules (issue 11)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import sim
from sim import kernels

pytest.importorskip("numba")

STATE = (
    "trust_local",
    "trust_national",
    "efficacy",
    "participating",
    "expectation_local",
    "heard",
    "ignored",
    "received",
    "service_quality",
    "trust_party",
    "voted",
    "vote",
)


def _run(monkeypatch, which: str, overrides: dict, steps: int = 24, scenario=None):
    monkeypatch.setenv("GOVSIM_KERNELS", which)
    assert kernels.backend() == which
    sc = sim.load_scenario(scenario) if scenario else None
    m = sim.GovernanceModel(sc, rng=7, **overrides)
    assert m.world.kernel_backend == which
    m.run(steps=steps)
    df = m.datacollector.get_model_vars_dataframe()
    state = {k: np.array(getattr(m.population, k), copy=True) for k in STATE}
    councils = m.datacollector.get_agenttype_vars_dataframe(sim.Council)
    state["councils"] = np.frombuffer(councils.to_csv(float_format="%.17g").encode(), np.uint8)
    return df, state


@pytest.mark.parametrize(
    "overrides",
    [
        {"population.size": 1500},
        {"population.size": 800, "processes.trust_experience.cynicism": 0.3},
        {"population.size": 800, "processes.participation.persistence": 0.9},
        {"population.size": 900, "council.count": 3, "council.cooperation": 0.7},
        {"population.size": 700, "processes.participation.rule": "logit"},
        {"population.size": 700, "processes.social_influence.anchoring": 0.0},
        {"population.size": 700, "processes.social_influence.distrust_contagion": 0.1},
        {"population.size": 600, "processes.elections.interval": 5},
        {
            "population.size": 500,
            "network.kind": "sbm",
            "network.mean_degree": 1.5,
            "council.count": 3,
            "council.cooperation": 0.7,
            "population.threshold_mean": 0.0,
        },
    ],
    ids=[
        "default",
        "cynicism",
        "persistent",
        "councils",
        "logit",
        "unanchored",
        "contagion",
        "elections",
        "isolated",
    ],
)
def test_numba_matches_numpy_bit_for_bit(monkeypatch, overrides):
    """Whole runs through both paths agree exactly: metrics table and citizen state."""
    df_np, st_np = _run(monkeypatch, "numpy", overrides)
    df_nb, st_nb = _run(monkeypatch, "numba", overrides)
    assert df_np.shape == df_nb.shape
    assert np.array_equal(df_np.to_numpy(float), df_nb.to_numpy(float), equal_nan=True)
    assert df_np.to_numpy(float).std(axis=0).max() > 0  # the runs do move
    for k in STATE:
        assert st_np[k].tobytes() == st_nb[k].tobytes(), k


@pytest.mark.parametrize(
    "scenario",
    [
        "scenarios/lambeth_youth_trust.toml",
        "scenarios/croydon_community_land_trust.toml",
        "scenarios/election_2017.toml",  # four parties, an election called by an event
    ],
)
def test_numba_matches_numpy_with_programmes(monkeypatch, scenario):
    """Youth trust and land trust programmes (efficacy paths of trust from voice) and a
    four-party election called by an event agree too."""
    steps = 30 if "election" in scenario else 12
    df_np, st_np = _run(monkeypatch, "numpy", {}, steps, scenario)
    df_nb, st_nb = _run(monkeypatch, "numba", {}, steps, scenario)
    assert np.array_equal(df_np.to_numpy(float), df_nb.to_numpy(float), equal_nan=True)
    for k in STATE:
        assert st_np[k].tobytes() == st_nb[k].tobytes(), k


def test_trust_experience_kernel_matches_rules():
    """The fused trust update equals the documented numpy rules on random inputs."""
    from sim.processes.trust_experience import adapt_expectation, asymmetric_update

    rng = np.random.default_rng(3)
    n = 10_000
    tl, tn, el, en, q = (rng.random(n) for _ in range(5))
    seen, blame, up, down, rate = 0.47, 0.3, 0.05, 0.15, 0.15
    nat = (1 - blame) * seen + blame * q
    party = np.zeros((n, 1))
    got = tuple(np.full(n, np.nan) for _ in range(4))
    kernels._compiled().trust_experience(
        tl, tn, el, en, q, seen, blame, up, down, rate, party, -1, *got
    )
    want = (
        asymmetric_update(tl, q, el, up, down),
        asymmetric_update(tn, nat, en, up, down),
        adapt_expectation(el, q, rate),
        adapt_expectation(en, nat, rate),
    )
    for g, w in zip(got, want, strict=True):
        assert g.tobytes() == w.tobytes()


def test_bad_choice_is_named(monkeypatch):
    """An unknown GOVSIM_KERNELS value is refused with the allowed values."""
    monkeypatch.setenv("GOVSIM_KERNELS", "cuda")
    with pytest.raises(ValueError, match="numpy, numba, auto"):
        kernels.backend()


def test_help_does_not_import_numba():
    """numba is imported lazily: ``govsim --help`` does not pay for it."""
    code = (
        "import runpy, sys\nsys.argv = ['govsim', '--help']\n"
        "try:\n    runpy.run_module('sim', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "assert 'numba' not in sys.modules, 'numba imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_auto_falls_back_to_numpy_without_numba(monkeypatch):
    """``auto`` (the default) uses the numpy path when numba is not installed."""
    monkeypatch.delenv("GOVSIM_KERNELS", raising=False)
    monkeypatch.setattr(kernels, "_numba_available", lambda: False)
    assert kernels.backend() == "numpy"
    assert kernels.kernels() is None


def test_auto_uses_kernels_when_numba_is_installed(monkeypatch):
    """``auto`` (the default) picks numba whenever it is installed, at every size."""
    monkeypatch.setenv("GOVSIM_KERNELS", "auto")
    assert kernels.kernels() is not None
    m = sim.GovernanceModel(rng=1, **{"population.size": 50})
    assert m.world.kernel_backend == "numba"
    monkeypatch.setenv("GOVSIM_KERNELS", "numpy")
    assert kernels.kernels() is None
    assert sim.GovernanceModel(rng=1, **{"population.size": 50}).world.kernel_backend == "numpy"


def test_pairwise_sum_is_numpys():
    """The kernels' pairwise sum adds in numpy's order: equal to ``ndarray.sum`` bit for bit."""
    pairwise_sum = kernels._compiled().pairwise_sum
    rng = np.random.default_rng(5)
    for n in [*range(0, 300), 1000, 1023, 4097, 8192, 8193, 100_003]:
        x = rng.random(n) * 10.0 ** rng.uniform(-4, 4, n)
        assert pairwise_sum(x, 0, n) == x.sum(), n
        if n > 9:
            assert pairwise_sum(x, 5, n - 5) == x[5:].sum(), n


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1999, 2000, 5000, 300_001, 400_001])
def test_sorted_values_is_numpys_sort(n):
    """The bucket (and, from RADIX_FROM values, radix) sort behind Gini gives the values
    ``np.sort`` gives, whatever their range."""
    sorted_values = kernels._compiled().sorted_values
    rng = np.random.default_rng(n)
    cases = {
        "uniform": rng.random(n),
        "signed, wide range": rng.standard_normal(n) * 10.0 ** rng.uniform(-300, 300, n),
        "ties and clipped ends": np.clip(rng.normal(0.5, 0.4, n).round(2), 0.0, 1.0),
        "sorted": np.sort(rng.random(n)),
        "reversed": np.sort(rng.random(n))[::-1].copy(),
        "infinities": np.where(rng.random(n) < 0.1, np.inf, -rng.random(n)),
        "one crowded bucket": np.where(rng.random(n) < 0.05, 1.0, rng.random(n) * 1e-12),
        "subnormal width": rng.integers(0, 3, n) * 5e-324,
        "overflowing width": np.where(rng.random(n) < 0.5, -1.5e308, 1.5e308) * rng.random(n),
        "signed zeros": np.where(rng.random(n) < 0.5, -0.0, 0.0),
        "NaN": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
    }
    for name, x in cases.items():
        before = x.copy()
        got = sorted_values(x)
        assert got.dtype == np.float64 and got.shape == x.shape, name
        assert np.array_equal(got, np.sort(x), equal_nan=True), name
        assert x.tobytes() == before.tobytes(), f"{name}: the input was changed"


def test_skipping_doubles_is_drawing_them():
    """participation skips the threshold rule's unused draw; the stream goes on as if drawn."""
    from sim.processes.participation import skip_doubles

    for n in (0, 1, 7, 1000):
        drawn, skipped = np.random.default_rng(5), np.random.default_rng(5)
        drawn.random(n)
        skip_doubles(skipped, n)
        assert np.array_equal(drawn.random(50), skipped.random(50)), n


def test_work_arrays_are_reused_and_never_state(monkeypatch):
    """World.scratch gives the same memory per name, and no state array ever lives in it."""
    import sim

    monkeypatch.setenv("GOVSIM_KERNELS", "numba")
    model = sim.GovernanceModel(rng=2, **{"population.size": 600})
    w = model.world
    a = w.scratch("test.a", 10)
    assert w.scratch("test.a", 10) is a and w.scratch("test.a", 11) is not a
    for _ in range(4):
        model.step()
        state = [v for v in vars(model.population).values() if isinstance(v, np.ndarray)]
        assert len(w._scratch) >= 4  # the draws and DeGroot's copy are work arrays
        for buf in w._scratch.values():
            assert not any(np.shares_memory(buf, v) for v in state)


def test_warm_kernels_compiles_every_kernel_once_and_is_a_no_op_on_numpy(monkeypatch):
    """scripts/bootstrap.sh fills numba's cache with every kernel; numpy path: nothing."""
    import re
    from pathlib import Path

    from sim import _kernels_numba as nb
    from sim.runner import warm_kernels

    assert warm_kernels() == len(kernels._compiled().__dict__)
    # every kernel the processes call from Python is compiled (the others inside them)
    sources = "".join(p.read_text() for p in Path(sim.__file__).parent.rglob("*.py"))
    called = set(re.findall(r"fused\.(\w+)\(", sources))
    assert {"election_votes", "neighbour_share", "social_degroot"} <= called
    assert "social_degroot_parallel" in called
    for name in called:
        assert getattr(nb, name).signatures, name
    monkeypatch.setenv("GOVSIM_KERNELS", "numpy")
    assert warm_kernels() == 0


@pytest.mark.parametrize("threads", ["1", "2"])
def test_threaded_degroot_is_the_serial_pass_bit_for_bit(monkeypatch, threads):
    """From PARALLEL_FROM citizens DeGroot runs on numba's threads: the same run, same bits.

    The threshold is lowered so that a small model (with isolated citizens) takes the threaded
    kernel; ``NUMBA_NUM_THREADS=1`` keeps it serial. Both runs must equal the numpy path.
    """
    from sim import _kernels_numba as nb

    overrides = {"population.size": 500, "network.kind": "sbm", "network.mean_degree": 1.5}
    df_np, st_np = _run(monkeypatch, "numpy", overrides)
    monkeypatch.setattr(kernels, "PARALLEL_FROM", 100)
    monkeypatch.setattr("numba.config.NUMBA_NUM_THREADS", int(threads))
    assert kernels.parallel_chunks(500) == (0 if threads == "1" else 8)
    calls = []  # counting wrappers round the real threaded kernels (they still run)
    real = nb.social_degroot_parallel
    threaded = ("social_degroot_parallel", "trust_experience_parallel")
    threaded += ("trust_voice_full_parallel",)
    for name in threaded:
        kernel = getattr(nb, name)
        monkeypatch.setattr(
            kernels._compiled(), name, lambda *a, k=kernel: calls.append(k) or k(*a)
        )
    df_nb, st_nb = _run(monkeypatch, "numba", overrides)
    assert len(calls) == (0 if threads == "1" else 3 * 24)
    if threads == "2":  # with the argument types warm_kernels compiles: one signature
        assert len(real.signatures) == 1
    assert df_nb.equals(df_np)
    for k in STATE:
        np.testing.assert_array_equal(st_nb[k], st_np[k], err_msg=k)


def test_threaded_degroot_any_split_gives_the_same_rows():
    """Rows split into 1, 2, 3, 7 or more ranges than rows: every output bit the same."""
    from sim import _kernels_numba as nb

    m = sim.GovernanceModel(rng=3, **{"population.size": 400, "network.kind": "sbm",
                                      "network.mean_degree": 1.5})  # fmt: skip
    m.run(2)
    pop, g = m.world.population, m.world.graph
    assert g.isolated.any() and not g.isolated.all()
    indptr, indices = g.kernel_csr
    n = pop.size
    args = (g.isolated, pop.trust_local, pop.trust_national, 0.6, 0.4, True, 0.9, 0.1)
    args += (pop.disposition_local, pop.disposition_national, 0.05, 0.02)
    ref = np.empty(n), np.empty(n)
    nb.social_degroot(indptr, indices, g.inverse_degree, np.empty(2 * n), *args, *ref)
    for chunks in (1, 2, 3, 7, n + 5):
        out = np.full(n, np.nan), np.full(n, np.nan)
        nb.social_degroot_parallel(
            indptr, indices, g.inverse_degree, np.empty(2 * n), *args, *out, chunks
        )
        np.testing.assert_array_equal(out[0], ref[0])
        np.testing.assert_array_equal(out[1], ref[1])


def test_threaded_trust_updates_any_split_gives_the_same_bits():
    """Trust from experience and from voice split into 1, 2, 3, 7 or more ranges than
    citizens: every output the serial kernel's (the voice record's counts added by range)."""
    from sim import _kernels_numba as nb
    from sim.processes.services import tenant_influence
    from sim.processes.trust_voice import council_table

    m = sim.GovernanceModel(rng=3, **{"population.size": 400, "council.count": 3})
    m.run(3)
    w, pop, cs = m.world, m.population, m.world.councils
    n = pop.size
    council, size = council_table(w)
    draw = np.random.default_rng(0).random(n)
    voice = (pop.participating, draw, council, cs.responsiveness, tenant_influence(w, w.programmes))
    voice += (size, 0.2, 0.08, 0.1, 0.1, 0.12, 0.05, 0.07, cs.has("youth_trust"), pop.youth)
    voice += (cs.has("community_land_trust"), pop.land_trust_eligible, 0.3)
    voice += (pop.trust_local, pop.trust_national, pop.efficacy)
    experience = (pop.trust_local, pop.trust_national, pop.expectation_local)
    experience += (pop.expectation_national, pop.service_quality, 0.4, 0.3, 0.05, 0.1, 0.2)
    assert pop.participating.any()

    def outputs(kernel, args, shapes, *extra):
        out = tuple(np.full(n, np.nan) if s == "f" else np.zeros(n, bool) for s in shapes)
        kernel(*args, *out, *extra)
        return out

    party = pop.trust_party.copy()
    ref_v = outputs(nb.trust_voice_full, voice, "fffbb")
    ref_e = outputs(nb.trust_experience, (*experience, party, 1), "ffff")
    for chunks in (1, 2, 3, 7, n + 5):
        for got, want in zip(
            outputs(nb.trust_voice_full_parallel, voice, "fffbb", chunks), ref_v, strict=True
        ):
            assert got.tobytes() == want.tobytes()
        p = pop.trust_party.copy()
        got_e = outputs(nb.trust_experience_parallel, (*experience, p, 1), "ffff", chunks)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got_e, ref_e, strict=True))
        assert p.tobytes() == party.tobytes()


def test_threaded_participation_and_services_any_split_give_the_same_bits(monkeypatch):
    """The threshold rule and the allocation on 1, 2, 3, 7 or more ranges than citizens:
    the outputs (and the need met) of the call a step made, replayed serially."""
    seen = {}
    ns = kernels._compiled()
    for name in ("participation_graph", "services_step"):
        real = getattr(ns, name)
        monkeypatch.setattr(ns, name, lambda *a, r=real, k=name: seen.setdefault(k, a) and r(*a))
    m = sim.GovernanceModel(rng=3, fused_months=False, **{"population.size": 500})
    m.step()
    monkeypatch.undo()
    for name, outputs in (("participation_graph", slice(-2, -1)), ("services_step", slice(-5, -1))):
        args = list(seen[name])
        n_out = len(args[outputs])

        def replay(chunks, args=args, outputs=outputs, n_out=n_out, name=name):
            call = list(args)
            fresh = [np.zeros_like(a) for a in call[outputs]]
            call[outputs] = fresh
            call[-1] = chunks
            result = getattr(ns, name)(*call)
            return result, [f.tobytes() for f in fresh]

        want = replay(0)
        assert n_out and any(len(b) for b in want[1])
        for chunks in (1, 2, 3, 7, 505):
            assert replay(chunks) == want, (name, chunks)


def test_threads_only_from_the_main_thread_and_the_threshold():
    """Below PARALLEL_FROM, or from a worker thread (Dask, the dashboard): serial."""
    import threading

    assert kernels.parallel_chunks(kernels.PARALLEL_FROM - 1) == 0
    seen = []
    t = threading.Thread(target=lambda: seen.append(kernels.parallel_chunks(10**7)))
    t.start()
    t.join()
    assert seen == [0]


def test_threads_not_in_a_sweeps_pool_workers():
    """A pool worker (they already share the cores) steps serially at any size."""
    import concurrent.futures as cf
    import multiprocessing

    from numba import config

    if config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one core: numba starts no threads anywhere")
    assert kernels.parallel_chunks(10**7) > 0  # this, the main process's main thread: threads
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as ex:
        assert ex.submit(kernels.parallel_chunks, 10**7).result() == 0


def test_threads_sleep_when_idle_unless_the_user_chose(monkeypatch):
    """A model that takes threads asks OpenMP for passive waiting; a user's choice stays."""
    import os

    from numba import config

    monkeypatch.setattr(config, "NUMBA_NUM_THREADS", 2)
    monkeypatch.setenv("OMP_WAIT_POLICY", "recorded")  # so that teardown restores the original
    monkeypatch.delenv("OMP_WAIT_POLICY")
    kernels.parallel_chunks(kernels.PARALLEL_FROM - 1)
    assert "OMP_WAIT_POLICY" not in os.environ  # no threads, nothing set
    assert kernels.parallel_chunks(kernels.PARALLEL_FROM) == 8
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    kernels.parallel_chunks(kernels.PARALLEL_FROM)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
