"""The classroom page: two models side by side, live events, pictures a class can read.

Projector first (1280x720): the controls and events stay at the top of the screen (sticky), then
a table of both councils' headline numbers with the difference between them, then the trust
charts; the network and the other charts follow.  "Charts view" shows only the charts, sized to
the screen.  Play steps the models on the server at the chosen speed (:class:`sim.viz.Player`);
the numbers update every month, the pictures whenever the last drawing has finished.
"""

from __future__ import annotations

import html
import io
import time
from dataclasses import replace
from pathlib import Path

import solara

from dashboards.session import Session, use_session
from dashboards.widgets import (
    FullScreen,
    MonthCounter,
    NativeSelect,
    PictureDownloads,
    Shortcuts,
)
from sim.scenario import ScenarioError, load_scenario
from sim.viz import (
    CHARTS,
    COLOUR_BY,
    LIVE_EVENTS,
    MAX_POPULATION,
    NETWORK_KINDS,
    SPEEDS,
    Player,
    check_settings,
    describe_council,
    layout_for,
    network_summary,
    network_svg,
    pair_timeseries,
    scenario_dir,
    series,
    timeseries_svg,
    value_range,
)

SIDE = ("Left", "Right")
#: The headline numbers: metric -> column heading.
STATS = (
    ("trust_local", "Trust in council"),
    ("trust_national", "Trust in national government"),
    ("participation", "Taking part this month"),
    ("turnout", "Voted (latest election)"),
    ("service_quality", "Need met by services"),
)
SHORTCUTS = "Keys: space Play/Pause, S Step, R Reset"
#: Shortest time between two drawings of the pictures while playing (seconds).
MIN_FRAME = 0.4


class FrameClock:
    """Decides when the pictures are redrawn while playing: drawing skips frames, not months."""

    def __init__(self) -> None:
        self.key = 0
        self.drawn_at = 0.0
        self.cost = 0.0

    def picture_key(self, tick: int, playing: bool) -> int:
        """The tick the pictures should show: the current one, or the last drawn if too soon."""
        now = time.perf_counter()
        if not playing or now - self.drawn_at >= max(MIN_FRAME, 2 * self.cost):
            self.key, self.drawn_at = tick, now
        return self.key


def _short_name(sc) -> str:
    return sc.name.replace("_", " ") if sc is not None else "?"


@solara.component
def Classroom():
    session = use_session()
    pair = session.pair
    tick = session.tick.value  # subscribe: redraw after every step
    view, set_view = solara.use_state("classroom")
    colour_by, set_colour_by = solara.use_state("trust_local")
    show_settings, set_show_settings = solara.use_state(False)
    clock = solara.use_memo(FrameClock, [])

    def on_error(exc: Exception) -> None:
        pair.errors.append(f"The simulation stopped: {exc}")
        session.playing.value = False
        session.refresh()

    player = solara.use_memo(
        lambda: Player(pair, rate=session.speed.value, on_step=lambda _m: session.refresh(),
                       on_error=on_error),
        [id(pair)],
    )  # fmt: skip
    player.rate = session.speed.value

    def stop_on_leave():
        return player.stop

    solara.use_effect(stop_on_leave, [player])

    def play_pause():
        if player.playing:
            player.stop()
            session.playing.value = False
        elif pair.ready:
            session.playing.value = True
            player.start()
        session.refresh()

    def step():
        if player.playing:
            return
        with pair.lock:
            try:
                pair.step()
            except Exception as exc:  # shown on the page, never kills the server
                pair.errors.append(f"The simulation stopped: {exc}")
        session.refresh()

    def reset():
        player.stop()
        session.rebuild()

    def shortcut(name: str):
        {"play": play_pause, "step": step, "reset": reset}.get(name, lambda: None)()

    playing = session.playing.value and player.playing
    pictures_at = clock.picture_key(tick, playing)
    Shortcuts(event_shortcut=shortcut)
    with solara.Column(style="gap: 0", classes=["classroom", f"view-{view}"]):
        with solara.Div(classes=["sticky-bar"]):
            Controls(session, player, tick, play_pause, step, reset, view, set_view,
                     show_settings, set_show_settings)  # fmt: skip
            EventBar(session, tick, playing)
        with solara.Div(classes=["page-body"]):
            for msg in pair.errors:
                solara.Error(msg, classes=["notice", "model-error"])
            for msg in pair.notes:
                solara.Info(msg, classes=["notice"], dense=True)
            if show_settings:
                Settings(session, tick)
            if not pair.ready:
                return
            if view == "charts":
                ChartsView(session, pictures_at)
                return
            Headline(session, tick)
            ChartRow(session, pictures_at, CHARTS[0], 210)
            Elections(session, tick)
            NetworkRow(session, pictures_at, colour_by, set_colour_by)
            for chart in CHARTS[1:]:
                ChartRow(session, pictures_at, chart)
            Downloads(session, tick)


