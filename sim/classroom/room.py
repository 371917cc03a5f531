"""A class as residents: students join with a code and each plays one resident of a council.

:class:`ClassRoom` holds two models built from the same seed and population: the co-operative
council the class lives in, and the centralised council the same class can be run through to
compare.  Each student is given one resident of the first council (the same row in both
models, so the same person), and chooses each round whether to take part and, for the next
election, how to vote; :meth:`ClassRoom.next_round` writes those choices into the residents'
state through the model's public :class:`~sim.Citizen` handles, then steps both models.

Nothing personal is asked or kept: a student is "Resident 7", known by a random token that
lives only in the server's memory; :meth:`ClassRoom.end` forgets everything.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..agents import Citizen
from ..errors import GovsimError
from ..model import GovernanceModel
from ..rng import derive_seed
from ..scenario import load_scenario
from . import choices

__all__ = [
    "CODE_ALPHABET",
    "MAX_STUDENTS",
    "ClassRoom",
    "JoinError",
    "Student",
    "new_code",
]

#: Most students one class can seat.
MAX_STUDENTS = 60
#: Join codes use letters and digits nobody confuses when read off a projector.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
#: Wrong codes one page may try before it is refused.
MAX_ATTEMPTS = 8
#: The two runs: the class's council, and the same class under a centralised council.
RUNS = ("cooperative", "centralised")
#: Key of the stream that picks which residents the students become.
CLASS_STREAM = 0xC1A55


class JoinError(GovsimError):
    """A student could not join (wrong code, class full, class ended)."""


def new_code(length: int = 6) -> str:
    """A fresh join code (from the operating system's random source, never a seeded one)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


@dataclass
class Student:
    """One student: a resident's row, a number to show, and this round's choices."""

    token: str
    number: int
    resident: int
    take_part: bool = False
    vote: str | None = None  # a party's name; None = will not vote
    history: list[dict[str, Any]] = field(default_factory=list)


class ClassRoom:
    """The class's two models, its students and their choices (thread-safe).

    Parameters
    ----------
    scenarios : pair of paths
        The co-operative council the class lives in, and the centralised one to compare.
    code : str
        The join code students type.
    seed : int
        Seed of both models and of which residents the students become.
    months_per_round : int
        Months one round (one press of "next round") simulates.
    roots : sequence of folders, optional
        Passed to :func:`sim.load_scenario`: read scenario files only inside these.
    """

    def __init__(
        self,
        scenarios: tuple[Path, Path],
        *,
        code: str,
        seed: int = 1,
        months_per_round: int = 3,
        max_students: int = MAX_STUDENTS,
        roots=None,
    ):
        self.scenario_paths = scenarios
        self.code = code.upper()
        self.seed = seed
        self.months_per_round = months_per_round
        self.max_students = max_students
        self.roots = roots
        self.lock = threading.RLock()
        self.version = 0  # bumped on every change: pages redraw when it moves
        self.ended = False
        self.rounds: list[dict[str, Any]] = []
        self.elections: list[dict[str, Any]] = []
        self.election_called = False
        self.students: dict[str, Student] = {}
        self._build()

    # ------------------------------------------------------------------ set-up
    def _build(self) -> None:
        choices.ensure_registered()  # before loading: the schema gains the process's table
        self.scenarios = [load_scenario(p, roots=self.roots) for p in self.scenario_paths]
        self.models = {
            run: GovernanceModel(sc, rng=self.seed, citizen_handles=True)
            for run, sc in zip(RUNS, self.scenarios, strict=True)
        }
        self.handles = {
            run: {a.index: a for a in m.agents_by_type[Citizen]} for run, m in self.models.items()
        }
        home = np.flatnonzero(self.models["cooperative"].population.council == 0)
        order = np.random.default_rng(derive_seed(self.seed, CLASS_STREAM)).permutation(home)
        self._free = [int(i) for i in order[: self.max_students]]
        self.council_name = self.models["cooperative"].councils[0].name

    @property
    def month(self) -> int:
        """Months simulated so far (both runs move together)."""
        return self.models["cooperative"].month

    @property
    def parties(self) -> list[str]:
        """Names of the parties students can vote for."""
        return [p.name for p in self.models["cooperative"].parties]

    def _changed(self) -> None:
        self.version += 1

    # ------------------------------------------------------------------ students
    def join(self, code: str, attempts: int = 0) -> Student:
        """Seat a student who typed ``code``; a :class:`JoinError` says why not."""
        with self.lock:
            if self.ended:
                raise JoinError("This class has ended. Ask your teacher for the new code.")
            if attempts >= MAX_ATTEMPTS:
                raise JoinError("Too many wrong codes from this page. Ask your teacher.")
            if not secrets.compare_digest(code.strip().upper().encode(), self.code.encode()):
                raise JoinError("That is not the code on the board. Check it and try again.")
            if not self._free:
                raise JoinError(f"The class is full ({self.max_students} students).")
            number = 1 + max((s.number for s in self.students.values()), default=0)
            student = Student(secrets.token_urlsafe(16), number, self._free.pop(0))
            self.students[student.token] = student
            self._changed()
            return student

    def leave(self, token: str) -> None:
        """Free a student's seat (their resident goes back to the model's own choices)."""
        with self.lock:
            student = self.students.pop(token, None)
            if student is not None:
                self._free.insert(0, student.resident)
                self._changed()

    def choose(self, token: str, *, take_part: bool | None = None, vote: str | None = "") -> None:
        """Record a student's choice for the next round (``vote=""`` leaves the vote as it is)."""
        with self.lock:
            student = self.students.get(token)
            if student is None:
                return
            if take_part is not None:
                student.take_part = bool(take_part)
            if vote != "":
                if vote is not None and vote not in self.parties:
                    raise JoinError(f"{vote!r} is not a party here: {', '.join(self.parties)}.")
                student.vote = vote
            self._changed()

    def resident(self, token: str, run: str = "cooperative") -> dict[str, Any] | None:
        """What a student sees of their resident in ``run`` (None if they are not seated)."""
        with self.lock:
            student = self.students.get(token)
            if student is None:
                return None
            c = self.handles[run][student.resident]
            return {
                "number": student.number,
                "month": self.month,
                "council": self.council_name,
                "took_part": bool(c.participating),
                "heard": bool(c.heard),
                "service": float(c.service_quality),
                "trust_local": float(c.trust_local),
                "trust_national": float(c.trust_national),
                "take_part": student.take_part,
                "vote": student.vote,
                "history": list(student.history),
            }

    # ------------------------------------------------------------------ rounds
    def call_election(self) -> None:
        """Hold an election in both runs in the next month."""
        with self.lock:
            for m in self.models.values():
                m.trigger({"kind": "election"})
            self.election_called = True
            self._changed()

    def next_round(self, months: int | None = None) -> None:
        """Apply every student's choices and simulate one round in both runs."""
        with self.lock:
            for _ in range(months or self.months_per_round):
                self._month()
            self.rounds.append({"month": self.month, "students": len(self.students)})
            self._changed()

    def _month(self) -> None:
        for run, model in self.models.items():
            self._apply_choices(run, model)
            before = model.world.elections_held
            model.step()
            if model.world.elections_held > before:
                self._record_votes(run, model)
        self.election_called = False
        for student in self.students.values():
            c = self.handles["cooperative"][student.resident]
            student.history.append(
                {
                    "month": self.month,
                    "took_part": bool(c.participating),
                    "heard": bool(c.heard),
                    "trust_local": float(c.trust_local),
                }
            )

    def _apply_choices(self, run: str, model: GovernanceModel) -> None:
        """Pin the students' residents to their choices for the next step (both ways).

        The choices go in through the :class:`~sim.Citizen` handles (last month's state, which
        neighbours and persistence read) and through :mod:`sim.classroom.choices`, the process
        right after ``participation`` that makes this month's taking part what they chose.
        """
        seated = sorted(self.students.values(), key=lambda s: s.resident)
        handles = self.handles[run]
        for student in seated:
            handles[student.resident].participating = student.take_part
        choices.pin(
            model.world,
            np.array([s.resident for s in seated], dtype=np.int64),
            np.array([s.take_part for s in seated], dtype=bool),
        )

    def _record_votes(self, run: str, model: GovernanceModel) -> None:
        """The students' own votes go into their residents' voting record; tally the class."""
        names = self.parties
        tally = dict.fromkeys(names, 0)
        handles = self.handles[run]
        vote = model.population.vote.copy()  # `vote` has no Citizen handle: replace the array
        for student in self.students.values():
            handles[student.resident].voted = student.vote is not None
            vote[student.resident] = names.index(student.vote) if student.vote else -1
            if student.vote is not None:
                tally[student.vote] += 1
        model.population.vote = vote
        self.elections.append(
            {
                "run": run,
                "month": model.month,
                "turnout": float(model.observation.get("turnout", float("nan"))),
                "shares": {p.name: float(p.vote_share) for p in model.parties},
                "class_votes": tally,
                "class_size": len(self.students),
            }
        )

    # ------------------------------------------------------------------ the teacher's view
    def summary(self, run: str) -> dict[str, Any]:
        """The class's residents against everyone in their council, in ``run``."""
        with self.lock:
            model = self.models[run]
            pop = model.population
            home = pop.council == 0
            rows = sorted(self.students.values(), key=lambda s: s.number)
            idx = np.array([s.resident for s in rows], dtype=int)
            cls = np.zeros(pop.size, dtype=bool)
            cls[idx] = True
            others = home & ~cls

            def mean(x, mask):
                return float(np.mean(x[mask])) if mask.any() else float("nan")

            return {
                "month": model.month,
                "observation": dict(model.observation),
                "class": {
                    "n": int(cls.sum()),
                    "trust_local": mean(pop.trust_local, cls),
                    "taking_part": mean(pop.participating, cls),
                    "heard": mean(pop.heard, cls),
                    "service": mean(pop.service_quality, cls),
                },
                "others": {
                    "n": int(others.sum()),
                    "trust_local": mean(pop.trust_local, others),
                    "taking_part": mean(pop.participating, others),
                    "heard": mean(pop.heard, others),
                    "service": mean(pop.service_quality, others),
                },
                "students": [
                    {
                        "number": s.number,
                        "take_part": s.take_part,
                        "took_part": bool(pop.participating[s.resident]),
                        "heard": bool(pop.heard[s.resident]),
                        "trust_local": float(pop.trust_local[s.resident]),
                        "voting": s.vote is not None,
                    }
                    for s in rows
                ],
            }

    def end(self) -> None:
        """Forget every student and both models (the class is over)."""
        with self.lock:
            for model in self.models.values():
                choices.unpin(model.world)
            self.ended = True
            self.students.clear()
            self.models.clear()
            self.handles.clear()
            self._free = []
            self._changed()
