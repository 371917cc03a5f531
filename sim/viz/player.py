"""Play: step a :class:`~sim.viz.pair.ModelPair` at a chosen rate in a thread, and stop at once.

The model steps on the server on a fixed clock (``rate`` months a second); after each step the
page is told (``on_step``), and the page decides how much to redraw (the month counter and
numbers every time, the pictures only when the last drawing has finished: drawing skips frames
when it falls behind, the model does not).  :meth:`Player.stop` sets a flag that the loop
checks, under the pair's lock, right before every step: once ``stop`` returns, at most the step
already under way completes.  The browser reports the month it has drawn (:meth:`Player.shown`);
the loop never gets more than :attr:`Player.max_ahead` months ahead of it, so what the class
sees is at most one month behind the model and Pause overshoots by at most one month at any
speed, however slow the screen; the speed shown is the one delivered (:meth:`delivered`).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

from .pair import ModelPair

__all__ = ["SPEEDS", "Player"]

#: The speeds the classroom offers, in months a second.
SPEEDS = (1, 2, 3, 5, 10)


class Player:
    """Steps ``pair`` ``rate`` times a second until :meth:`stop`; reports what it delivers.

    Examples
    --------
    >>> from sim.viz import ClassroomSettings, ModelPair
    >>> pair = ModelPair(ClassroomSettings(population=200))
    >>> player = Player(pair, rate=10)
    >>> player.start(); time.sleep(0.35); stopped_at = player.stop()
    >>> time.sleep(0.2); pair.month == stopped_at
    True
    """

    def __init__(
        self,
        pair: ModelPair,
        rate: float = 2,
        on_step: Callable[[int], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ):
        self.pair = pair
        self.rate = float(rate)
        self.on_step = on_step
        self.on_error = on_error
        self._stop = threading.Event()
        self._stop.set()
        self._thread: threading.Thread | None = None
        self._times: collections.deque[float] = collections.deque(maxlen=40)
        #: The latest month the screen reported as drawn (None: no screen reports).
        self.acked: int | None = None
        #: How many months the model may run ahead of the screen.
        self.max_ahead = 1
        #: Seconds to wait for the screen before stepping anyway (a screen that never reports).
        self.screen_timeout = 3.0

    def shown(self, month: int) -> None:
        """The screen has drawn ``month`` (called by the page)."""
        self.acked = int(month)

    @property
    def playing(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return not self._stop.is_set()

    def delivered(self) -> float:
        """Months a second actually stepped over the last few seconds (0 when stopped)."""
        now = time.perf_counter()
        recent = [t for t in self._times if now - t <= 3.0]
        if not self.playing or len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-9)

    def start(self) -> None:
        """Start stepping (no-op when already playing).

        Every start gets its own stop flag: a thread of an earlier run that is still finishing
        its last redraw sees its own flag set and ends; it never resumes with the new run.
        """
        if self.playing:
            return
        self._stop = threading.Event()
        self._times.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop,), name="govsim-play", daemon=True
        )
        self._thread.start()

    def stop(self) -> int:
        """Stop stepping; returns the month the models stopped at (after any step under way)."""
        self._stop.set()
        with self.pair.lock:  # waits for a step under way, so the month is final
            return self.pair.month

    def _loop(self, stop: threading.Event) -> None:
        next_at = time.perf_counter()
        while not stop.is_set():
            wait = next_at - time.perf_counter()
            if wait > 0 and stop.wait(wait):
                break
            waited = time.perf_counter()
            while (
                self.acked is not None
                and self.pair.month - self.acked >= self.max_ahead
                and time.perf_counter() - waited < self.screen_timeout
            ):
                if stop.wait(0.01):
                    return
            with self.pair.lock:
                if stop.is_set() or not self.pair.ready:
                    break
                try:
                    self.pair.step()
                except Exception as exc:  # a model error stops play and is shown, never raised
                    stop.set()
                    if self.on_error is not None:
                        self.on_error(exc)
                    break
                month = self.pair.month
            self._times.append(time.perf_counter())
            if self.on_step is not None and not stop.is_set():
                self.on_step(month)
            next_at += 1 / max(self.rate, 0.1)
            late = time.perf_counter() - next_at
            if late > 1 / max(self.rate, 0.1):  # fell behind: keep the pace, never burst
                next_at = time.perf_counter()