@solara.component
def Controls(session: Session, player: Player, tick: int, play_pause, step, reset, view,
             set_view, show_settings, set_show_settings):  # fmt: skip
    pair = session.pair
    playing = session.playing.value and player.playing
    delivered = player.delivered() if playing else 0.0
    with solara.Row(gap="10px", classes=["controls"], style="align-items: center; flex-wrap: wrap"):
        solara.Button("Step", on_click=step, disabled=playing or not pair.ready, color="primary",
                      icon_name="mdi-step-forward", classes=["btn-step"])  # fmt: skip
        solara.Button(
            "Pause" if playing else "Play",
            on_click=play_pause,
            disabled=not pair.ready,
            color="primary",
            icon_name="mdi-pause" if playing else "mdi-play",
            classes=["btn-play"],
        )
        with solara.Row(gap="4px", style="align-items: center", classes=["speed"]):
            solara.Text("Months a second:", classes=["speed-label"])
            solara.ToggleButtonsSingle(
                value=str(session.speed.value),
                values=[str(s) for s in SPEEDS],
                on_value=lambda v: session.speed.set(int(v)),
                dense=True,
                classes=["speed-choice"],
            )
            solara.Text(
                f"running at {delivered:.1f}" if playing and delivered else "",
                classes=["speed-delivered"],
            )
        solara.Button("Reset", on_click=reset, outlined=True, icon_name="mdi-restore",
                      classes=["reset"])  # fmt: skip
        MonthCounter(month=pair.month, playing=playing, event_shown=player.shown)
        if view == "classroom":
            solara.Button(
                "Settings" if not show_settings else "Hide settings",
                on_click=lambda: set_show_settings(not show_settings),
                outlined=True,
                icon_name="mdi-tune",
                classes=["btn-settings"],
            )
        solara.Button(
            "Charts view" if view == "classroom" else "Back to classroom",
            on_click=lambda: set_view("charts" if view == "classroom" else "classroom"),
            outlined=True,
            icon_name="mdi-chart-line",
            classes=["btn-view"],
        )
        if view == "charts":
            FullScreen()


@solara.component
def EventBar(session: Session, tick: int, playing: bool):
    pair = session.pair

    def fire(label: str):
        pair.trigger(label)  # a second press in the same month queues nothing
        session.refresh()

    def undo(label: str):
        pair.undo(label)
        session.refresh()

    with solara.Row(gap="8px", classes=["events"], style="align-items: center; flex-wrap: wrap"):
        solara.Text("Events next month:", classes=["events-label"])
        for label, event in LIVE_EVENTS.items():
            queued = label in pair.pending
            with solara.Tooltip(event.help):
                solara.Button(
                    f"{label} (queued)" if queued else label,
                    on_click=lambda label=label: fire(label),
                    disabled=not pair.ready or queued,
                    outlined=True,
                    classes=["event-btn", "event-bad" if "crash" in label or "cut" in label
                             else "event-good"],
                )  # fmt: skip
        solara.Text(SHORTCUTS, classes=["shortcut-keys"])
    if pair.pending:
        with solara.Row(
            gap="8px", classes=["pending"], style="align-items: center; flex-wrap: wrap"
        ):
            solara.Text(
                f"Queued for month {pair.month + 1}: {', '.join(pair.pending)}. "
                + ("It happens in the next month. " if playing else "Press Step or Play. ")
                + " ".join(LIVE_EVENTS[label].notice for label in pair.pending),
                classes=["pending-text"],
            )
            for label in pair.pending:
                solara.Button(f"Undo {label.lower()}", on_click=lambda label=label: undo(label),
                              text=True, icon_name="mdi-undo", classes=["undo"])  # fmt: skip


def _pct(value: float) -> str:
    return "–" if value != value else f"{value:.0%}"


def headline_values(session: Session) -> list[dict[str, float]]:
    """Both models' headline values now (turnout NaN before the first election)."""
    out = []
    for model in session.pair.models:
        obs = dict(model.observation)
        if not model.world.elections_held:
            obs["turnout"] = float("nan")
        out.append(obs)
    return out


