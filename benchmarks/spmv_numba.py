"""A numba CSR product against scipy's on the model's own graph (why DeGroot stays on scipy).

    .venv/bin/python benchmarks/spmv_numba.py --n 100000 --reps 10

Times ``D^-1 A x`` (the row-normalised matrix of a default model, average degree 10) with
scipy and with a plain numba loop over int32, int64 and uint32 indices, each result checked
equal to scipy's bit for bit (the same sums in the same order).  Medians, alternating.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print the median time of each variant."""
    from numba import njit

    import sim

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--reps", type=int, default=10)
    a = p.parse_args()

    @njit(cache=True, nogil=True)
    def csr_product(indptr, indices, data, x):  # pragma: no cover - compiled
        out = np.empty(x.shape[0])
        for i in range(x.shape[0]):
            s = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                s += data[jj] * x[indices[jj]]
            out[i] = s
        return out

    m = sim.GovernanceModel(rng=1, **{"population.size": a.n, "network.mean_degree": 10})
    r = m.world.graph.row_normalised
    x = m.population.trust_local.copy()
    ptr64, ind64, ind_u = (
        r.indptr.astype(np.int64),
        r.indices.astype(np.int64),
        r.indices.astype(np.uint32),
    )
    variants = {
        "scipy": lambda: r @ x,
        "numba int32": lambda: csr_product(r.indptr, r.indices, r.data, x),
        "numba int64": lambda: csr_product(ptr64, ind64, r.data, x),
        "numba uint32": lambda: csr_product(r.indptr, ind_u, r.data, x),
    }
    reference = variants["scipy"]()
    for name, f in variants.items():
        assert f().tobytes() == reference.tobytes(), name
    times = {name: [] for name in variants}
    for _ in range(a.reps):
        for name, f in variants.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    for name, ts in times.items():
        print(f"{a.n:,} citizens  {name:13s} {1e3 * np.median(ts):8.3f} ms")


if __name__ == "__main__":
    main()
