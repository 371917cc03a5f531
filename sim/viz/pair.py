"""What the classroom page controls, and the pair of models one browser tab compares.

:class:`ModelPair` holds two models with the same seed and world, each with its own scenario; it
steps them together and fires live events (:data:`EVENTS`) on both.  :func:`check_settings`
turns a user's choices into plain-language errors and notes instead of exceptions.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import GovernanceModel
from ..scenario import ScenarioError, load_scenario
from ..schema import Scenario

__all__ = [
    "EVENTS",
    "LIVE_EVENTS",
    "Election",
    "LiveEvent",
    "MAX_POPULATION",
    "NETWORK_KINDS",
    "ClassroomSettings",
    "ModelPair",
    "check_settings",
    "describe_council",
    "pair_timeseries",
    "scenario_dir",
    "setting_problems",
]

#: Seconds within which a second press of the same event button is ignored.
DEBOUNCE = 1.0
#: Largest population the classroom sliders offer.
MAX_POPULATION = 5000
#: Network generators the classroom offers, with names a class understands.
NETWORK_KINDS = {
    "watts_strogatz": "Small world",
    "barabasi_albert": "A few very connected people",
    "erdos_renyi": "Random friendships",
    "sbm": "Friends mostly in own council",
}

_CRASH_FIELDS = ("kind", "target", "size")


def _crash_2008() -> tuple[dict[str, Any], ...]:
    """The September 2008 events of ``scenarios/financial_crash_2007.toml`` (step 20).

    The dashboard's crash is the documented one, read from the scenario file so the two cannot
    drift apart; if the file is missing the same numbers are used.
    """
    path = Path(__file__).resolve().parents[2] / "scenarios" / "financial_crash_2007.toml"
    try:
        events = load_scenario(path).events
    except (ScenarioError, OSError):
        events = []
    picked = tuple(
        {k: v for k, v in e.model_dump().items() if k in _CRASH_FIELDS and v is not None}
        for e in events
        if e.step == 20
    )
    return picked or (
        {"kind": "performance", "size": -0.1},
        {"kind": "shock", "target": "trust_national", "size": -0.04},
    )


@dataclass(frozen=True)
class LiveEvent:
    """A button of the classroom: what it does in words, why it matters, the model events."""

    help: str
    notice: str
    events: tuple[dict[str, Any], ...]


#: Live events: button label -> its help, what to look for, and the model events it queues.
LIVE_EVENTS: dict[str, LiveEvent] = {
    "Financial crash": LiveEvent(
        "A banking crisis and recession of the size of September 2008: the national economy "
        "does 10% worse and trust in national government falls by 4 points at once.",
        "Watch trust in national government: it falls in both councils, then recovers "
        "slowly as the economy recovers.",
        _crash_2008(),
    ),
    "Budget cut": LiveEvent(
        "Central government cuts every council's budget by a fifth (20%).",
        "Watch how much need services meet, and whether residents blame their council.",
        ({"kind": "budget_cut", "size": 0.2},),
    ),
    "Start community budgeting": LiveEvent(
        "Every council lets residents decide together how to spend part of its budget. It only "
        "works where the council already involves people: a council that asks almost nobody "
        "gets almost nobody taking part.",
        "Watch taking part and trust in the council: the co-operative side gains far more.",
        ({"kind": "programme_start", "programme": "community_budgeting"},),
    ),
    "Call an election": LiveEvent(
        "A general election is held next month: residents who trust politics more are more "
        "likely to vote; those whose party loses trust national government a little less.",
        "Watch the election box: the winner, the vote shares and the turnout.",
        ({"kind": "election"},),
    ),
}
#: Live events: button label -> (what it means for a class, the model events it queues).
EVENTS: dict[str, tuple[str, tuple[dict[str, Any], ...]]] = {
    label: (e.help, e.events) for label, e in LIVE_EVENTS.items()
}


def scenario_dir() -> Path:
    """The shipped ``scenarios/`` folder of the repository checkout govsim is installed from."""
    return Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class ClassroomSettings:
    """What the classroom page controls.  ``None`` means "the scenario's own value"."""

    scenario_a: str = "centralised_baseline.toml"
    scenario_b: str = "cooperative_council.toml"
    folder: str = ""
    seed: int = 1
    population: int | None = None
    network_kind: str | None = None
    mean_degree: float | None = None
    cooperation: tuple[float | None, float | None] = (None, None)
    responsiveness: tuple[float | None, float | None] = (None, None)
    roots: tuple[str, ...] | None = None  # read scenario files only inside these (dashboard)

    def path(self, side: int) -> Path:
        """The scenario file of side 0 (left) or 1 (right)."""
        name = (self.scenario_a, self.scenario_b)[side]
        return Path(self.folder or scenario_dir()) / name

    def overrides(self, side: int) -> dict[str, Any]:
        """Dotted overrides of one side's scenario."""
        out: dict[str, Any] = {
            "population.size": self.population,
            "network.kind": self.network_kind,
            "network.mean_degree": self.mean_degree,
            "council.cooperation": self.cooperation[side],
            "council.responsiveness": self.responsiveness[side],
        }
        return {k: v for k, v in out.items() if v is not None}