@solara.component
def Headline(session: Session, tick: int):
    pair = session.pair
    values = headline_values(session)
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' for _, label in STATS)
    rows = []
    for side in (0, 1):
        cells = "".join(
            f'<td class="stat-value stat-{key} side-{side}-value">'
            f"{_pct(values[side].get(key, float('nan')))}</td>"
            for key, _ in STATS
        )
        name = f"{SIDE[side]}: {_short_name(pair.scenarios[side])}"
        rows.append(f'<tr class="row-{side}"><th scope="row"><span class="swatch swatch-{side}" '
                    f'aria-hidden="true"></span>{html.escape(name)}</th>{cells}</tr>')  # fmt: skip
    diffs = []
    for key, _ in STATS:
        a, b = values[0].get(key, float("nan")), values[1].get(key, float("nan"))
        d = (b - a) * 100
        text = "–" if d != d else ("no difference" if round(d) == 0 else f"{d:+.0f} points")
        text = text.replace("+1 points", "+1 point").replace("-1 points", "-1 point")
        diffs.append(f'<td class="diff diff-{key}">{text}</td>')
    rows.append('<tr class="row-diff"><th scope="row">Difference (right minus left)</th>'
                + "".join(diffs) + "</tr>")  # fmt: skip
    table = (
        f'<table class="headline"><caption>Month {pair.month}: the two councils now, in % of '
        f"residents</caption><thead><tr><td></td>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    solara.HTML(tag="div", unsafe_innerHTML=table, classes=["headline-box"])


@solara.component
def Elections(session: Session, tick: int):
    pair = session.pair
    if not pair.elections:
        return
    month = pair.elections[-1].month
    latest = [e for e in pair.elections if e.month == month]
    with solara.Div(classes=["election-box"]):
        solara.HTML(
            tag="h2", unsafe_innerHTML=f"Election in month {month}", classes=["election-title"]
        )
        for e in latest:
            solara.Text(f"{SIDE[e.side]}: {e.sentence()}",
                        classes=["election-result", f"election-{e.side}"])  # fmt: skip
        if len(pair.elections) > len(latest):
            solara.Text(f"({len(pair.elections) // 2} elections so far.)", classes=["caption-text"])


def _chart_svgs(session: Session, chart, height: int = 250) -> list[str]:
    pair = session.pair
    with pair.lock:
        values = [series(m, chart.metrics) for m in pair.models]
        events = [pair.chart_events(side) for side in (0, 1)]
    y_range = value_range(*values)
    return [
        timeseries_svg(
            values[side],
            title=f"{chart.title}: {SIDE[side].lower()}",
            events=events[side],
            y_range=y_range,
            height=height,
        )
        for side in (0, 1)
    ]


@solara.component
def ChartRow(session: Session, tick: int, chart, height: int = 250):
    pair = session.pair
    svgs = solara.use_memo(lambda: _chart_svgs(session, chart, height), [tick, id(pair.models[0])])
    with solara.Columns([1, 1], gutters_dense=True, classes=[f"row-{chart.key}"]):
        for side in (0, 1):
            with solara.Column(style="gap: 0", classes=[f"side-{side}", f"model-{side}"]):
                if chart is CHARTS[0]:
                    sc = pair.scenarios[side]
                    solara.HTML(tag="h2", unsafe_innerHTML=html.escape(
                        f"{SIDE[side]}: {_short_name(sc)}"), classes=["model-title"])  # fmt: skip
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=svgs[side],
                    classes=["picture", f"chart-{chart.key}", f"chart-{chart.key}-{side}"],
                )
    Caption(chart.caption + " Both sides use the same scale.")


@solara.component
def ChartsView(session: Session, tick: int):
    pair = session.pair

    def build():
        return [_chart_svgs(session, chart, height=230) for chart in CHARTS]

    all_svgs = solara.use_memo(build, [tick, id(pair.models[0])])
    with solara.Div(classes=["charts-grid"]):
        for chart, svgs in zip(CHARTS, all_svgs, strict=True):
            for side in (0, 1):
                solara.HTML(tag="div", unsafe_innerHTML=svgs[side],
                            classes=["picture", f"chart-{chart.key}", f"side-{side}"])  # fmt: skip


