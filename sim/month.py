"""A quiet month in one compiled call: participation to observation (issue 11), the same bits.

A month of the default schedule is *quiet* when, after the events process has run as
usual, no election is due or called, no campaign mobilises anyone this month, and cohort
replacement and network change are off.  The rest of such a month is participation,
services, news (if on: one draw), trust from experience, trust from voice, social influence
and observation: six compiled kernel calls (:mod:`sim.kernels`) with Python between them.
Here they are one call, :func:`sim._kernels_numba.month_quiet`, which runs the same kernels
on the same arrays in the same order, so the results are the same bits
(``tests/test_month.py`` runs every shipped scenario both ways).  What it saves is the
Python between the calls, most of a 1,000-citizen step's cost (docs/performance.md,
"Issue 11, eighth round").

The processes stay the model: each still owns its rule, its numpy reference and its own
kernel, and any month that is not quiet, or any model whose schedule or rules differ from
the ones this call knows (the logit rule, cynicism, distrust contagion, Deffuant, a process
replaced or added), runs through them one by one.  The random numbers are drawn from each
process's own stream, as the process draws them, before the call; news, which reads only
its own stream and writes only ``world.news`` (read by trust from experience alone), runs
before it.  Coefficients are read from the scenario every month, as the processes read
them; the processes' derived tables are packed for the call and rebuilt with them.

>>> from sim import GovernanceModel
>>> quick = GovernanceModel(rng=3, **{"population.size": 300})
>>> one_by_one = GovernanceModel(rng=3, fused_months=False, **{"population.size": 300})
>>> quick.run(6); one_by_one.run(6)
>>> a = quick.datacollector.get_model_vars_dataframe()
>>> a.equals(one_by_one.datacollector.get_model_vars_dataframe()), len(a)
(True, 7)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import kernels
from .agents import Council
from .metrics import Observation, _councils, _groups, council_means
from .processes import (
    elections,
    events,
    news,
    participation,
    services,
    social_influence,
    trust_experience,
    trust_voice,
)
from .processes.services import tenant_influence

if TYPE_CHECKING:
    from .model import GovernanceModel

__all__ = ["FUSED_BELOW", "QuietMonth"]

#: From this many citizens months go process by process: the Python between the kernels is
#: then a small share of a month, and one call was no faster (``benchmarks/month.py``, ms a
#: month with runs of months in one call / one call a month / process by process: 1,000
#: citizens 0.076 / 0.107 / 0.131; 5,000: 0.32 / 0.40 / 0.42; 20,000: 1.28 / 1.32 / 1.29;
#: 50,000: 3.31 / 3.26 / 3.08).
FUSED_BELOW = 20_000

#: The schedule this call replaces, by process name and step function: any other (a process
#: registered, removed or replaced) runs process by process.
_SCHEDULE = (
    ("events", events.step),
    ("participation", participation.step),
    ("services", services.step),
    ("news", news.step),
    ("trust_experience", trust_experience.step),
    ("trust_voice", trust_voice.step),
    ("social_influence", social_influence.step),
    ("elections", elections.step),
    ("cohort_replacement", None),
    ("network_change", None),
)


class QuietMonth:
    """Runs a model's quiet months in one compiled call (:meth:`advance`)."""

    def __init__(self, model: GovernanceModel):
        self.fused = kernels.of_world(model.world)
        #: The schedule this runner was checked against: a model whose ``processes`` are
        #: replaced afterwards runs them one by one (``GovernanceModel.step``)
        self.schedule = model.processes
        #: Quiet months run so far (one call each, or several in one call)
        self.months = 0
        #: Calls that ran several quiet months (:meth:`run_months`)
        self.blocks = 0

    @classmethod
    def of(cls, model: GovernanceModel) -> QuietMonth | None:
        """The quiet-month runner for ``model``, or None if its months go process by process.

        None on the numpy path, from :data:`FUSED_BELOW` citizens, for a schedule other than
        the default one and for a model that steps, observes or collects in its own way
        (:meth:`GovernanceModel.fusable_months`).
        """
        if not model.fusable_months():  # a subclass that steps or observes in its own way
            return None
        if model.world.kernel_backend != "numba" or model.world.population.size == 0:
            return None
        if model.world.population.size >= min(FUSED_BELOW, kernels.PARALLEL_FROM):
            return None  # (from PARALLEL_FROM, DeGroot may run on threads, process by process)
        names = tuple(p.name for p in model.processes)
        if names != tuple(name for name, _ in _SCHEDULE):
            return None
        for process, (_, step) in zip(model.processes, _SCHEDULE, strict=True):
            if step is not None and process.step is not step:
                return None
        return cls(model)

    def advance(self, model: GovernanceModel) -> bool:
        """Run the rest of this month (after events) and observe it, if it is quiet.

        Returns False, having changed nothing, when the month is not quiet: the model then
        runs its processes one by one.
        """
        w = model.world
        signals = w.signals
        if signals.mobilised is not None or signals.election_called or w.pending:
            return False
        ps = model.spec.processes
        specs = _known_rules(ps)
        if specs is None:
            return False
        pa, se, te, tv, si, el = specs
        if el.enabled and elections.is_election_month(w.month, el, w.last_election):
            return False
        if ps.news.enabled:  # its own stream in, ``world.news`` out: read by trust from
            news.step(w, ps.news, model.streams["news"])  # experience only, after the call
        if el.enabled:  # what elections.step does in a month without one
            w.government_changed = False
        self._run(model, pa, se, te, tv, si)
        self.months += 1
        return True

    def run_months(self, model: GovernanceModel, limit: int) -> int:
        """Run the quiet months from the next one on (at most ``limit``) in one call.

        :meth:`GovernanceModel.run` calls it when no one watches between steps (no
        ``progress``): the months it runs are recorded as each would be, the model's time,
        state and collector ending as after that many :meth:`advance` months; only the
        months in between are never held as model state.  A run of months ends before an
        event, an election or ``limit``; returns how many months ran (0 if fewer than two
        were quiet: the model then steps the usual way).
        """
        w = model.world
        signals = w.signals
        if signals.mobilised is not None or signals.election_called or w.pending:
            return 0
        if model.processes is not self.schedule or model._only_step_due() is None:
            return 0
        if vars(model).get("step") != model._advance_one_month:  # a step of the user's
            return 0
        if not model.fusable_months():  # e.g. a collector of the user's
            return 0
        ps = model.spec.processes
        specs = _known_rules(ps)
        if specs is None or ps.news.enabled:  # news: one draw a month, left to advance()
            return 0
        pa, se, te, tv, si, el = specs
        months = self._quiet_run(w, ps, el, min(limit, _draw_budget(w.population.size)))
        if months < 2:
            return 0
        self._run_months(model, months, ps.events.enabled, pa, se, te, tv, si)
        if el.enabled:  # what elections.step does in a month without one
            w.government_changed = False
        self.months += months
        self.blocks += 1
        return months

    @staticmethod
    def _quiet_run(w, ps, el, limit: int) -> int:
        """How many months from the next one on have no event and no election (<= limit)."""
        months = 0
        month = w.month
        while months < limit:
            month += 1
            if ps.events.enabled and w.timeline.get(month):
                break
            if el.enabled and elections.is_election_month(month, el, w.last_election):
                break
            months += 1
        return months

    def _run_months(self, model, months, recover, pa, se, te, tv, si) -> None:
        """``months`` quiet months in one call of :func:`sim._kernels_numba.months_quiet`."""
        w = model.world
        pop, g, obs = w.population, w.government, model._observer
        n = pop.size
        # each stream's draws for all the months, made as each month makes them: the same
        # numbers from the same streams (participation's ``decide`` skipped, not made)
        rng = model.streams["participation"]
        part_draws = np.empty((months, 2, n))
        for drawn in part_draws:
            rng.random(out=drawn[0])
            participation.skip_doubles(rng, n)
            rng.random(out=drawn[1])
        voice_draws = model.streams["trust_voice"].random((months, n))
        coef = _coefficients(w, pa, se, te, tv, si)
        t = _tables(w, pa, se)
        block, means, at = obs.kernel_buffers()
        fixed, month_at = obs.finish_positions()
        template = np.full(len(obs.names), np.nan)
        obs.finish(w, template, 0, 0, election_held=False)  # what a quiet month keeps
        # the need met is divided by what was spent: the budget of services_step, summed
        # as services.step sums it (numpy's dot), the same every quiet month
        st = services.static_table(w, se)
        budget = t.council[0] * w.budget_multiplier * coef[3] * st["mean_need"]
        spent = float(np.dot(st["n_c"], budget))
        k = t.council.shape[1]
        rows = model.datacollector.reserve(months)
        csums = np.empty((months, 3, k))
        out, flags, voice_share, performance, vfm = self.fused.months_quiet(
            *_inputs(w, t, coef),
            part_draws,
            voice_draws,
            pop.trust_party,
            w.voice_share,
            pop.disposition_local,
            pop.disposition_national,
            w.scratch("social_influence.both", 2 * n),
            block,
            means,
            np.concatenate([at, month_at]),
            *_last_month(pop),
            float(g.performance),
            bool(recover),
            float(g.baseline_performance),
            float(g.performance_recovery),
            float(w.news),
            spent,
            template,
            fixed,
            rows,
            csums,
        )
        _keep_month(w, out, flags, voice_share)  # the last month's, as the processes leave it
        w.value_for_money = float(vfm[-1])
        g.performance = float(performance)
        w.month += months
        times = model._advance_months(months)  # Mesa's clock, as each step moves it
        council_budget = model._council_budget()
        records = []
        for time, csum in zip(times, csums, strict=True):
            summary = council_means(csum)
            records.append({Council: model._council_records_at(time, summary, council_budget)})
        model.datacollector.collect_reserved(times, records)
        model.council_summary = summary
        model.observation = Observation(obs.index, rows[-1].copy())

    def _run(self, model, pa, se, te, tv, si) -> None:
        """The quiet month itself: draws, the one call, then the new state and observation."""
        w = model.world
        pop = w.population
        n = pop.size
        streams = model.streams
        # each process's draws from its own stream, as the process makes them
        rng = streams["participation"]
        chance_draw = rng.random(out=w.scratch("participation.chance", n))
        participation.skip_doubles(rng, n)  # ``decide``, which the threshold rule does not read
        stay_draw = rng.random(out=w.scratch("participation.stay", n))
        draw = streams["trust_voice"].random(out=w.scratch("trust_voice.draw", n))
        coef = _coefficients(w, pa, se, te, tv, si)
        t = _tables(w, pa, se)
        block, means, at = model._observer.kernel_buffers()
        out = np.empty((7, n))
        flags = np.empty((3, n), dtype=np.bool_)
        k = t.council.shape[1]
        new_share, budget, csum = np.empty((k, 5)), np.empty(k), np.empty((3, k))
        row = np.empty(len(model._observer.names))
        met_total, parts, heard = self.fused.month_quiet(
            *_inputs(w, t, coef),
            chance_draw,
            stay_draw,
            draw,
            pop.trust_party,
            w.voice_share,
            pop.disposition_local,
            pop.disposition_national,
            w.scratch("social_influence.both", 2 * n),
            block,
            means,
            csum,
            row,
            at,
            *_last_month(pop),
            out,
            flags,
            new_share,
            budget,
        )
        _keep_month(w, out, flags, new_share)  # this month's, as the processes leave it
        spent = float(np.dot(t.n_c, budget))
        w.value_for_money = float(met_total / spent) if spent > 0 else 0.0
        # observation, as GovernanceModel._observe makes it
        model._observer.finish(w, row, parts, heard, election_held=False)
        model.council_summary = council_means(csum)
        model.observation = Observation(model._observer.index, row)
        model.datacollector.collect(model)


