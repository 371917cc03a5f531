"""The About page (what the model is, how it works, how to use it, things to notice and try,
sources) and the Lesson page (a 15-minute guided lesson in six steps), in plain words."""

from __future__ import annotations

import solara

from dashboards.classroom import SHORTCUTS
from sim.viz import LIVE_EVENTS

ABOUT = [
    (
        "What it is",
        [
            "A simulated town of residents in four councils. On the left the councils decide "
            "<b>for</b> their residents (centralised); on the right they decide <b>with</b> "
            "them (co-operative). Everything else is the same: the same people, the same "
            "friendships, the same luck.",
            "It is a model, not a forecast: it shows how the ideas below play out, so a class "
            "can ask why.",
        ],
    ),
    (
        "How it works",
        [
            "Each month some residents take part in a council decision, if they are asked and "
            "believe it is worth it. Whether they were <b>heard</b> (their view changed the "
            "decision) raises or lowers their trust in the council.",
            "Services meet part of what residents need. Residents compare that with what they "
            "expected: better than expected raises trust, worse lowers it.",
            "Friends talk: trust spreads slowly along friendships.",
            "At general elections residents who trust politics more are more likely to vote; "
            "those who voted for the losing party trust national government a little less.",
        ],
    ),
    (
        "How to use it",
        [
            "<b>Step</b> moves one month; <b>Play</b> keeps going at the chosen speed; "
            "<b>Pause</b> stops at once; <b>Reset</b> starts again with the settings. "
            + SHORTCUTS
            + ".",
            "The table at the top gives both sides' numbers and the difference between them, "
            "in percentage points. The charts use the same scale on both sides; the scale is "
            "written on the axis.",
            "Event buttons happen to both sides next month. A queued event can be undone until "
            "the next month starts; pressing it twice queues it once.",
            "<b>Charts view</b> shows only the charts, large; <b>Settings</b> changes the "
            "population, the network and how much each side involves residents.",
        ],
    ),
    (
        "Things to notice",
        [
            "Trust in the council drifts apart between the two sides even though nothing else "
            "differs: being heard is what builds it.",
            "A financial crash hits trust in <b>national</b> government on both sides about "
            "equally; trust in the council hardly moves.",
            "Community budgeting changes little on the left: a council that asks almost nobody "
            "gets almost nobody taking part.",
            "Turnout can fall after an election: the losers' trust drops, and less trust means "
            "fewer voters next time.",
        ],
    ),
    (
        "Things to try",
        [
            "Play five years (60 months), then a financial crash, then three more years.",
            "Start community budgeting and compare taking part on the two sides.",
            "In Settings, ask residents a lot but hardly listen (decisions made with residents "
            "high, views that change decisions low): this is tokenism. What happens to trust?",
            "Reset with 5,000 residents or another network type, and see whether the result holds.",
        ],
    ),
    (
        "The events",
        [f"<b>{label}</b>: {e.help}" for label, e in LIVE_EVENTS.items()],
    ),
    (
        "Sources",
        [
            "The scenarios page describes each world; its numbers come from UK surveys (Scottish "
            "and British Social Attitudes) and case studies (Lambeth, Edinburgh, Stevenage, "
            "Croydon), listed in each scenario file.",
            "The financial crash button is the September 2008 shock of the documented 2007 "
            "crash scenario (national performance down a tenth, trust in national government "
            "down 4 points).",
            "The model's full description (ODD protocol) is in docs/ODD.md of the project.",
        ],
    ),
]

LESSON = [
    (
        "Open and explain (2 minutes)",
        "Point at the two sides: the same town, the same people. The left decides for its "
        "residents, the right with them. Ask: which will residents trust more, and why?",
    ),
    (
        "Play five years (3 minutes)",
        "Choose speed 10 and press Play (or space). Pause at month 60. Read the table: the "
        "difference in trust in the council. Ask: what made the difference?",
    ),
    (
        "A financial crash (2 minutes)",
        "Press Financial crash, then Play three more years (to month 96). Which trust fell: the "
        "council's or national government's? Did the two sides differ?",
    ),
    (
        "Community budgeting (2 minutes)",
        "Press Start community budgeting and play a year. Compare taking part on the two "
        "sides. Ask: why does the left hardly change?",
    ),
    (
        "An election (3 minutes)",
        "Press Call an election and Step twice. Read the election box: winner, vote shares and "
        "turnout. Ask: why might turnout fall after an election?",
    ),
    (
        "A bigger town (3 minutes)",
        "Open Settings, set 5,000 residents, press Reset and play five years again. Does the "
        "result hold in a bigger town? That is how scientists check a model.",
    ),
]


@solara.component
def AboutPage():
    with solara.Column(style="padding: 8px 18px; gap: 4px", classes=["prose", "about"]):
        solara.HTML(tag="h1", unsafe_innerHTML="About this model")
        for title, items in ABOUT:
            solara.HTML(tag="h2", unsafe_innerHTML=title)
            solara.HTML(tag="ul", unsafe_innerHTML="".join(f"<li>{item}</li>" for item in items))


@solara.component
def LessonPage():
    with solara.Column(style="padding: 8px 18px; gap: 4px", classes=["prose", "lesson"]):
        solara.HTML(tag="h1", unsafe_innerHTML="A 15-minute lesson in six steps")
        solara.Text(
            "Each step says what to press and what to ask the class. Go back to the Classroom "
            "page for each step; the models keep their state while you read this page."
        )
        for i, (title, text) in enumerate(LESSON, start=1):
            with solara.Div(classes=["lesson-step"]):
                solara.HTML(tag="h2", unsafe_innerHTML=f"Step {i}: {title}")
                solara.Text(text)
