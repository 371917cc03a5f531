"""One root seed per run, one independent random stream per model process.

Each process draws from its own child of the run's :class:`numpy.random.SeedSequence`, spawned
with a fixed key per process name. Switching a process off therefore leaves every other
process's draws unchanged, and two scenarios run with the same seed share their random numbers
(common random numbers, for tight paired comparisons).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["FIXED_STREAMS", "Streams", "derive_seed", "root_seed_sequence"]

#: Spawn keys of the streams that belong to no process; each process declares its own
#: ``STREAM`` (see :mod:`sim.processes`).  Never renumber, only append (renumbering would
#: change every result).  Keys 2-9 are the built-in processes'; new processes take 12 and up.
FIXED_STREAMS = {
    "population": 0,
    "network": 1,
    "programmes": 10,
    "mesa": 11,
}


def root_seed_sequence(rng: object) -> np.random.SeedSequence:
    """Root seed sequence of a run from an int, a SeedSequence, a Generator or None (fresh)."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if isinstance(rng, (int, np.integer)):
        if rng < 0:
            raise ValueError(f"seed must be a non-negative integer, got {rng}")
        return np.random.SeedSequence(int(rng))
    raise TypeError(f"rng must be an int, SeedSequence, numpy Generator or None, not {rng!r}")


class Streams:
    """Lazily created generators, one per named stream, from a root seed sequence.

    ``keys`` maps stream names to their fixed spawn keys (``sim.processes.stream_keys()``).
    """

    def __init__(self, root: np.random.SeedSequence, keys: dict[str, int]):
        self.root = root
        self.keys = dict(keys)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            child = np.random.SeedSequence(
                self.root.entropy,
                spawn_key=(*self.root.spawn_key, self.keys[name]),
                pool_size=self.root.pool_size,
            )
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(child))
        return gen

    def seed_int(self, name: str) -> int:
        """A 32-bit integer seed from stream ``name`` (for libraries that want an int)."""
        return int(self[name].integers(2**32))

    def variable(self, stream: str, name: str) -> np.random.Generator:
        """A generator for one named variable under ``stream`` (stable under additions).

        Keyed by ``crc32(name)``, so adding a variable never moves another one's draws.
        """
        ss = np.random.SeedSequence(
            self.root.entropy,
            spawn_key=(*self.root.spawn_key, self.keys[stream], zlib.crc32(name.encode())),
        )
        return np.random.Generator(np.random.PCG64(ss))


def derive_seed(seed: int, *keys: int) -> int:
    """A run's seed from an experiment seed and integer keys (design point, replicate, ...).

    Depends only on its arguments, never on executor, worker count or order.

    >>> derive_seed(11, 0, 1) == derive_seed(11, 0, 1) != derive_seed(11, 1, 0)
    True
    """
    state = np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in keys))
    return int(state.generate_state(1, np.uint64)[0] >> np.uint64(1))