def _known_rules(ps) -> tuple | None:
    """The specs of the processes a quiet month runs, if their rules are the ones it knows."""
    pa, se, te, tv, si, el = (
        ps.participation,
        ps.services,
        ps.trust_experience,
        ps.trust_voice,
        ps.social_influence,
        ps.elections,
    )
    if ps.cohort_replacement.enabled or ps.network_change.enabled:
        return None
    if not (pa.enabled and se.enabled and te.enabled and tv.enabled and si.enabled):
        return None
    if pa.rule != "threshold" or te.cynicism > 0:
        return None
    if si.rule != "degroot" or not si.weight > 0 or si.distrust_contagion != 0:
        return None
    return pa, se, te, tv, si, el


def _coefficients(w, pa, se, te, tv, si) -> np.ndarray:
    """The kernel's coefficients, read afresh every month as the processes read them.

    In the order of the ``coef[i]`` the kernel reads (:func:`sim._kernels_numba.month_quiet`);
    entry 10 is what trust from experience sees of national performance this month.
    """
    g, prog = w.government, w.programmes
    return np.array(
        (
            pa.motivation_efficacy,
            pa.motivation_trust,
            pa.persistence,
            1 - g.austerity * g.grant_share,
            1 - g.centralisation,
            prog.community_budget_share,
            1 - se.voice_memory,
            se.voice_memory,
            1 - se.participation_overhead,
            se.coproduction_bonus,
            g.performance + w.news,
            te.national_blame,
            te.up_rate,
            te.down_rate,
            te.expectation_rate,
            tv.legitimacy_spillover,
            tv.heard_trust_gain,
            tv.ignored_trust_loss,
            tv.heard_efficacy_gain,
            tv.ignored_efficacy_loss,
            prog.youth_efficacy,
            prog.land_trust_efficacy,
            tv.national_share,
            1 - si.weight,
            si.weight,
            1 - si.anchoring,
            si.anchoring,
            si.local_to_national,
            si.national_to_local,
        ),
        dtype=np.float64,
    )


