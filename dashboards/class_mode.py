"""Class mode (``govsim dashboard --class``): the students are the residents.

Two pages over one shared :class:`sim.classroom.ClassRoom`:

* ``/join`` (students, on their own phones or laptops): type the code on the board, become one
  resident of the co-operative council, see your own services, whether you were heard and your
  trust, choose each round whether to take part and how you would vote;
* ``/class`` (the teacher, opened with the link ``govsim dashboard --class`` prints): the join
  code and address, the class's residents among the simulated ones, how the council responds,
  and the same class run through a centralised council to compare.

The room lives in this server's memory only (one per server, made from the environment the
command sets: :data:`CODE_ENV`, :data:`TEACHER_ENV`, :data:`URL_ENV`); nothing is written to
disk and "End the class" forgets it.  Every page of class mode other than ``/join`` needs the
teacher's link.
"""

from __future__ import annotations

import html
import os
import threading

import numpy as np
import solara

from dashboards.roots import scenario_roots
from sim.classroom import ClassRoom, JoinError, new_code
from sim.viz import scenario_dir, series, timeseries_svg, trust_colours

__all__ = ["JoinPage", "TeacherPage", "class_mode_on", "get_room", "is_teacher"]

CLASS_ENV = "GOVSIM_CLASS"
CODE_ENV = "GOVSIM_CLASS_CODE"
TEACHER_ENV = "GOVSIM_CLASS_TEACHER"
URL_ENV = "GOVSIM_CLASS_URL"
RUN_TITLES = {
    "cooperative": "Co-operative council (the class lives here)",
    "centralised": "The same class under a centralised council",
}
POLL = 0.5  # seconds between two looks at whether the class has moved on

_room: ClassRoom | None = None
_room_lock = threading.Lock()
_teachers: set[str] = set()  # kernel ids that opened the teacher's link


def class_mode_on() -> bool:
    """Whether this server was started with ``--class``."""
    return os.environ.get(CLASS_ENV) == "1"


def get_room(*, fresh: bool = False) -> ClassRoom:
    """The class of this server (made on first use, or afresh with ``fresh=True``)."""
    global _room
    with _room_lock:
        if _room is None or fresh or _room.ended:
            code = os.environ.get(CODE_ENV) if _room is None else None
            scenarios = (
                scenario_dir() / "cooperative_council.toml",
                scenario_dir() / "centralised_baseline.toml",
            )
            _room = ClassRoom(scenarios, code=code or new_code(), roots=scenario_roots())
        return _room


def _kernel_id() -> str | None:
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return None
    return kernel_context.get_current_context().id


def _on_kernel_close(callback) -> None:
    from solara.server import kernel_context

    if kernel_context.has_current_context():
        kernel_context.get_current_context().on_close(callback)


def is_teacher(search: str | None = None) -> bool:
    """Whether this page's kernel holds the teacher's link (``?teacher=TOKEN``) or opened it."""
    kid = _kernel_id()
    token = os.environ.get(TEACHER_ENV, "")
    if kid is not None and kid in _teachers:
        return True
    if not token or not search:
        return False
    given = dict(p.split("=", 1) for p in search.lstrip("?").split("&") if "=" in p)
    import secrets

    if secrets.compare_digest(given.get("teacher", "").encode(), token.encode()):
        if kid is not None:
            _teachers.add(kid)
            _on_kernel_close(lambda: _teachers.discard(kid))
        return True
    return False


def use_room_version(room: ClassRoom) -> int:
    """Redraw the calling page whenever the class moves on (a poll every :data:`POLL` s)."""
    seen = solara.use_reactive(room.version)

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(POLL):
            if room.version != seen.value:
                seen.value = room.version

    solara.use_thread(poll, dependencies=[id(room)], intrusive_cancel=False)
    return seen.value


def _pct(x: float) -> str:
    return "–" if x != x else f"{x:.0%}"


def _council(name: str) -> str:
    return name.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- students
@solara.component
def JoinPage():
    room = get_room()
    token = solara.use_reactive(None)
    attempts = solara.use_reactive(0)
    code, set_code = solara.use_state("")
    error, set_error = solara.use_state("")
    version = use_room_version(room)

    def leave_on_close():
        def release():
            if token.value is not None:
                room.leave(token.value)

        _on_kernel_close(release)

    solara.use_effect(leave_on_close, [])

    def join():
        try:
            student = room.join(code, attempts.value)
        except JoinError as exc:
            attempts.value += 1
            set_error(str(exc))
            return
        set_error("")
        token.value = student.token

    style = "padding: 12px; gap: 10px; max-width: 640px"
    with solara.Column(classes=["class-student"], style=style):
        me = room.resident(token.value) if token.value else None
        if me is None:
            solara.HTML(tag="h1", unsafe_innerHTML="Join the class")
            solara.Text(
                "Type the code your teacher shows on the board. You will become one resident "
                "of a town; nobody asks your name, and nothing is kept after the lesson.",
            )
            solara.InputText(
                "Code on the board", value=code, on_value=set_code, continuous_update=True
            )
            solara.Button("Join the class", on_click=join, color="primary", classes=["join"])
            if error:
                solara.Error(error, classes=["join-error"])
            if token.value is not None:  # seated before, but the class ended or restarted
                solara.Warning("The class has ended or restarted: join again with the new code.")
            return
        StudentView(room, token.value, me, version)


