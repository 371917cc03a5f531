"""The numba kernels behind :mod:`sim.kernels` (imported only when a kernel is first needed).

Every kernel repeats the numpy reference rule's floating-point operations in the same order,
so both paths give the same bits.  Three orders matter and are reproduced exactly:

* scipy's ``csr_matvec`` adds a row's products in stored order, starting from 0.0
  (:func:`row_mean`);
* ``np.bincount(..., weights=...)`` adds each bin's weights in index order, from 0.0;
* ``ndarray.sum``/``mean`` use numpy's pairwise summation (:func:`pairwise_sum`: blocks of
  at most 128 with eight accumulators, split at a multiple of 8).

No kernel uses ``fastmath`` (which would let LLVM reorder sums or fuse multiply-adds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "observe_groups",
    "pairwise_sum",
    "participation_threshold",
    "trust_experience",
    "trust_voice",
]

_OPTS = {"cache": True, "nogil": True}


@njit(**_OPTS)
def _block_sum(a, lo, n):  # pragma: no cover - compiled
    """A leaf of numpy's pairwise sum: ``n <= 128`` values, eight accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(**_OPTS)
def pairwise_sum(a, lo, n):  # pragma: no cover - compiled
    """Numpy's pairwise sum of ``a[lo:lo + n]`` (``DOUBLE_pairwise_sum``), bit for bit.

    numpy splits a run longer than 128 at ``n2 = n // 2 - (n // 2) % 8`` and adds the two
    halves' sums; this walks the same tree with an explicit stack (numba does not cache
    recursive functions safely).
    """
    if n <= 128:
        return _block_sum(a, lo, n)
    s_lo = np.empty(64, np.int64)
    s_n = np.empty(64, np.int64)
    s_state = np.empty(64, np.int64)  # 1: left half pending, 2: right half pending
    s_left = np.empty(64)
    s_lo[0], s_n[0] = lo, n
    top = 1
    while True:
        f = top - 1
        m = s_n[f]
        if m > 128:  # a fresh node: descend into its left half
            n2 = m // 2
            n2 -= n2 % 8
            s_state[f] = 1
            s_lo[top], s_n[top] = s_lo[f], n2
            top += 1
            continue
        v = _block_sum(a, s_lo[f], m)
        top -= 1
        while top > 0:
            p = top - 1
            if s_state[p] == 1:  # left half done: keep it, do the right half
                s_left[p] = v
                s_state[p] = 2
                n2 = s_n[p] // 2
                n2 -= n2 % 8
                s_lo[top], s_n[top] = s_lo[p] + n2, s_n[p] - n2
                top += 1
                break
            v = s_left[p] + v  # both halves done
            top -= 1
        if top == 0:
            return v


@njit(**_OPTS)
def _group_means(x, r, quintile, q_count, youth, tenant, block, means, buf):  # pragma: no cover
    """Row ``r`` of :func:`observe_groups` for one float variable ``x``."""
    n = x.shape[0]
    ny = youth.shape[0]
    nt = tenant.shape[0]
    means[r] = pairwise_sum(x, 0, n) / n
    q = np.zeros(5)
    for i in range(n):
        q[quintile[i]] += x[i]
    for g in range(5):
        block[r, g] = q[g] / q_count[g] if q_count[g] > 0 else np.nan
    if ny:
        for j in range(ny):
            buf[j] = x[youth[j]]
        block[r, 5] = pairwise_sum(buf, 0, ny) / ny
    else:
        block[r, 5] = np.nan
    if nt:
        for j in range(nt):
            buf[j] = x[tenant[j]]
        block[r, 6] = pairwise_sum(buf, 0, nt) / nt
    else:
        block[r, 6] = np.nan