def _inputs(w, t: _Tables, coef: np.ndarray) -> tuple:
    """The arguments both kernels take first: the graph, the packed tables, the coefficients."""
    graph = w.graph
    indptr, indices = graph.kernel_csr
    start, table = graph.share_table()
    return (
        indptr,
        indices,
        start,
        table,
        graph.inverse_degree,
        graph.isolated,
        w.threshold_kind == "count",
        t.citizen,
        t.codes,
        t.marks,
        t.council,
        t.has,
        t.counts,
        t.q_count,
        t.youth_idx,
        t.tenant_idx,
        t.need_g,
        t.need_positive,
        w.budget_multiplier,
        coef,
        int(w.parties.government),
    )


def _last_month(pop) -> tuple:
    """Last month's state that both kernels read, in their order (this month's: ``_OUT``)."""
    return (
        pop.participating,
        pop.trust_local,
        pop.trust_national,
        pop.expectation_local,
        pop.expectation_national,
        pop.efficacy,
    )


def _keep_month(w, out: np.ndarray, flags: np.ndarray, voice_share: np.ndarray) -> None:
    """Store a month's state from the kernels' ``out`` and ``flags`` (:data:`_OUT`)."""
    w.population.set_monthly(_OUT, out)
    w.population.set_monthly(_FLAGS, flags)
    w.voice_share = voice_share