def setting_problems(sc: Scenario) -> tuple[list[str], list[str]]:
    """Why a classroom setting cannot run (errors) or may mislead (notes), in plain words."""
    errors, notes = [], []
    n, k = sc.population.size, len(sc.council_names())
    if n < 10 * k:
        errors.append(
            f"{n} residents is too few for {k} councils: use at least {10 * k} "
            "(ten residents per council)."
        )
    if sc.network.mean_degree >= n:
        errors.append(
            f"Each resident cannot have {sc.network.mean_degree:g} friends among {n} residents; "
            "lower the number of ties."
        )
    if sc.network.kind == "complete" and n > 500:
        errors.append("Everyone-knows-everyone networks are limited to 500 residents here.")
    for c in sc.resolved_councils():
        if c["cooperation"] > 0.2 and c["responsiveness"] < 0.2:
            notes.append(
                f"{c['name']}: residents are asked (cooperation {c['cooperation']:.0%}) but "
                f"hardly heard (responsiveness {c['responsiveness']:.0%}): this is tokenism, "
                "and trust usually falls."
            )
            break
    if all(c["cooperation"] == 0 for c in sc.resolved_councils()) and any(
        c["responsiveness"] > 0 for c in sc.resolved_councils()
    ):
        notes.append("With cooperation at 0, responsiveness has no effect: nobody is asked.")
    return errors, notes


def check_settings(
    settings: ClassroomSettings,
) -> tuple[list[Scenario | None], list[str], list[str]]:
    """Load both sides' scenarios with the settings applied; collect errors and notes.

    Returns ``(scenarios, errors, notes)``; a side whose file is invalid has ``None`` and its
    validation message among the errors.  Never raises for a user's choice.
    """
    scenarios: list[Scenario | None] = [None, None]
    errors: list[str] = []
    notes: list[str] = []
    for side in (0, 1):
        try:
            sc = load_scenario(
                settings.path(side), overrides=settings.overrides(side), roots=settings.roots
            )
        except ScenarioError as exc:
            errors.append(str(exc))
            continue
        bad, remarks = setting_problems(sc)
        errors += [e for e in bad if e not in errors]
        notes += [f"{_side_name(side)}: {x}" for x in remarks]
        scenarios[side] = sc
    return scenarios, errors, notes


@dataclass(frozen=True)
class Election:
    """An election one of the models held: when, who won, the vote shares and the turnout."""

    month: int
    side: int
    winner: str
    shares: dict[str, float]
    turnout: float

    def sentence(self) -> str:
        """The result in words, e.g. ``"Labour won with 54% (Conservative 46%); 61% voted."``."""
        others = ", ".join(
            f"{name} {share:.0%}" for name, share in self.shares.items() if name != self.winner
        )
        won = self.shares.get(self.winner, float("nan"))
        return (
            f"{self.winner} won with {won:.0%} of the votes"
            + (f" ({others})" if others else "")
            + f"; {self.turnout:.0%} of residents voted."
        )


