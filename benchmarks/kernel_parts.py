"""The small measurements behind choices in the kernels (docs/performance.md, 4th and 7th rounds).

    .venv/bin/python benchmarks/kernel_parts.py

* ``handing back``: a numba kernel that allocates and returns four arrays of 1,000 values,
  against the same loop writing into four arrays allocated by the caller with ``np.empty``
  (what the per-step kernels do since 3 Dec 2026), and into four arrays allocated once.
* ``sort``: the Gini's sorted values at 1,000, 100,000 and 1,000,000 trust values of a
  default model after three steps: ``sorted_values`` (bucket sort, radix from
  ``RADIX_FROM``), the bucket and the radix sort alone (``_bucket_sorted``,
  ``_radix_sorted``) and ``np.sort``.
* ``D^-1 A``: the row-normalised adjacency built directly (``sim.state.row_normalised``)
  against scipy's product ``diags(1/k) @ A``, 1,000 citizens.

* ``dispatch``: what calling a numba kernel costs before its loop runs: a kernel of 17
  arrays of 1,000 values and 2 floats that reads two values, called through its dispatcher
  with writeable arrays, with read-only ones (numba types those on a slower path) and
  through its compiled entry point (no type matching), against a Python function of the
  same arguments.

Medians of many calls in one process (the sorts taking turns), microseconds (ms for the
sorts of 10^5 and 10^6).
"""

from __future__ import annotations

import time

import numpy as np


def _median_us(f, calls: int) -> float:
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return 1e6 * float(np.median(times))


def handing_back() -> dict[str, float]:
    """Four arrays of 1,000 values returned by a kernel, against written into the caller's."""
    from numba import njit

    @njit
    def returned(a, b, c, d):  # pragma: no cover - compiled
        n = a.shape[0]
        o1, o2, o3, o4 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        for i in range(n):
            o1[i], o2[i], o3[i], o4[i] = a[i] + b[i], b[i] * c[i], c[i] - d[i], d[i] * a[i]
        return o1, o2, o3, o4

    @njit
    def written(a, b, c, d, o1, o2, o3, o4):  # pragma: no cover - compiled
        for i in range(a.shape[0]):
            o1[i], o2[i], o3[i], o4[i] = a[i] + b[i], b[i] * c[i], c[i] - d[i], d[i] * a[i]

    n = 1000
    a, b, c, d = (np.random.default_rng(i).random(n) for i in range(4))
    once = [np.empty(n) for _ in range(4)]
    returned(a, b, c, d)
    written(a, b, c, d, *once)
    return {
        "returned by the kernel": _median_us(lambda: returned(a, b, c, d), 20_000),
        "np.empty by the caller": _median_us(
            lambda: written(a, b, c, d, np.empty(n), np.empty(n), np.empty(n), np.empty(n)),
            20_000,
        ),
        "allocated once": _median_us(lambda: written(a, b, c, d, *once), 20_000),
    }


def sorts() -> dict[int, dict[str, float]]:
    """Gini's sort on a default model's trust in council, three algorithms, three sizes."""
    import sim
    from sim import _kernels_numba as nb

    out = {}
    for n in (1_000, 100_000, 1_000_000):
        m = sim.GovernanceModel(rng=1, **{"population.size": n})
        for _ in range(3):
            m.step()
        x = m.world.population.trust_local.copy()
        calls = max(7, 200_000 // n)
        sorts = {
            "sorted_values": nb.sorted_values,
            "bucket": nb._bucket_sorted,
            "radix": nb._radix_sorted,
            "np.sort": np.sort,
        }
        times: dict[str, list[float]] = {name: [] for name in sorts}
        for f in sorts.values():
            assert np.array_equal(f(x), np.sort(x))
        for _ in range(calls):  # the sorts take turns, so none is timed on colder caches
            for name, f in sorts.items():
                t = time.perf_counter()
                f(x)
                times[name].append(time.perf_counter() - t)
        row = {name: 1e6 * float(np.median(v)) for name, v in times.items()}
        out[n] = row
    return out


def row_normalised() -> dict[str, float]:
    """D^-1 A for the default 1,000-citizen graph: built directly, against scipy's product."""
    import scipy.sparse as sp

    import sim
    from sim.state import row_normalised as direct

    g = sim.GovernanceModel(rng=1, citizen_handles=False, **{"population.size": 1000}).world.graph
    a, inv = g.matrix, g.inverse_degree
    return {
        "direct": _median_us(lambda: direct(a, inv), 2_000),
        "diags(1/k) @ A": _median_us(lambda: sp.diags(inv, format="csr") @ a, 2_000),
    }


def dispatch() -> dict[str, float]:
    """A 19-argument kernel's call overhead: dispatcher (writeable, read-only), entry point."""
    from numba import njit

    def body(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, x, y):  # noqa: E741
        return a[0] + q[0] + x + y

    kernel = njit(body)
    arrays = [np.ones(1000) for _ in range(17)]
    frozen = [a.copy() for a in arrays]
    for a in frozen:
        a.setflags(write=False)
    kernel(*arrays, 1.0, 2.0)
    kernel(*frozen, 1.0, 2.0)
    entry = kernel.overloads[kernel.signatures[0]].entry_point
    return {
        "python function": _median_us(lambda: body(*arrays, 1.0, 2.0), 20_000),
        "dispatcher, writeable": _median_us(lambda: kernel(*arrays, 1.0, 2.0), 20_000),
        "dispatcher, read-only": _median_us(lambda: kernel(*frozen, 1.0, 2.0), 20_000),
        "entry point": _median_us(lambda: entry(*arrays, 1.0, 2.0), 20_000),
    }


def main() -> None:
    """Print the measurements."""
    print("handing back four arrays of 1,000 values from a numba kernel, us per call")
    for k, v in handing_back().items():
        print(f"  {k:26s} {v:8.2f}")
    print("Gini's sort of a default model's trust in council (us; ms from 100,000)")
    for n, row in sorts().items():
        scale, unit = (1.0, "us") if n < 100_000 else (1e-3, "ms")
        cells = "  ".join(f"{k} {v * scale:8.2f} {unit}" for k, v in row.items())
        print(f"  {n:>9,}  {cells}")
    print("row-normalised adjacency, 1,000 citizens, us")
    for k, v in row_normalised().items():
        print(f"  {k:26s} {v:8.1f}")
    print("calling a kernel of 17 arrays and 2 floats, us per call")
    for k, v in dispatch().items():
        print(f"  {k:26s} {v:8.2f}")


if __name__ == "__main__":
    main()