def _draw_budget(n: int) -> int:
    """Most months whose draws (3 n doubles a month) fit in 2 MB, at least 1.

    So that a call's draws stay in a core's cache: with more (5,000 citizens and 16 MB of
    draws, say), the months in one call ran slower than one call a month
    (docs/performance.md, "Issue 11, eighth round").
    """
    return max(1, 2_000_000 // (24 * max(n, 1)))


#: Rows of the kernel's ``out`` and ``flags``: the citizen variables this month replaces
_OUT = (
    "received",
    "service_quality",
    "expectation_local",
    "expectation_national",
    "efficacy",
    "trust_local",
    "trust_national",
)
_FLAGS = ("participating", "heard", "ignored")


class _Tables(NamedTuple):
    """The month's inputs that change only when an input, a council or policy does, packed."""

    citizen: np.ndarray  # 7 x n float: theta0, youth cut, opportunity, need, influence,
    #                      central factor, need left to the council
    codes: np.ndarray  # 3 x n intp: services group, council, quintile
    marks: np.ndarray  # 2 x n bool: youth, land-trust eligible
    council: np.ndarray  # 6 x k float: budget, mean need, cooperation, responsiveness,
    #                      efficiency, residents
    has: np.ndarray  # 3 x k bool: community budgeting, youth trust, community land trust
    counts: np.ndarray  # 2 x k int: residents, residents at least 1
    q_count: np.ndarray
    youth_idx: np.ndarray
    tenant_idx: np.ndarray
    need_g: np.ndarray
    need_positive: bool
    n_c: np.ndarray


def _tables(w, pa, se) -> _Tables:
    """The processes' own derived tables for this month, packed for the kernel (derived).

    Each part is the table the process itself uses (the same entries of ``world.derived``),
    so both paths read the same numbers; the pack is rebuilt whenever they are.
    """

    def build() -> _Tables:
        pop, cs = w.population, w.councils
        theta0, youth_cut = participation.theta_parts(w, pa)
        st = services.static_table(w, se)
        v_council, size = trust_voice.council_table(w)
        quintile, q_count, youth_idx, tenant_idx = _groups(w)
        o_council, c_count = _councils(w)
        for codes in (v_council, o_council):  # the kernel passes one council code to all
            if not np.array_equal(codes, st["council"]):  # pragma: no cover - by construction
                raise AssertionError("the processes' council codes differ")
        citizen = (theta0, np.broadcast_to(youth_cut, theta0.shape))
        citizen += (participation.opportunity_table(w, pa), pop.need)
        citizen += (tenant_influence(w, w.programmes), st["central_factor"])
        citizen += (services.need_left(w),)
        council = (cs.budget, st["mean_need"], cs.cooperation, cs.responsiveness)
        council += (cs.efficiency, st["n_c"])
        has = [cs.has(p) for p in ("community_budgeting", "youth_trust", "community_land_trust")]
        return _Tables(
            citizen=np.stack(citizen).astype(np.float64, copy=False),
            codes=np.stack([st["groups"], st["council"], quintile]).astype(np.intp, copy=False),
            marks=np.stack([pop.youth, pop.land_trust_eligible]),
            council=np.stack(council).astype(np.float64, copy=False),
            has=np.stack(has),
            counts=np.stack([size, c_count]).astype(np.int64, copy=False),
            q_count=q_count,
            youth_idx=youth_idx,
            tenant_idx=tenant_idx,
            need_g=st["need_g"],
            need_positive=services.need_left_positive(w),
            n_c=st["n_c"],
        )

    return w.derived("month.tables", build)
