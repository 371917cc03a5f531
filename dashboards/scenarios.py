"""The scenarios page: every scenario file in a folder, its description and key parameters."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

import solara

from dashboards.roots import load_scenario_within, scenario_folder
from dashboards.session import use_session
from sim.scenario import ScenarioError
from sim.schema import Scenario
from sim.viz import NETWORK_KINDS, describe_council, scenario_dir


def key_parameters(sc: Scenario) -> list[tuple[str, str]]:
    """The parameters a class asks about first, in words."""
    councils = sc.resolved_councils()
    coop = sorted({c["cooperation"] for c in councils})
    resp = sorted({c["responsiveness"] for c in councils})
    programmes = sorted({p for c in councils for p in c["programmes"]})
    rows = [
        ("Residents", f"{sc.population.size:,}"),
        ("Councils", str(len(councils))),
        ("Decisions made with residents", ", ".join(f"{x:.0%}" for x in coop)),
        ("Residents' views that change decisions", ", ".join(f"{x:.0%}" for x in resp)),
        (
            "Friendships",
            f"{NETWORK_KINDS.get(sc.network.kind, sc.network.kind.replace('_', ' '))}, "
            f"{sc.network.mean_degree:g} friends each",
        ),
        ("Decided by national government", f"{sc.government.centralisation:.0%}"),
        ("Budget cuts (austerity)", f"{sc.government.austerity:.0%}"),
        ("Programmes at start", ", ".join(p.replace("_", " ") for p in programmes) or "none"),
        ("Scheduled events", str(len(sc.events)) if sc.events else "none"),
        ("Months", str(sc.steps)),
    ]
    return rows


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>" for k, v in rows
    )
    return f'<table class="params">{body}</table>'


@solara.component
def ScenariosPage():
    session = use_session()
    draft = session.draft.value
    router = solara.use_router()
    folder, set_folder = solara.use_state(draft.folder or str(scenario_dir()))
    root, refused = _checked_folder(folder)

    def load_into(side: int, name: str):
        field = "scenario_a" if side == 0 else "scenario_b"
        other = "scenario_b" if side == 0 else "scenario_a"
        blank = list(draft.cooperation), list(draft.responsiveness)
        blank[0][side] = blank[1][side] = None
        new_folder = "" if root == scenario_dir().resolve() else str(root)
        keep = {}
        if new_folder != draft.folder:  # the other side keeps its file from its own folder
            keep = {other: str(draft.path(1 - side).resolve())}
        settings = replace(
            draft,
            folder=new_folder,
            **keep,
            **{field: name},
            cooperation=tuple(blank[0]),
            responsiveness=tuple(blank[1]),
        )
        session.rebuild(settings)
        router.push("/")

    with solara.Column(style="padding: 8px 18px; gap: 8px"):
        solara.HTML(tag="h1", unsafe_innerHTML="Scenarios")
        solara.Text(
            "Each file describes a world: its councils, residents and what happens. "
            "Load one on the left or right of the classroom page.",
        )
        solara.InputText("Folder with scenario files (.toml)", value=folder, on_value=set_folder)
        if refused:
            solara.Error(refused, classes=["folder-error"])
            return
        if not root.is_dir():
            solara.Error(f"{root}: no such folder.", classes=["folder-error"])
            return
        files = sorted(root.glob("*.toml"))
        if not files:
            solara.Warning(f"{root}: no .toml scenario files here.")
        for path in files:
            ScenarioCard(path, load_into)


def load_card(path: Path):
    """Read one scenario file: ``(scenario, None)`` or ``(None, message)`` (path checks here)."""
    try:
        return load_scenario_within(path), None
    except ScenarioError as exc:
        return None, str(exc)
    except Exception as exc:  # anything else a broken file causes: shown, never fatal
        return None, f"{path}: {exc}"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # a broken symlink: the card shows why it cannot be loaded
        return -1.0


def _checked_folder(folder: str) -> tuple[Path, str | None]:
    """The folder resolved, and why it is refused (outside the dashboard's roots) or None."""
    try:
        return scenario_folder(folder), None
    except ScenarioError as exc:
        return Path(folder), str(exc)


@solara.component
def ScenarioCard(path: Path, load_into):
    sc, error = solara.use_memo(lambda: load_card(path), [str(path), _mtime(path)])
    title = path.name if sc is None else f"{sc.name.replace('_', ' ')}  ({path.name})"
    with solara.Card(title, classes=["scenario-card"], margin=0):
        if error:
            solara.Error(error, classes=["scenario-error"])
            return
        solara.Text(describe_council(sc), classes=["scenario-plain"])
        solara.Text(" ".join(sc.description.split()) or "(no description)")
        with solara.Row(style="align-items: flex-start; gap: 24px; flex-wrap: wrap"):
            solara.HTML(tag="div", unsafe_innerHTML=_table(key_parameters(sc)))
            with solara.Column(style="gap: 8px"):
                solara.Button(
                    "Show on the left", on_click=lambda: load_into(0, path.name), outlined=True
                )
                solara.Button(
                    "Show on the right", on_click=lambda: load_into(1, path.name), outlined=True
                )