@solara.component
def NetworkRow(session: Session, tick: int, colour_by: str, set_colour_by):
    pair = session.pair

    def pictures():
        with pair.lock:
            out = []
            for model in pair.models:
                layout = layout_for(model)
                out.append((layout, network_svg(model, layout, colour_by=colour_by),
                            network_summary(model, colour_by)))  # fmt: skip
            return out

    nets = solara.use_memo(pictures, [tick, id(pair.models[0]), colour_by])
    labels = {v: k for k, v in COLOUR_BY.items()}
    with solara.Row(gap="10px", style="align-items: center; flex-wrap: wrap; margin-top: 10px"):
        solara.HTML(tag="h2", unsafe_innerHTML="Who trusts whom: the residents and their friends")
        solara.Text("Colour the residents by:", classes=["setting-label"])
        solara.ToggleButtonsSingle(
            value=COLOUR_BY[colour_by],
            values=list(COLOUR_BY.values()),
            on_value=lambda v: set_colour_by(labels[v]),
            dense=True,
            classes=["colour-by"],
        )
    with solara.Columns([1, 1], gutters_dense=True):
        for side in (0, 1):
            layout, svg, summary = nets[side]
            with solara.Column(style="gap: 0", classes=[f"side-{side}"]):
                sc = pair.scenarios[side]
                solara.Text(f"{SIDE[side]}: {_short_name(sc)}. {describe_council(sc)}",
                            classes=["model-desc"])  # fmt: skip
                solara.HTML(tag="div", unsafe_innerHTML=svg,
                            classes=["picture", "network", f"network-{side}"])  # fmt: skip
                shown = (
                    f"Showing a sample of {len(layout.sample):,} of the {layout.population:,} "
                    "residents."
                    if layout.sampled
                    else f"Showing all {layout.population:,} residents."
                )
                Caption(f"{summary} {shown}")
    Caption(
        "Each dot is a resident, in a group for their council; lines are friendships, bigger "
        "dots have more friends, and ringed dots took part this month."
    )