@dataclass
class ModelPair:
    """The two models one browser tab compares: same seed and world, one scenario each.

    Live events wait in :attr:`pending` until the next :meth:`step`, which hands them to both
    models: until then :meth:`undo` takes one back, and pressing the same event twice in one
    month queues it once.  ``step``, ``trigger``, ``undo`` and ``rebuild`` hold a lock, so the
    Play loop and the buttons never change a model at the same time.
    """

    settings: ClassroomSettings = field(default_factory=ClassroomSettings)
    models: list[GovernanceModel | None] = field(default_factory=lambda: [None, None])
    scenarios: list[Scenario | None] = field(default_factory=lambda: [None, None])
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    elections: list[Election] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _pressed: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.rebuild(self.settings)

    @property
    def ready(self) -> bool:
        """True when both models exist (the settings were valid)."""
        return not self.errors and all(m is not None for m in self.models)

    @property
    def month(self) -> int:
        """Months simulated so far (both models move together)."""
        return self.models[0].month if self.ready else 0

    def rebuild(self, settings: ClassroomSettings | None = None) -> None:
        """Build both models afresh from ``settings``; problems land in ``errors``, not raised."""
        with self.lock:
            self.settings = settings or self.settings
            self.models = [None, None]
            self.events, self.pending, self.elections = [], [], []
            self.scenarios, self.errors, self.notes = check_settings(self.settings)
            if self.errors:
                return
            for side in (0, 1):
                try:
                    self.models[side] = GovernanceModel(
                        self.scenarios[side], rng=self.settings.seed, citizen_handles=False
                    )
                except (ValueError, MemoryError) as exc:  # e.g. a graph the generator refuses
                    self.errors.append(f"{_side_name(side)} model could not be built: {exc}")
                    self.models = [None, None]
                    return

    def step(self, months: int = 1) -> None:
        """Advance both models ``months`` months (queued live events act in the first)."""
        with self.lock:
            if not self.ready:
                return
            for _ in range(months):
                for label in self.pending:
                    for event in LIVE_EVENTS[label].events:
                        for model in self.models:
                            model.trigger(dict(event))
                    self.events.append((self.month + 1, label))
                self.pending = []
                for model in self.models:
                    model.step()
                self._record_elections()

    def _record_elections(self) -> None:
        for side, model in enumerate(self.models):
            obs = model.observation
            if not obs.get("election"):
                continue
            names = list(model.world.parties.names)
            shares = {n: float(obs.get(f"vote_share_{n}", float("nan"))) for n in names}
            winner = names[int(obs["government"])] if names else "nobody"
            self.elections.append(
                Election(model.month, side, winner, shares, float(obs["turnout"]))
            )

    def trigger(self, label: str) -> bool:
        """Queue the live event ``label`` (a key of :data:`LIVE_EVENTS`) for the next month.

        Returns False (and queues nothing) when the same event is already waiting or was
        pressed less than :data:`DEBOUNCE` seconds ago: a double click gives one crash, not two,
        even when Play starts a new month between the two clicks.
        """
        with self.lock:
            if label not in LIVE_EVENTS:
                raise KeyError(f"{label!r}: not a live event ({', '.join(LIVE_EVENTS)})")
            now = time.monotonic()
            recent = now - self._pressed.get(label, -1e9) < DEBOUNCE
            if not self.ready or label in self.pending or recent:
                return False
            self._pressed[label] = now
            self.pending.append(label)
            return True

    def undo(self, label: str | None = None) -> str | None:
        """Take back a queued event (default: the latest) before the next step; returns it."""
        with self.lock:
            if label is None and self.pending:
                label = self.pending[-1]
            if label not in self.pending:
                return None
            self.pending.remove(label)
            self._pressed.pop(label, None)  # pressing it again right away is meant
            return label

    def dated_events(self, side: int) -> list[tuple[int, str, str]]:
        """A side's scenario events up to a year ahead, as ``(month, note, "scenario")``."""
        sc = self.scenarios[side]
        if sc is None:
            return []
        horizon = self.month + 12
        seen: dict[int, str] = {}
        for e in sc.events:
            if 0 < e.step <= horizon and e.step not in seen:
                seen[e.step] = (e.note or e.kind.replace("_", " ")).split(":")[-1].strip()
        return [(m, t, "scenario") for m, t in sorted(seen.items())]

    def chart_events(self, side: int) -> list[tuple[int, str, str]]:
        """Everything to mark on a side's charts: its dated scenario events and the live ones."""
        live = [(m, label, "live") for m, label in self.events]
        return sorted(self.dated_events(side) + live, key=lambda e: e[0])

    def with_changes(self, **changes: Any) -> ClassroomSettings:
        """The current settings with some fields replaced."""
        return replace(self.settings, **changes)


def _side_name(side: int) -> str:
    return ("Left", "Right")[side]


def describe_council(sc: Scenario | None) -> str:
    """A scenario's councils in plain words, from their numbers (no parameter names).

    >>> from sim import load_scenario
    >>> describe_council(load_scenario("scenarios/centralised_baseline.toml"))[:45]
    'Decides for its residents: asks them about 5%'
    """
    if sc is None:
        return ""
    c = sc.resolved_councils()[0]
    coop, resp = c["cooperation"], c["responsiveness"]
    if coop >= 0.4:
        kind = "Decides with its residents"
    elif coop >= 0.15:
        kind = "Asks its residents now and then"
    else:
        kind = "Decides for its residents"
    heard = {0.5: "half of those"}.get(round(resp, 2), f"{resp:.0%} of those")
    if resp < 0.2:
        heard = "almost none of those (tokenism)"
    return (
        f"{kind}: asks them about {coop:.0%} of its decisions, and what they say changes {heard}."
    )


def pair_timeseries(pair: ModelPair) -> pd.DataFrame:
    """Both runs' collected measures, one row per side and month, for a CSV download.

    Columns: ``side`` (left/right), ``scenario``, ``seed``, ``month``, then every measure the
    models collect (headline measures first).
    """
    frames = []
    for side, model in enumerate(pair.models):
        if model is None:
            continue
        df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "month", range(len(df)))
        df.insert(0, "seed", pair.settings.seed)
        df.insert(0, "scenario", pair.scenarios[side].name)
        df.insert(0, "side", _side_name(side).lower())
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