@solara.component
def StudentView(room: ClassRoom, token: str, me: dict, version: int):
    solara.HTML(
        tag="h1",
        unsafe_innerHTML=html.escape(
            f"You are Resident {me['number']} of {_council(me['council'])}"
        ),
        classes=["student-title"],
    )
    solara.Text(f"Month {me['month']}", classes=["student-month"])
    if me["month"] == 0:
        heard = "Nothing has happened yet: choose below, then wait for your teacher."
    elif not me["took_part"]:
        heard = "Last month you did not take part in the council's decisions."
    elif me["heard"]:
        heard = "Last month you took part, and the council listened: your view changed things."
    else:
        heard = "Last month you took part, but the council did not act on what you said."
    with solara.Div(classes=["stats"]):
        _stat("Your services", f"{_pct(me['service'])} of what you need", "student-service")
        _stat("Your trust in the council", _pct(me["trust_local"]), "student-trust")
        _stat("Your trust in national government", _pct(me["trust_national"]), "student-national")
    solara.Text(heard, classes=["student-heard"], style="display: block; font-size: 18px")
    if me["history"]:
        first = me["history"][0]["trust_local"]
        change = me["trust_local"] - first
        solara.Text(
            f"Since you joined your trust has {'risen' if change >= 0 else 'fallen'} by "
            f"{abs(change):.0%} (from {first:.0%}).",
            classes=["student-change"],
        )
    solara.HTML(tag="h2", unsafe_innerHTML="This round")
    with solara.Row(style="gap: 10px; flex-wrap: wrap"):
        solara.Button(
            "Take part",
            on_click=lambda: room.choose(token, take_part=True),
            color="primary" if me["take_part"] else None,
            outlined=not me["take_part"],
            classes=["choose-take-part"],
        )
        solara.Button(
            "Stay out",
            on_click=lambda: room.choose(token, take_part=False),
            color="primary" if not me["take_part"] else None,
            outlined=me["take_part"],
            classes=["choose-stay-out"],
        )
    solara.Text(
        "You chose: " + ("take part" if me["take_part"] else "stay out") + " this round.",
        classes=["student-choice"],
    )
    no_vote = "I would not vote"
    if room.election_called:
        solara.Warning("An election is coming next month!", classes=["election-coming"])
    solara.Select(
        "At the next election I would vote for",
        values=[*room.parties, no_vote],
        value=me["vote"] or no_vote,
        on_value=lambda v: room.choose(token, vote=None if v == no_vote else v),
        classes=["student-vote"],
    )


def _stat(label: str, value: str, key: str) -> None:
    with solara.Div(classes=["stat"]):
        solara.Text(label, classes=["stat-label"])
        solara.Text(value, classes=["stat-value", key])


# --------------------------------------------------------------------------- the teacher
@solara.component
def TeacherPage():
    router = solara.use_router()
    room = get_room()
    use_room_version(room)
    compare = solara.use_reactive(True)
    months = solara.use_reactive(room.months_per_round)
    if not is_teacher(router.search):
        with solara.Column(style="padding: 12px"):
            solara.Error(
                "This is the teacher's page: open it with the link govsim dashboard --class "
                "printed. Students join at /join.",
                classes=["not-teacher"],
            )
        return

    def next_round():
        room.months_per_round = months.value
        room.next_round()

    def end():
        room.end()
        get_room(fresh=True)

    address = os.environ.get(URL_ENV, "this computer's address") + "join"
    if room.ended:
        solara.Info("The class has ended.")
        return
    with solara.Column(classes=["class-teacher"], style="padding: 8px 18px; gap: 8px"):
        with solara.Row(style="align-items: baseline; gap: 24px; flex-wrap: wrap"):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<div class="join-address">Join at <b>{html.escape(address)}</b></div>'
                    f'<div class="join-code">Code: <b>{html.escape(room.code)}</b></div>'
                ),
            )
            n = len(room.students)
            taking = sum(s.take_part for s in room.students.values())
            solara.Text(
                f"{n} of {room.max_students} students joined; {taking} will take part this round.",
                classes=["class-count"],
            )
        with solara.Row(style="align-items: center; gap: 12px; flex-wrap: wrap"):
            solara.Button(
                f"Next round ({months.value} months)",
                on_click=next_round,
                color="primary",
                classes=["next-round"],
            )
            with solara.Div(style="width: 200px"):
                solara.Select("Months per round", values=[1, 3, 6, 12], value=months)
            solara.Button(
                "Call an election", on_click=room.call_election, outlined=True, classes=["elect"]
            )
            solara.Checkbox(label="Compare with a centralised council", value=compare)
            solara.Button("End the class", on_click=end, outlined=True, classes=["end-class"])
            solara.Text(f"Month {room.month}", classes=["month-big", "class-month"])
        if room.election_called:
            solara.Warning(
                "An election will be held next month: students choose their vote now.",
                classes=["teacher-election-called"],
                dense=True,
            )
        runs = ("cooperative", "centralised") if compare.value else ("cooperative",)
        with solara.Columns([1] * len(runs), gutters_dense=True):
            for run in runs:
                RunColumn(room, run, room.version)