@solara.component
def Downloads(session: Session, tick: int):
    pair = session.pair

    def csv_bytes() -> bytes:
        with pair.lock:
            frame = pair_timeseries(pair)
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        return buf.getvalue().encode()

    with solara.Div(classes=["downloads"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Downloads")
        with solara.Row(gap="12px", style="align-items: center; flex-wrap: wrap"):
            with solara.FileDownload(csv_bytes, filename=f"govsim-month-{pair.month}.csv",
                                     mime_type="text/csv"):  # fmt: skip
                solara.Button("Both runs' numbers (CSV)", icon_name="mdi-download",
                              outlined=True, classes=["download-csv"])  # fmt: skip
            for chart in CHARTS:
                for side in (0, 1):
                    label = f"{chart.title}, {SIDE[side].lower()}"
                    with solara.Row(gap="2px", style="align-items: center"):
                        solara.Text(label + ":", classes=["download-label"])
                        PictureDownloads(
                            target=f".chart-{chart.key}-{side}",
                            filename=f"govsim-{chart.key}-{SIDE[side].lower()}",
                            label=label,
                        )
            for side in (0, 1):
                label = f"Network, {SIDE[side].lower()}"
                with solara.Row(gap="2px", style="align-items: center"):
                    solara.Text(label + ":", classes=["download-label"])
                    PictureDownloads(
                        target=f".network-{side}",
                        filename=f"govsim-network-{SIDE[side].lower()}",
                        label=label,
                    )


@solara.component
def Caption(text: str):
    solara.Text(text, classes=["caption-text"], style="display: block")


# --------------------------------------------------------------------------- settings
def _scenario_names(folder: str) -> list[str]:
    root = Path(folder) if folder else scenario_dir()
    return sorted(p.name for p in root.glob("*.toml")) if root.is_dir() else []


def _load_defaults(draft) -> list:
    out = []
    for side in (0, 1):
        try:
            out.append(load_scenario(draft.path(side), roots=draft.roots))
        except ScenarioError:
            out.append(None)
    return out


HELP = {
    "scenario": "The world this side starts from (the Scenarios page describes each one).",
    "cooperation": "How many of the council's decisions residents are invited to make with it.",
    "responsiveness": "How much what residents say actually changes the decision.",
    "population": "How many people live in the four councils together (the same on both sides).",
    "network": "How friendships are arranged; opinions spread along friendships.",
    "degree": "How many friends a resident has on average.",
    "seed": "The chance events of the run: the same number replays the same run.",
}


@solara.component
def Settings(session: Session, tick: int):
    draft = session.draft.value
    pair = session.pair
    defaults = solara.use_memo(lambda: _load_defaults(draft), [draft.path(0), draft.path(1)])
    _, errors, notes = solara.use_memo(lambda: check_settings(draft), [draft])
    changed = draft != pair.settings

    def update(**changes):
        session.draft.value = replace(session.draft.value, **changes)

    def set_side(field: str, side: int, value):
        pair_value = list(getattr(session.draft.value, field))
        pair_value[side] = value
        update(**{field: tuple(pair_value)})

    base = defaults[0] or defaults[1]
    names = _scenario_names(draft.folder)
    with solara.Div(classes=["settings-panel"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Settings (press Reset to use them)")
        if changed and not errors:
            solara.Warning(
                "Settings changed: press Reset to start both models again with them.",
                classes=["notice", "settings-changed"],
                dense=True,
            )
        for msg in errors:
            solara.Error(msg, classes=["notice", "settings-error"], dense=True)
        for msg in notes:
            solara.Info(msg, dense=True)
        with solara.Columns([1, 1]):
            for side in (0, 1):
                sc = defaults[side]
                with solara.Column(style="gap: 0"):
                    field = "scenario_a" if side == 0 else "scenario_b"
                    NativeSelect(
                        label=f"{SIDE[side]} side: scenario",
                        values=names,
                        value=getattr(draft, field),
                        on_value=lambda v, field=field, side=side: update(
                            **{field: v},
                            cooperation=_with(draft.cooperation, side, None),
                            responsiveness=_with(draft.responsiveness, side, None),
                        ),
                    )
                    Help(HELP["scenario"])
                    if sc is None:
                        continue
                    coop = draft.cooperation[side]
                    resp = draft.responsiveness[side]
                    coop = sc.council.cooperation if coop is None else coop
                    resp = sc.council.responsiveness if resp is None else resp
                    with Labelled(f"setting-cooperation-{side}", HELP["cooperation"]):
                        solara.SliderFloat(
                            f"Decisions made with residents: {coop:.0%}", value=coop, min=0,
                            max=1, step=0.05, thumb_label=False,
                            on_value=lambda v, side=side: set_side("cooperation", side, v),
                        )  # fmt: skip
                    with Labelled(f"setting-responsiveness-{side}", HELP["responsiveness"]):
                        solara.SliderFloat(
                            f"Residents' views that change decisions: {resp:.0%}", value=resp,
                            min=0, max=1, step=0.05, thumb_label=False,
                            on_value=lambda v, side=side: set_side("responsiveness", side, v),
                        )  # fmt: skip
        if base is None:
            return
        kinds = dict(NETWORK_KINDS)
        if base.network.kind not in kinds:
            kinds[base.network.kind] = f"As in the scenario ({base.network.kind})"
        kind = draft.network_kind or base.network.kind
        size = draft.population or base.population.size
        degree = draft.mean_degree or base.network.mean_degree
        with solara.Columns([1, 1, 1, 1]):
            with Labelled("setting-population", HELP["population"]):
                solara.SliderInt(
                    f"Residents: {size:,}", value=size, min=100, step=100, thumb_label=False,
                    max=max(MAX_POPULATION, base.population.size),
                    on_value=lambda v: update(population=v),
                )  # fmt: skip
            with Labelled("setting-network", HELP["network"]):
                NativeSelect(
                    label="Network type",
                    values=list(kinds.values()),
                    value=kinds[kind],
                    on_value=lambda label: update(
                        network_kind=next(k for k, v in kinds.items() if v == label)
                    ),
                )
            with Labelled("setting-degree", HELP["degree"]):
                solara.SliderInt(
                    f"Friends per resident: {degree:g}", value=int(round(degree)), min=2,
                    max=min(30, size - 1), thumb_label=False,
                    on_value=lambda v: update(mean_degree=float(v)),
                )  # fmt: skip
            with Labelled("setting-seed", HELP["seed"]):
                solara.InputInt(
                    "Seed (the same for both sides)",
                    value=draft.seed,
                    on_value=lambda v: update(seed=max(int(v or 0), 0)),
                )


@solara.component
def Help(text: str):
    solara.Text(text, classes=["help-text"], style="display: block")


@solara.component
def Labelled(key: str, help: str = "", children=[]):  # noqa: B006 (Solara's signature)
    with solara.Column(style="gap: 0", classes=["labelled", key]):
        for child in children:
            solara.display(child)
        if help:
            Help(help)


def _with(values: tuple, side: int, value) -> tuple:
    out = list(values)
    out[side] = value
    return tuple(out)
