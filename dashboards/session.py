"""One browser tab's state: its pair of models, the draft settings and the play loop's flags.

Created with Solara hooks inside the app's layout, so every tab (every Solara session) gets its
own :class:`Session`; nothing here lives at module level except the context that hands it down.
"""

from __future__ import annotations

from dataclasses import dataclass

import solara

from sim.viz import ClassroomSettings, ModelPair


@dataclass
class Session:
    """Everything one tab's pages share."""

    pair: ModelPair
    draft: solara.Reactive[ClassroomSettings]  # what the controls show; Reset builds from it
    tick: solara.Reactive[int]  # bumped after every step, event or rebuild: redraws the page
    playing: solara.Reactive[bool]
    speed: solara.Reactive[int]  # months per second while playing

    def refresh(self) -> None:
        """Redraw pages that show the models."""
        self.tick.value += 1

    def rebuild(self, settings: ClassroomSettings | None = None) -> None:
        """Stop playing and build both models afresh from ``settings`` (default: the draft)."""
        self.playing.value = False
        settings = settings or self.draft.value
        self.draft.value = settings
        self.pair.rebuild(settings)
        self.refresh()


SessionContext = solara.create_context(None)


def use_new_session() -> Session:
    """Create this tab's session (call once, in the app's layout)."""
    pair = solara.use_memo(ModelPair, [])
    draft = solara.use_reactive(ClassroomSettings())
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(3)
    return solara.use_memo(lambda: Session(pair, draft, tick, playing, speed), [])


def use_session() -> Session:
    """This tab's session (inside the app's layout)."""
    session = solara.use_context(SessionContext)
    if session is None:
        raise RuntimeError("use_session() outside the dashboard layout")
    return session
