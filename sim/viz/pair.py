"""What the classroom page controls, and the pair of models one browser tab compares.

:class:`ModelPair` holds two models with the same seed and world, each with its own scenario; it
steps them together and fires live events (:data:`EVENTS`) on both.  :func:`check_settings`
turns a user's choices into plain-language errors and notes instead of exceptions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..model import GovernanceModel
from ..scenario import ScenarioError, load_scenario
from ..schema import Scenario

__all__ = [
    "EVENTS",
    "MAX_POPULATION",
    "NETWORK_KINDS",
    "ClassroomSettings",
    "ModelPair",
    "check_settings",
    "scenario_dir",
    "setting_problems",
]

#: Largest population the classroom sliders offer.
MAX_POPULATION = 5000
#: Network generators the classroom offers, with names a class understands.
NETWORK_KINDS = {
    "watts_strogatz": "Small world",
    "barabasi_albert": "A few very connected people",
    "erdos_renyi": "Random friendships",
    "sbm": "Friends mostly in own council",
}

#: Live events: button label -> (what it means for a class, the model events it queues).
EVENTS: dict[str, tuple[str, tuple[dict[str, Any], ...]]] = {
    "Financial crash": (
        "The economy crashes: trust in national government falls and national performance drops.",
        (
            {"kind": "shock", "target": "trust_national", "size": -0.15},
            {"kind": "performance", "size": -0.2},
        ),
    ),
    "Budget cut": (
        "Central government cuts every council's budget by 20%.",
        ({"kind": "budget_cut", "size": 0.2},),
    ),
    "Start community budgeting": (
        "Every council lets residents decide how to spend part of its budget.",
        ({"kind": "programme_start", "programme": "community_budgeting"},),
    ),
    "Call an election": (
        "A general election is held next month.",
        ({"kind": "election"},),
    ),
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


@dataclass
class ModelPair:
    """The two models one browser tab compares: same seed and world, one scenario each.

    ``step``, ``trigger`` and ``rebuild`` hold a lock, so the Play loop and the buttons never
    step a model at the same time.
    """

    settings: ClassroomSettings = field(default_factory=ClassroomSettings)
    models: list[GovernanceModel | None] = field(default_factory=lambda: [None, None])
    scenarios: list[Scenario | None] = field(default_factory=lambda: [None, None])
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

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
            self.events, self.pending = [], []
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
        """Advance both models ``months`` months."""
        with self.lock:
            if not self.ready:
                return
            for _ in range(months):
                for model in self.models:
                    model.step()
                self.pending = []

    def trigger(self, label: str) -> None:
        """Queue the live event ``label`` (a key of :data:`EVENTS`) on both models."""
        with self.lock:
            if not self.ready:
                return
            for event in EVENTS[label][1]:
                for model in self.models:
                    model.trigger(dict(event))
            self.events.append((self.month + 1, label))
            self.pending.append(label)

    def with_changes(self, **changes: Any) -> ClassroomSettings:
        """The current settings with some fields replaced."""
        return replace(self.settings, **changes)


def _side_name(side: int) -> str:
    return ("Left", "Right")[side]
