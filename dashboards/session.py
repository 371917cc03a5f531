"""One browser tab's state: its pair of models, the draft settings and the play loop's flags.

Created with Solara hooks inside the app's layout, so every tab (every Solara session) gets its
own :class:`Session`; nothing here lives at module level except the context that hands it down.

A session ends with its browser: when no page of the tab is connected any more (the tab closed,
the browser killed, the network gone: uvicorn's WebSocket pings notice a dead connection within
about 40 s), :func:`use_connection_watch` stops its Play loop at once, and Solara closes the
kernel (models, threads and all) after ``SOLARA_KERNEL_CULL_TIMEOUT``, which ``govsim
dashboard`` sets to minutes (``--session-timeout``), not Solara's default of 24 hours.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import solara

from dashboards.roots import scenario_roots
from sim.viz import ClassroomSettings, ModelPair

#: Seconds between two looks at whether a tab's pages are still connected.
WATCH_INTERVAL = 1.0


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
    draft = solara.use_reactive(ClassroomSettings(roots=tuple(map(str, scenario_roots()))))
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(3)
    session = solara.use_memo(lambda: Session(pair, draft, tick, playing, speed), [])
    use_connection_watch(session)
    return session


def current_kernel():
    """The Solara kernel context rendering now, or None outside a server."""
    from solara.server import kernel_context

    return kernel_context.get_current_context() if kernel_context.has_current_context() else None


def page_connected(ctx) -> bool:
    """Whether any page of kernel context ``ctx`` is connected (True for None: no server)."""
    from solara.server import kernel_context

    if ctx is None:
        return True
    return any(s == kernel_context.PageStatus.CONNECTED for s in list(ctx.page_status.values()))


def use_connection_watch(session: Session) -> None:
    """Pause ``session``'s Play loop as soon as none of its pages is connected."""
    ctx = solara.use_memo(current_kernel, [])

    def watch(cancel: threading.Event) -> None:
        while not cancel.wait(WATCH_INTERVAL):
            if session.playing.value and not page_connected(ctx):
                session.playing.value = False

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)


def use_session() -> Session:
    """This tab's session (inside the app's layout)."""
    session = solara.use_context(SessionContext)
    if session is None:
        raise RuntimeError("use_session() outside the dashboard layout")
    return session
