"""The classroom page: two models side by side, live events, pictures a class can read."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import solara

from dashboards.session import Session, use_session
from sim.scenario import ScenarioError, load_scenario
from sim.viz import (
    CHARTS,
    EVENTS,
    MAX_POPULATION,
    NETWORK_KINDS,
    check_settings,
    layout_for,
    network_svg,
    scenario_dir,
    series,
    timeseries_svg,
)

SIDE = ("Left", "Right")
STATS = (
    ("trust_local", "Trust in council"),
    ("trust_national", "Trust in national government"),
    ("participation", "Taking part"),
    ("turnout", "Voted"),
    ("service_quality", "Need met"),
)


def use_play_loop(session: Session) -> None:
    """While ``playing``, step both models ``speed`` times a second (in a worker thread)."""

    def loop(cancel: threading.Event) -> None:
        while session.playing.value and not cancel.is_set():
            start = time.perf_counter()
            try:
                session.pair.step()
            except Exception as exc:  # never let a model error kill the session
                session.pair.errors.append(f"The simulation stopped: {exc}")
                session.playing.value = False
            session.refresh()
            delay = 1 / max(session.speed.value, 1) - (time.perf_counter() - start)
            cancel.wait(max(delay, 0.05))

    solara.use_thread(loop, dependencies=[session.playing.value], intrusive_cancel=False)


@solara.component
def Classroom():
    session = use_session()
    pair = session.pair
    session.tick.value  # noqa: B018 (subscribe: redraw after every step)
    use_play_loop(session)
    with solara.Column(style="padding: 8px 18px; gap: 6px"):
        Controls(session, session.tick.value)
        EventButtons(session, session.tick.value)
        for msg in pair.errors:
            solara.Error(msg, classes=["notice", "model-error"])
        for msg in pair.notes:
            solara.Info(msg, classes=["notice"], dense=True)
        if pair.pending:
            solara.Warning(
                f"Next month: {', '.join(pair.pending)}. Press Step or Play to see what happens.",
                classes=["notice", "pending"],
                dense=True,
            )
        Settings(session, session.tick.value)
        if pair.ready:
            with solara.Columns([1, 1], gutters_dense=True):
                for side in (0, 1):
                    ModelColumn(session, side, session.tick.value)


@solara.component
def Controls(session: Session, tick: int):
    pair = session.pair
    playing = session.playing.value

    def step():
        with pair.lock:
            try:
                pair.step()
            except Exception as exc:  # shown on the page, never kills the server
                pair.errors.append(f"The simulation stopped: {exc}")
        session.refresh()

    def toggle():
        session.playing.value = not session.playing.value

    with solara.Row(gap="14px", style="align-items: center; flex-wrap: wrap"):
        solara.Button(
            "Step",
            on_click=step,
            disabled=playing or not pair.ready,
            color="primary",
            icon_name="mdi-step-forward",
        )
        solara.Button(
            "Pause" if playing else "Play",
            on_click=toggle,
            disabled=not pair.ready,
            color="primary",
            icon_name="mdi-pause" if playing else "mdi-play",
        )
        with solara.Row(style="align-items: center; width: 330px", gap="6px"):
            solara.Text("Speed", style="font-size: 18px")
            with solara.Div(style="flex: 1"):
                solara.SliderInt(
                    "", value=session.speed, min=1, max=10, thumb_label=False,
                    tick_labels=False,
                )  # fmt: skip
            solara.Text(f"{session.speed.value}/s", style="font-size: 18px")
        solara.Button(
            "Reset",
            on_click=lambda: session.rebuild(),
            outlined=True,
            icon_name="mdi-restore",
            classes=["reset"],
        )
        solara.Text(f"Month {pair.month}", classes=["month-big"])


@solara.component
def EventButtons(session: Session, tick: int):
    pair = session.pair

    def fire(label: str):
        pair.trigger(label)
        session.refresh()

    with solara.Row(gap="10px", style="align-items: center; flex-wrap: wrap"):
        solara.Text("Events for both councils:", style="font-weight: bold")
        for label, (meaning, _) in EVENTS.items():
            with solara.Tooltip(meaning):
                solara.Button(
                    label,
                    on_click=lambda label=label: fire(label),
                    disabled=not pair.ready,
                    color="warning" if "crash" in label or "cut" in label else "success",
                    outlined=True,
                )


@solara.component
def ModelColumn(session: Session, side: int, tick: int):
    pair = session.pair
    model, sc = pair.models[side], pair.scenarios[side]

    def pictures():
        with pair.lock:
            layout = layout_for(model)
            net = network_svg(model, layout)
            charts = [
                timeseries_svg(series(model, c.metrics), title=c.title, events=pair.events)
                for c in CHARTS
            ]
            obs = dict(model.observation)
        return layout, net, charts, obs

    layout, net, charts, obs = solara.use_memo(pictures, [tick, id(model)])
    with solara.Column(classes=[f"side-{side}", f"model-{side}"], style="gap: 2px"):
        solara.Text(f"{SIDE[side]}: {sc.name.replace('_', ' ')}", classes=["model-title"])
        solara.Text(" ".join(sc.description.split()), classes=["model-desc"])
        with solara.Div(classes=["stats"]):
            Stat("Month", str(model.month), "stat-month")
            Stat("Residents", f"{sc.population.size:,}", "stat-population")
            for key, label in STATS:
                value = obs.get(key, float("nan"))
                Stat(label, "–" if value != value else f"{value:.0%}", f"stat-{key}")
        solara.HTML(tag="div", unsafe_innerHTML=net, classes=["picture", "network"])
        shown = (
            f"Showing a sample of {len(layout.sample):,} of the {layout.population:,} residents."
            if layout.sampled
            else f"Showing all {layout.population:,} residents."
        )
        Caption(
            "Each dot is a resident, grouped by council, coloured by how much they trust "
            f"their council; lines are friendships and black rings show who took part. {shown}"
        )
        for chart, svg in zip(CHARTS, charts, strict=True):
            solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["picture", f"chart-{chart.key}"])
            Caption(chart.caption)


@solara.component
def Stat(label: str, value: str, key: str):
    with solara.Div(classes=["stat"]):
        solara.Text(label, classes=["stat-label"])
        solara.Text(value, classes=["stat-value", key])


@solara.component
def Caption(text: str):
    solara.Text(text, classes=["caption-text"], style="display: block")


# --------------------------------------------------------------------------- settings
def _scenario_names(folder: str) -> list[str]:
    root = Path(folder) if folder else scenario_dir()
    return sorted(p.name for p in root.glob("*.toml")) if root.is_dir() else []


@solara.component
def Settings(session: Session, tick: int):
    draft = session.draft.value
    pair = session.pair

    def load_defaults():
        out = []
        for side in (0, 1):
            try:
                out.append(load_scenario(draft.path(side), roots=draft.roots))
            except ScenarioError:
                out.append(None)
        return out

    defaults = solara.use_memo(load_defaults, [draft.path(0), draft.path(1)])
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
    with solara.Details("Settings: scenarios, councils, population, network", expand=False):
        with solara.Column(style="gap: 4px; padding: 4px 8px"):
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
                        solara.Select(
                            f"{SIDE[side]} model: scenario",
                            values=names,
                            value=getattr(draft, field),
                            on_value=lambda v, field=field, side=side: update(
                                **{field: v},
                                cooperation=_with(draft.cooperation, side, None),
                                responsiveness=_with(draft.responsiveness, side, None),
                            ),
                        )
                        if sc is None:
                            continue
                        coop = draft.cooperation[side]
                        resp = draft.responsiveness[side]
                        coop = sc.council.cooperation if coop is None else coop
                        resp = sc.council.responsiveness if resp is None else resp
                        with Labelled(
                            f"Cooperation: {coop:.0%} of decisions made with residents",
                            f"setting-cooperation-{side}",
                        ):
                            solara.SliderFloat(
                                "", value=coop, min=0, max=1, step=0.05, thumb_label=False,
                                on_value=lambda v, side=side: set_side("cooperation", side, v),
                            )  # fmt: skip
                        with Labelled(
                            f"Responsiveness: residents' views count {resp:.0%}",
                            f"setting-responsiveness-{side}",
                        ):
                            solara.SliderFloat(
                                "", value=resp, min=0, max=1, step=0.05, thumb_label=False,
                                on_value=lambda v, side=side: set_side("responsiveness", side, v),
                            )  # fmt: skip
            if base is not None:
                kinds = dict(NETWORK_KINDS)
                if base.network.kind not in kinds:
                    kinds[base.network.kind] = f"As in the scenario ({base.network.kind})"
                kind = draft.network_kind or base.network.kind
                size = draft.population or base.population.size
                degree = draft.mean_degree or base.network.mean_degree
                with solara.Columns([1, 1, 1, 1]):
                    with Labelled(f"Residents (both models): {size:,}", "setting-population"):
                        solara.SliderInt(
                            "", value=size, min=100, step=100, thumb_label=False,
                            max=max(MAX_POPULATION, base.population.size),
                            on_value=lambda v: update(population=v),
                        )  # fmt: skip
                    with Labelled("Network type", "setting-network"):
                        solara.Select(
                            "",
                            values=list(kinds.values()),
                            value=kinds[kind],
                            on_value=lambda label: update(
                                network_kind=next(k for k, v in kinds.items() if v == label)
                            ),
                        )
                    with Labelled(f"Friends per resident: {degree:g}", "setting-degree"):
                        solara.SliderInt(
                            "", value=int(round(degree)), min=2, max=min(30, size - 1),
                            thumb_label=False, on_value=lambda v: update(mean_degree=float(v)),
                        )  # fmt: skip
                    with Labelled("Seed (the same for both models)", "setting-seed"):
                        solara.InputInt(
                            "",
                            value=draft.seed,
                            on_value=lambda v: update(seed=max(int(v or 0), 0)),
                        )


@solara.component
def Labelled(label: str, key: str, children=[]):  # noqa: B006 (Solara's signature)
    with solara.Column(style="gap: 0", classes=["labelled", key]):
        solara.Text(label, classes=["setting-label"])
        for child in children:
            solara.display(child)


def _with(values: tuple, side: int, value) -> tuple:
    out = list(values)
    out[side] = value
    return tuple(out)
