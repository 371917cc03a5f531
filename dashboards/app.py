"""govsim dashboard: centralised versus co-operative councils, side by side, for a class.

Run with ``govsim dashboard`` (127.0.0.1:8765) or ``solara run dashboards/app.py``.
Pages: the classroom (two models, live events), the scenarios (load one), the results of
``govsim compare`` / ``govsim sweep`` (metrics over time with interval bands).

Every browser tab gets its own models: they are created with Solara hooks in :func:`Layout`,
never at module level.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `solara run dashboards/app.py` from anywhere
    sys.path.insert(0, str(_ROOT))

import solara  # noqa: E402
import solara.server.settings  # noqa: E402

from dashboards.about import AboutPage, LessonPage  # noqa: E402
from dashboards.class_mode import JoinPage, TeacherPage, class_mode_on, is_teacher  # noqa: E402
from dashboards.classroom import Classroom  # noqa: E402
from dashboards.results import ResultsPage  # noqa: E402
from dashboards.scenarios import ScenariosPage  # noqa: E402
from dashboards.session import SessionContext, use_new_session  # noqa: E402
from dashboards.style import CSS  # noqa: E402
from dashboards.widgets import PageLanguage  # noqa: E402

# Offline by design: no usage statistics leave this computer.
solara.server.settings.telemetry.mixpanel_enable = False

TITLE = "govsim: what happens when a council shares power?"


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's signature)
    session = use_new_session()
    solara.provide_context(SessionContext, session)
    solara.Style(CSS)
    solara.Title(TITLE)
    PageLanguage()
    route_current, all_routes = solara.use_route()
    router = solara.use_router()
    if class_mode_on() and not is_teacher(router.search):  # students see the join page only
        all_routes = []  # no navigation: the join page is all a student sees
        if route_current is None or route_current.path != "join":
            children = [JoinPage()]
    with solara.Column(classes=["govsim"], style="gap: 0; min-height: 100vh"):
        with solara.Row(classes=["topbar"], style="align-items: center; flex-wrap: wrap"):
            solara.Text(TITLE, classes=["topbar-title"])
            solara.v.Spacer()
            for route in all_routes:
                with solara.Link(solara.resolve_path(route)):
                    solara.Button(
                        route.label,
                        text=True,
                        classes=["nav", "nav-active" if route is route_current else "nav-idle"],
                    )
        for child in children:
            solara.display(child)


routes = [
    solara.Route(path="/", component=Classroom, label="Classroom", layout=Layout),
    solara.Route(path="scenarios", component=ScenariosPage, label="Scenarios"),
    solara.Route(path="results", component=ResultsPage, label="Results"),
    solara.Route(path="lesson", component=LessonPage, label="Lesson"),
    solara.Route(path="about", component=AboutPage, label="About"),
]
if class_mode_on():  # govsim dashboard --class
    routes += [
        solara.Route(path="class", component=TeacherPage, label="Class"),
        solara.Route(path="join", component=JoinPage, label="Join"),
    ]