@njit(**_OPTS)
def observe_groups(
    tl, tn, part, eff, sq, quintile, q_count, youth, tenant, council, c_count, block, means, csum
):  # pragma: no cover - compiled
    """Means by group of the five observed variables, and council means, in one call.

    Fills ``block`` (5 x 7: q1..q5, youth, tenants; rows in
    :data:`sim.metrics.GROUP_VARIABLES` order: trust_local, trust_national, participation,
    efficacy, service_quality), ``means`` (5, same order) and ``csum`` (3 x councils:
    trust_local, service_quality, participation).  Participation is counted in integers (the
    numbers its 0/1 sums give).
    """
    n = part.shape[0]
    k = c_count.shape[0]
    ny = youth.shape[0]
    nt = tenant.shape[0]
    buf = np.empty(max(ny, nt))
    _group_means(tl, 0, quintile, q_count, youth, tenant, block, means, buf)
    _group_means(tn, 1, quintile, q_count, youth, tenant, block, means, buf)
    _group_means(eff, 3, quintile, q_count, youth, tenant, block, means, buf)
    _group_means(sq, 4, quintile, q_count, youth, tenant, block, means, buf)
    qc = np.zeros(5, dtype=np.int64)
    cc = np.zeros(k, dtype=np.int64)
    total = 0
    for i in range(n):
        if part[i]:
            qc[quintile[i]] += 1
            cc[council[i]] += 1
            total += 1
    means[2] = total / n
    for g in range(5):
        block[2, g] = qc[g] / q_count[g] if q_count[g] > 0 else np.nan
    c = 0
    for j in range(ny):
        c += part[youth[j]]
    block[2, 5] = c / ny if ny else np.nan
    c = 0
    for j in range(nt):
        c += part[tenant[j]]
    block[2, 6] = c / nt if nt else np.nan
    # council means (bincount order) of trust in council and service quality; participation
    s0 = np.zeros(k)
    s1 = np.zeros(k)
    for i in range(n):
        s0[council[i]] += tl[i]
        s1[council[i]] += sq[i]
    for j in range(k):
        csum[0, j] = s0[j] / c_count[j]
        csum[1, j] = s1[j] / c_count[j]
        csum[2, j] = cc[j] / c_count[j]


@njit(**_OPTS)
def trust_experience(tl, tn, el, en, local, seen, blame, up, down, rate):  # pragma: no cover
    """Both asymmetric trust updates and both expectation updates, in one pass.

    Returns new arrays (trust_local, trust_national, expectation_local,
    expectation_national); the inputs are not changed.
    """
    n = tl.shape[0]
    otl = np.empty(n)
    otn = np.empty(n)
    oel = np.empty(n)
    oen = np.empty(n)
    keep = 1 - blame
    for i in range(n):
        q = local[i]
        # national performance: (1 - b) * seen + b * Q_i
        nat = keep * seen + blame * q
        gap = q - el[i]
        t = max(gap, 0.0) * up + min(gap, 0.0) * down + tl[i]
        otl[i] = min(max(t, 0.0), 1.0)
        oel[i] = gap * rate + el[i]
        gap = nat - en[i]
        t = max(gap, 0.0) * up + min(gap, 0.0) * down + tn[i]
        otn[i] = min(max(t, 0.0), 1.0)
        oen[i] = gap * rate + en[i]
    return otl, otn, oel, oen


@njit(**_OPTS)
def participation_threshold(
    share,
    theta0,
    eff,
    trust,
    youth_cut,
    m_eff,
    m_trust,
    chance_draw,
    opp,
    participating,
    stay_draw,
    persistence,
):  # pragma: no cover
    """Granovetter threshold rule and the chance to take part, in one pass."""
    n = share.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        chance = chance_draw[i] < opp[i] or (participating[i] and stay_draw[i] < persistence)
        theta = theta0[i] - m_eff * eff[i] - m_trust * trust[i] - youth_cut[i]
        out[i] = chance and share[i] + 1e-9 >= theta
    return out


@njit(**_OPTS)
def trust_voice(
    participating,
    heard,
    council,
    spill_record,
    heard_gain,
    ignored_loss,
    heard_eff,
    ignored_eff,
    youth_eff,
    land_eff,
    has_youth,
    youth,
    has_land,
    eligible,
    national_share,
    tl,
    tn,
    eff,
):  # pragma: no cover
    """Voice outcome for every citizen in one pass: new (trust_local, national, efficacy)."""
    n = tl.shape[0]
    otl = np.empty(n)
    otn = np.empty(n)
    oef = np.empty(n)
    for i in range(n):
        c = council[i]
        land = 1.0 if has_land[c] and eligible[i] else 0.0
        x = tn[i]
        if participating[i]:
            h = heard[i]
            tc = (heard_gain if h else 0.0) - (0.0 if h else ignored_loss)
            ec = (heard_eff if h else 0.0) - (0.0 if h else ignored_eff)
            ec = ec + youth_eff * (1.0 if has_youth[c] and youth[i] else 0.0)
            ec = ec + land_eff * land
            if national_share > 0:
                g = national_share * tc
                x = (x if g < 0 else 1 - x) * g + x
                x = min(max(x, 0.0), 1.0)
        else:
            tc = spill_record[c]
            ec = 0.0 + land_eff * land
        otn[i] = x
        x = tl[i]
        x = (x if tc < 0 else 1 - x) * tc + x
        otl[i] = min(max(x, 0.0), 1.0)
        ec = min(max(ec, -1.0), 1.0)
        x = eff[i]
        x = (x if ec < 0 else 1 - x) * ec + x
        oef[i] = min(max(x, 0.0), 1.0)
    return otl, otn, oef