@solara.component
def RunColumn(room: ClassRoom, run: str, version: int):
    s = solara.use_memo(lambda: room.summary(run), [version, run])
    model = room.models[run]
    with solara.Column(classes=[f"class-run-{run}"], style="gap: 4px"):
        solara.Text(RUN_TITLES[run], classes=["model-title"])
        cls, others = s["class"], s["others"]
        rows = [
            ("Trust in the council", "trust_local"),
            ("Taking part", "taking_part"),
            ("Heard (took part and listened to)", "heard"),
            ("Need met by services", "service"),
        ]
        body = "".join(
            f"<tr><td>{html.escape(label)}</td><td class='class-{run}-{key}'><b>"
            f"{_pct(cls[key])}</b></td><td>{_pct(others[key])}</td></tr>"
            for label, key in rows
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<table class='params class-table'><tr><th></th>"
                f"<th style='padding: 0 14px'>the class ({cls['n']})</th>"
                f"<th style='padding: 0 14px'>other residents ({others['n']})</th></tr>"
                f"{body}</table>"
            ),
        )
        solara.HTML(tag="div", unsafe_innerHTML=residents_svg(room, run), classes=["picture"])
        solara.Text(
            "Each square is a resident of the council, coloured by trust in it (red = none, blue "
            "= full); the numbered, thick-edged squares are the class; a dot marks who took part.",
            classes=["caption-text"],
        )
        svg = timeseries_svg(
            series(model, ("trust_local", "participation")), title="Everyone in the town"
        )
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["picture"])
        for e in [e for e in room.elections if e["run"] == run][-3:]:
            shares = ", ".join(f"{k} {v:.0%}" for k, v in e["shares"].items())
            votes = ", ".join(f"{k} {v}" for k, v in e["class_votes"].items())
            solara.Info(
                f"Election in month {e['month']}: turnout {_pct(e['turnout'])}; {shares}. "
                f"The class voted: {votes} ({e['class_size']} students).",
                classes=["class-election"],
                dense=True,
            )


def residents_svg(room: ClassRoom, run: str, width: int = 640) -> str:
    """The council's residents as a grid of squares coloured by trust, the class outlined."""
    with room.lock:
        model = room.models[run]
        pop = model.population
        home = np.flatnonzero(pop.council == 0)
        trust = pop.trust_local[home]
        taking = pop.participating[home]
        numbers = {s.resident: s.number for s in room.students.values()}
    cols = 32
    cell = width / cols
    rows = -(-len(home) // cols)
    colours = trust_colours(trust)
    parts = []
    for k, i in enumerate(home):
        x, y = (k % cols) * cell, (k // cols) * cell
        number = numbers.get(int(i))
        stroke = ' stroke="black" stroke-width="3"' if number else ""
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell - 2:.1f}" '
            f'height="{cell - 2:.1f}" fill="{colours[k]}"{stroke}/>'
        )
        if taking[k]:
            parts.append(f'<circle cx="{x + cell / 2:.1f}" cy="{y + cell / 2:.1f}" r="2.5"/>')
        if number:
            parts.append(
                f'<text x="{x + cell / 2:.1f}" y="{y + cell * 0.75:.1f}" font-size="15" '
                'font-weight="bold" text-anchor="middle" fill="black" stroke="white" '
                f'stroke-width="3" paint-order="stroke">{number}</text>'
            )
    height = rows * cell
    label = f"{len(home)} residents, {len(numbers)} of them the class"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{label}" class="residents-grid">{"".join(parts)}</svg>'
    )
