"""The numba kernels behind :mod:`sim.kernels` (imported only when a kernel is first needed).

Every kernel repeats the numpy reference rule's floating-point operations in the same order,
so both paths give the same bits.  Three orders matter and are reproduced exactly:

* scipy's ``csr_matvec`` adds a row's products in stored order, starting from 0.0
  (:func:`social_degroot`);
* ``np.bincount(..., weights=...)`` adds each bin's weights in index order, from 0.0;
* ``ndarray.sum``/``mean`` use numpy's pairwise summation (:func:`pairwise_sum`: blocks of
  at most 128 with eight accumulators, split at a multiple of 8).

No kernel uses ``fastmath`` (which would let LLVM reorder sums or fuse multiply-adds).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "election_trust",
    "election_votes",
    "marked_neighbours",
    "month_quiet",
    "months_quiet",
    "neighbour_share",
    "observe_groups",
    "pairwise_sum",
    "participation_graph",
    "services_allocate",
    "services_allocate_parallel",
    "services_step",
    "services_voice",
    "social_degroot",
    "social_degroot_parallel",
    "sorted_values",
    "trust_experience",
    "trust_experience_parallel",
    "trust_voice",
    "trust_voice_full",
    "trust_voice_full_parallel",
]

_OPTS = {"cache": True, "nogil": True}
#: From this many values :func:`sorted_values` uses the radix sort rather than the bucket
#: sort (``benchmarks/kernel_parts.py`` times both on a model's trust at three sizes)
RADIX_FROM = 400_000


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
def _gathered_mean(x, idx, buf):  # pragma: no cover - compiled
    """``x[idx].sum() / len(idx)`` (numpy's pairwise sum of the gathered values); NaN if empty."""
    m = idx.shape[0]
    if m == 0:
        return np.nan
    for j in range(m):
        buf[j] = x[idx[j]]
    return pairwise_sum(buf, 0, m) / m


@njit(**_OPTS)
def _variable_row(x, r, q, q_count, youth, tenant, block, means, buf):  # pragma: no cover
    """Row ``r`` of :func:`observe_groups` from the group sums ``q``; returns ``x``'s sum."""
    n = x.shape[0]
    s = pairwise_sum(x, 0, n)
    means[r] = s / n
    for g in range(5):
        block[r, g] = q[g] / q_count[g] if q_count[g] > 0 else np.nan
    block[r, 5] = _gathered_mean(x, youth, buf)
    block[r, 6] = _gathered_mean(x, tenant, buf)
    return s


@njit(**_OPTS)
def observe_groups(
    tl,
    tn,
    part,
    eff,
    sq,
    quintile,
    q_count,
    youth,
    tenant,
    council,
    c_count,
    block,
    means,
    csum,
    heard,
    row,
    at,
    tl_sorted,
):  # pragma: no cover - compiled
    """Means by group of the five observed variables, council means and Gini, in one call.

    Also writes them into the metrics ``row`` at the positions ``at`` gives
    (:class:`sim.metrics.Observer`): ``at[0:5]`` the five means, ``at[5]`` the participation
    gap ``block[2, 0] - block[2, 4]`` (0 if not finite), ``at[6]`` the Gini coefficient,
    ``at[7]`` the first of the block's 35 values (row by row).  Returns the number of
    participants and of those heard (``heard``), for the heard share.

    Fills ``block`` (5 x 7: q1..q5, youth, tenants; rows in
    :data:`sim.metrics.GROUP_VARIABLES` order: trust_local, trust_national, participation,
    efficacy, service_quality), ``means`` (5, same order) and ``csum`` (3 x councils:
    trust_local, service_quality, participation); returns the Gini coefficient of trust in
    council, as :func:`sim.metrics.gini` computes it (the order statistics from
    :func:`sorted_values`, the same values ``np.sort`` gives; or ``tl_sorted``, when the
    caller gives the sorted values, ``np.sort(tl)``: an empty array asks for the sort here).
    Group sums are ``bincount``'s (each group in citizen order), means and gathered sums are
    pairwise, participation is counted in integers (the numbers its 0/1 sums give).
    """
    n = part.shape[0]
    k = c_count.shape[0]
    q = np.zeros((4, 5))
    qc = np.zeros(5, dtype=np.int64)
    s0 = np.zeros(k)
    s1 = np.zeros(k)
    cc = np.zeros(k, dtype=np.int64)
    total = 0
    for i in range(n):  # one pass, independent running sums (each in citizen order)
        g = quintile[i]
        c = council[i]
        q[0, g] += tl[i]
        q[1, g] += tn[i]
        q[2, g] += eff[i]
        q[3, g] += sq[i]
        s0[c] += tl[i]
        s1[c] += sq[i]
        if part[i]:
            qc[g] += 1
            cc[c] += 1
            total += 1
    buf = np.empty(max(n, 1))
    sum_tl = _variable_row(tl, 0, q[0], q_count, youth, tenant, block, means, buf)
    _variable_row(tn, 1, q[1], q_count, youth, tenant, block, means, buf)
    _variable_row(eff, 3, q[2], q_count, youth, tenant, block, means, buf)
    _variable_row(sq, 4, q[3], q_count, youth, tenant, block, means, buf)
    means[2] = total / n
    for g in range(5):
        block[2, g] = qc[g] / q_count[g] if q_count[g] > 0 else np.nan
    ny = youth.shape[0]
    nt = tenant.shape[0]
    c = 0
    for j in range(ny):
        c += part[youth[j]]
    block[2, 5] = c / ny if ny else np.nan
    c = 0
    for j in range(nt):
        c += part[tenant[j]]
    block[2, 6] = c / nt if nt else np.nan
    for j in range(k):
        csum[0, j] = s0[j] / c_count[j]
        csum[1, j] = s1[j] / c_count[j]
        csum[2, j] = cc[j] / c_count[j]
    # Gini: sum_i (2i - n - 1) x_(i) / (n sum x), the weighted sum pairwise as numpy adds it
    gini = 0.0
    if n > 0 and sum_tl > 0:
        if tl_sorted.shape[0] != n:
            tl_sorted = sorted_values(tl)
        for i in range(n):
            buf[i] = float(2 * (i + 1) - n - 1) * tl_sorted[i]
        gini = pairwise_sum(buf, 0, n) / (n * sum_tl)
    for r in range(5):
        row[at[r]] = means[r]
    gap = block[2, 0] - block[2, 4]
    row[at[5]] = gap if np.isfinite(gap) else 0.0
    row[at[6]] = gini
    for r in range(5):
        for g in range(7):
            row[at[7] + 7 * r + g] = block[r, g]
    n_heard = 0
    for i in range(n):
        n_heard += heard[i]
    return total, n_heard


@njit(**_OPTS)
def _radix_sorted(x):  # pragma: no cover - compiled
    """A sorted copy of the float64 array ``x``, for :func:`sorted_values`.

    Least-significant-digit radix sort (Knuth, TAOCP vol. 3, 5.2.5) of the IEEE 754 bit
    patterns mapped to unsigned keys that order as the numbers do (flip every bit of a
    negative number, only the sign bit of a positive one).  One pass counts every digit,
    then one stable scatter per digit, skipping digits that all keys share (in [0, 1] the
    top digit).  Linear in ``n``, and its passes are sequential: beyond the caches (10^6
    values) faster than the bucket sort's scattered writes.  Infinities sort as numbers; a
    NaN sorts by its bits (numpy's NaN, positive, after ``inf``: last, as ``np.sort`` puts
    it).
    """
    n = x.shape[0]
    rb = 8  # 8-bit digits beyond the cache (1M values: 19 ms against 30 for 11 bits)
    passes = (64 + rb - 1) // rb
    r = 1 << rb
    mask = np.uint64(r - 1)
    sign = np.uint64(1) << np.uint64(63)
    ones = ~np.uint64(0)
    bits = x.view(np.uint64)
    keys = np.empty(n, np.uint64)
    counts = np.zeros((passes, r), np.int64)
    for i in range(n):
        b = bits[i]
        k = b ^ (ones if b & sign else sign)
        keys[i] = k
        for p in range(passes):
            counts[p, (k >> np.uint64(p * rb)) & mask] += 1
    src = keys
    dst = np.empty(n, np.uint64)
    offset = np.empty(r, np.int64)
    for p in range(passes):
        c = counts[p]
        if n == 0 or c[(src[0] >> np.uint64(p * rb)) & mask] == n:
            continue  # every key has this digit: the pass would not move anything
        total = 0
        for d in range(r):
            offset[d] = total
            total += c[d]
        shift = np.uint64(p * rb)
        for i in range(n):
            k = src[i]
            d = (k >> shift) & mask
            dst[offset[d]] = k
            offset[d] += 1
        src, dst = dst, src
    out = np.empty(n, np.float64)
    out_bits = out.view(np.uint64)
    for i in range(n):
        k = src[i]
        out_bits[i] = k ^ (sign if k & sign else ones)
    return out


@njit(**_OPTS)
def sorted_values(x):  # pragma: no cover - compiled
    """A sorted copy of the float64 array ``x``: the values ``np.sort(x)`` gives.

    Bucket sort (Cormen et al., *Introduction to Algorithms*, 3rd ed., 8.4): ``n`` equal-width
    buckets over ``[min x, max x]``, value ``v`` in bucket ``floor((v - min) n / (max - min))``
    (monotone in ``v``: IEEE 754 subtraction and multiplication round monotonically), one
    counting pass, one stable scatter, then one insertion sort over the whole array, which
    moves values only within their bucket.  A bucket of more than 32 values is radix-sorted
    first, so clustered values never cost ``O(n^2)``; a range that is not finite
    (infinities, NaN, a width that overflows or underflows) is radix-sorted whole.
    (``np.sort`` is not called: compiling numba's sort took ~3 s of a cold cache's first
    run.)  Trust is spread smoothly over [0, 1], so buckets hold ~1 value:
    ~4x faster than numpy's sort and ~2x faster than the radix sort at 1,000 values.
    Beyond :data:`RADIX_FROM` values (outside the caches, where scattered writes cost a
    miss each) the LSD radix sort :func:`_radix_sorted` is faster, and is used.  The sorted
    values of a multiset do not depend on the algorithm, so the Gini coefficient is the
    same bits on both paths and at every size (``-0.0`` and ``0.0`` may come in either
    order; a weighted sum cannot tell them apart).
    """
    if x.shape[0] >= RADIX_FROM:
        return _radix_sorted(x)
    return _bucket_sorted(x)


@njit(**_OPTS)
def _bucket_sorted(x):  # pragma: no cover - compiled
    """A sorted copy of the float64 array ``x`` by bucket sort (see :func:`sorted_values`)."""
    n = x.shape[0]
    out = np.empty(n, np.float64)
    if n == 0:
        return out
    lo = x[0]
    hi = x[0]
    for i in range(n):
        v = x[i]
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
        elif v != v:  # NaN: no finite range
            hi = np.nan
            break
    if hi == lo:
        out[:] = x
        return out
    scale = n / (hi - lo)
    if not (np.isfinite(scale) and scale > 0.0):
        return _radix_sorted(x)
    bucket = np.empty(n, np.int64)
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        b = min(int((x[i] - lo) * scale), n - 1)
        bucket[i] = b
        start[b + 1] += 1
    largest = 0
    for b in range(n):
        largest = max(largest, start[b + 1])
        start[b + 1] += start[b]
    for i in range(n):  # stable scatter; start[b] ends at bucket b's end
        b = bucket[i]
        out[start[b]] = x[i]
        start[b] += 1
    if largest > 32:
        s = 0
        for b in range(n):
            e = start[b]
            if e - s > 32:
                out[s:e] = _radix_sorted(out[s:e].copy())  # one specialisation: C arrays
            s = e
    for i in range(1, n):
        v = out[i]
        j = i - 1
        while j >= 0 and out[j] > v:
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = v
    return out


@njit(**_OPTS)
def trust_experience(
    tl, tn, el, en, local, seen, blame, up, down, rate, party, gov, otl, otn, oel, oen
):  # pragma: no cover
    """Both asymmetric trust updates and both expectation updates, in one pass.

    Writes the new trust_local, trust_national, expectation_local and expectation_national
    into ``otl, otn, oel, oen`` (new arrays from the caller: each array a kernel returns is
    converted back for Python, 16 a step); only ``party[:, gov]`` (trust in the governing party;
    ``gov < 0``: none) is changed in place, by the change in national trust, clipped to [0, 1].
    """
    _experience_rows(
        0, tl.shape[0], tl, tn, el, en, local, seen, blame, up, down, rate, party, gov, otl,
        otn, oel, oen,
    )  # fmt: skip


@njit(**_OPTS, parallel=True)
def trust_experience_parallel(
    tl, tn, el, en, local, seen, blame, up, down, rate, party, gov, otl, otn, oel, oen, chunks
):  # pragma: no cover
    """:func:`trust_experience` with its citizens split into ``chunks`` ranges on threads.

    Each citizen's update reads and writes only that citizen: the same bits for any split.
    """
    n = tl.shape[0]
    for c in prange(chunks):
        _experience_rows(
            c * n // chunks, (c + 1) * n // chunks, tl, tn, el, en, local, seen, blame, up,
            down, rate, party, gov, otl, otn, oel, oen,
        )  # fmt: skip


@njit(**_OPTS)
def _experience_rows(
    lo, hi, tl, tn, el, en, local, seen, blame, up, down, rate, party, gov, otl, otn, oel, oen
):  # pragma: no cover
    """Citizens ``lo:hi`` of :func:`trust_experience`."""
    keep = 1 - blame
    for i in range(lo, hi):
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
        if gov >= 0:  # the governing party shares the government's credit and blame
            x = party[i, gov] + (otn[i] - tn[i])
            party[i, gov] = min(max(x, 0.0), 1.0)


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
    otl,
    otn,
    oef,
):  # pragma: no cover
    """Voice outcome for every citizen in one pass: new trust_local, national, efficacy.

    Written into ``otl``, ``otn``, ``oef``.
    """
    _voice_rows(
        0, tl.shape[0], participating, heard, council, spill_record, heard_gain, ignored_loss,
        heard_eff, ignored_eff, youth_eff, land_eff, has_youth, youth, has_land, eligible,
        national_share, tl, tn, eff, otl, otn, oef,
    )  # fmt: skip


@njit(**_OPTS)
def _voice_rows(
    lo,
    hi,
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
    otl,
    otn,
    oef,
):  # pragma: no cover - compiled
    """Citizens ``lo:hi`` of :func:`trust_voice`."""
    for i in range(lo, hi):
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


@njit(**_OPTS)
def marked_neighbours(indptr, indices, mask):  # pragma: no cover - compiled
    """How many of each citizen's neighbours ``mask`` marks (int32; ``A m`` for symmetric ``A``).

    Scatters from the marked citizens' rows (row ``j`` of a symmetric adjacency lists
    ``j``'s neighbours), so it costs one pass over ``mask`` and the marked citizens' ties
    only; the counts are integers, the same whatever the order.  ``indptr`` and ``indices``
    are unsigned (``SocialGraph.kernel_csr``).
    """
    n = mask.shape[0]
    counts = np.zeros(n, np.int32)
    one = np.uint64(1)
    for j in range(n):
        if mask[j]:
            jj = np.uint64(indptr[j])
            stop = np.uint64(indptr[j + 1])
            while jj < stop:
                counts[indices[jj]] += 1
                jj += one
    return counts


@njit(**_OPTS)
def participation_graph(
    indptr,
    indices,
    start,
    table,
    count_kind,
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
    out,
    chunks,
):  # pragma: no cover - compiled
    """Granovetter's threshold rule and the chance to take part, in one pass, into ``out``.

    Participating neighbours are counted by :func:`marked_neighbours`; the share is read
    from the graph's table of partial sums of ``1/k`` (``SocialGraph.share_table``), as
    ``SocialGraph.neighbour_share`` does; with ``count_kind`` it is the count itself.  With
    ``chunks > 0`` the rule runs on that many ranges of citizens on threads (each citizen's
    decision is its own: the same bits).
    """
    counts = marked_neighbours(indptr, indices, participating)
    n = theta0.shape[0]
    if chunks > 0:
        _decide_parallel(
            counts, start, table, count_kind, theta0, eff, trust, youth_cut, m_eff, m_trust,
            chance_draw, opp, participating, stay_draw, persistence, out, chunks,
        )  # fmt: skip
    else:
        _decide_rows(
            0, n, counts, start, table, count_kind, theta0, eff, trust, youth_cut, m_eff,
            m_trust, chance_draw, opp, participating, stay_draw, persistence, out,
        )  # fmt: skip


@njit(**_OPTS, parallel=True)
def _decide_parallel(
    counts,
    start,
    table,
    count_kind,
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
    out,
    chunks,
):  # pragma: no cover - compiled
    """:func:`_decide_rows` over ``chunks`` ranges of citizens, on numba's threads."""
    n = theta0.shape[0]
    for c in prange(chunks):
        _decide_rows(
            c * n // chunks, (c + 1) * n // chunks, counts, start, table, count_kind, theta0,
            eff, trust, youth_cut, m_eff, m_trust, chance_draw, opp, participating, stay_draw,
            persistence, out,
        )  # fmt: skip


@njit(**_OPTS)
def _decide_rows(
    lo,
    hi,
    counts,
    start,
    table,
    count_kind,
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
    out,
):  # pragma: no cover - compiled
    """Citizens ``lo:hi`` of :func:`participation_graph`'s rule."""
    for i in range(lo, hi):
        c = counts[i]
        share = float(c) if count_kind else table[start[i] + c]
        chance = chance_draw[i] < opp[i] or (participating[i] and stay_draw[i] < persistence)
        theta = theta0[i] - m_eff * eff[i] - m_trust * trust[i] - youth_cut[i]
        out[i] = chance and share + 1e-9 >= theta


@njit(**_OPTS)
def neighbour_share(indptr, indices, start, table, mask, count_kind):  # pragma: no cover
    """``SocialGraph.neighbour_share(mask)`` (or the count, as floats), in one pass."""
    counts = marked_neighbours(indptr, indices, mask)
    n = counts.shape[0]
    out = np.empty(n)
    for i in range(n):
        c = counts[i]
        out[i] = float(c) if count_kind else table[start[i] + c]
    return out


@njit(**_OPTS)
def _isolated_tail(xl, xn, anchored, keep_a, a, dl, dn, s_ln, s_nl):
    """One citizen after DeGroot (an isolated one keeps its view): anchoring, spill-over, clip."""
    if anchored:
        xl = keep_a * xl + a * dl
        xn = keep_a * xn + a * dn
    yl = (xn - xl) * s_nl + xl
    yn = (xl - xn) * s_ln + xn
    return min(max(yl, 0.0), 1.0), min(max(yn, 0.0), 1.0)


@njit(**_OPTS)
def _influence_tail(xl, xn, ml, mn, keep_w, w, anchored, keep_a, a, dl, dn, s_ln, s_nl):
    """One citizen given its neighbour means: the DeGroot mix, then :func:`_isolated_tail`."""
    return _isolated_tail(
        keep_w * xl + w * ml, keep_w * xn + w * mn, anchored, keep_a, a, dl, dn, s_ln, s_nl
    )


@njit(**_OPTS)
def _degroot_rows(
    lo,
    hi,
    indptr,
    indices,
    inverse_degree,
    both,
    isolated,
    tl,
    tn,
    keep_w,
    w,
    anchored,
    keep_a,
    a,
    dl,
    dn,
    s_ln,
    s_nl,
    ol,
    on,
):  # pragma: no cover - compiled
    """Rows ``lo:hi`` of :func:`social_degroot` (``both`` already holds the interleaved trusts).

    A row reads only its own stored neighbours and writes only its own citizen, so any split
    into row ranges gives the same bits.
    """
    one = np.uint64(1)
    jj = np.uint64(indptr[lo])
    for i in range(lo, hi):
        stop = np.uint64(indptr[i + 1])
        if isolated[i]:
            ol[i], on[i] = _isolated_tail(
                tl[i], tn[i], anchored, keep_a, a, dl[i], dn[i], s_ln, s_nl
            )
            jj = stop
            continue
        c = inverse_degree[i]
        ml = 0.0
        mn = 0.0
        while jj < stop:
            j = np.uint64(2) * np.uint64(indices[jj])
            ml += c * both[j]
            mn += c * both[j + one]
            jj += one
        ol[i], on[i] = _influence_tail(
            tl[i], tn[i], ml, mn, keep_w, w, anchored, keep_a, a, dl[i], dn[i], s_ln, s_nl
        )


@njit(**_OPTS)
def social_degroot(
    indptr,
    indices,
    inverse_degree,
    both,
    isolated,
    tl,
    tn,
    keep_w,
    w,
    anchored,
    keep_a,
    a,
    dl,
    dn,
    s_ln,
    s_nl,
    ol,
    on,
):  # pragma: no cover - compiled
    """DeGroot on both kinds of trust, anchoring, spill-over and the clip, in one pass.

    ``indptr`` and ``indices`` are the row-normalised matrix's (``SocialGraph.kernel_csr``,
    unsigned, so that indexing needs no wrap-around test).  Every stored value of row ``i``
    of :math:`D^{-1} A` is ``inverse_degree[i]``, so each neighbour mean adds
    ``inverse_degree[i] * x[indices[jj]]`` in stored order from 0.0: scipy's ``csr_matvec``
    sums, without reading the values.  Both kinds of trust are read from one interleaved
    copy (written into the work array ``both``), so a neighbour's two values share a cache
    line.  Then ``(1 - w) x + w m`` (isolated citizens keep ``x``), ``(1 - a) x + a x0`` when
    anchored, the simultaneous spill-over ``l + b (n - l)``, ``n + a (l - n)``, and the clip
    to [0, 1].  The new trusts are written into ``ol`` and ``on``.
    """
    n = tl.shape[0]
    for i in range(n):  # both: work space for 2 n values
        both[2 * i] = tl[i]
        both[2 * i + 1] = tn[i]
    _degroot_rows(
        0, n, indptr, indices, inverse_degree, both, isolated, tl, tn, keep_w, w, anchored,
        keep_a, a, dl, dn, s_ln, s_nl, ol, on,
    )  # fmt: skip


@njit(**_OPTS, parallel=True)
def social_degroot_parallel(
    indptr,
    indices,
    inverse_degree,
    both,
    isolated,
    tl,
    tn,
    keep_w,
    w,
    anchored,
    keep_a,
    a,
    dl,
    dn,
    s_ln,
    s_nl,
    ol,
    on,
    chunks,
):  # pragma: no cover - compiled
    """:func:`social_degroot` with its rows split into ``chunks`` ranges run on numba's threads.

    Each row is summed exactly as in :func:`social_degroot` (:func:`_degroot_rows`), so the
    bits do not depend on ``chunks`` or on the number of threads; only the wall time does.
    """
    n = tl.shape[0]
    for c in prange(chunks):  # the interleaved copy, then the rows, each range by one thread
        for i in range(c * n // chunks, (c + 1) * n // chunks):
            both[2 * i] = tl[i]
            both[2 * i + 1] = tn[i]
    for c in prange(chunks):
        _degroot_rows(
            c * n // chunks, (c + 1) * n // chunks, indptr, indices, inverse_degree, both,
            isolated, tl, tn, keep_w, w, anchored, keep_a, a, dl, dn, s_ln, s_nl, ol, on,
        )  # fmt: skip


@njit(**_OPTS)
def services_voice(participating, influence, need, groups, k):  # pragma: no cover - compiled
    """Voiced need by group (``5 k``): ``bincount`` of ``influence * 1.0 * need * 1.0``."""
    out = np.zeros(5 * k)
    for i in range(participating.shape[0]):
        if participating[i]:
            out[groups[i]] += ((influence[i] * 1.0) * need[i]) * 1.0
    return out


@njit(**_OPTS)
def services_allocate(
    council,
    groups,
    need,
    central_factor,
    need_eff,
    budget,
    budget_n,
    per_need_g,
    r,
    rest,
    co_factor,
    s,
    keep_s,
    e,
    need_positive,
    received,
    quality,
):  # pragma: no cover - compiled
    """Resources received and service quality; returns the total of need met.

    ``allocate_from``'s rule, written into ``received`` and ``quality``, with the same
    products in the same order as the numpy rule:
    ``((1 - s) B f) e + (k_co (r V + (1 - r) B f)) s`` with ``V = (B N) S_g n``.
    """
    n = need.shape[0]
    met = np.empty(n)
    _allocate_rows(
        0, n, council, groups, need, central_factor, need_eff, budget, budget_n, per_need_g,
        r, rest, co_factor, s, keep_s, e, need_positive, received, quality, met,
    )  # fmt: skip
    return pairwise_sum(met, 0, n)


@njit(**_OPTS, parallel=True)
def services_allocate_parallel(
    council,
    groups,
    need,
    central_factor,
    need_eff,
    budget,
    budget_n,
    per_need_g,
    r,
    rest,
    co_factor,
    s,
    keep_s,
    e,
    need_positive,
    received,
    quality,
    chunks,
):  # pragma: no cover - compiled
    """:func:`services_allocate` with its citizens split into ``chunks`` ranges on threads.

    Each citizen's share reads only council values and its own; the need met is then added
    as :func:`services_allocate` adds it (pairwise, in citizen order): the same bits.
    """
    n = need.shape[0]
    met = np.empty(n)
    for c in prange(chunks):
        _allocate_rows(
            c * n // chunks, (c + 1) * n // chunks, council, groups, need, central_factor,
            need_eff, budget, budget_n, per_need_g, r, rest, co_factor, s, keep_s, e,
            need_positive, received, quality, met,
        )  # fmt: skip
    return pairwise_sum(met, 0, n)


@njit(**_OPTS)
def _allocate_rows(
    lo,
    hi,
    council,
    groups,
    need,
    central_factor,
    need_eff,
    budget,
    budget_n,
    per_need_g,
    r,
    rest,
    co_factor,
    s,
    keep_s,
    e,
    need_positive,
    received,
    quality,
    met,
):  # pragma: no cover - compiled
    """Citizens ``lo:hi`` of :func:`services_allocate` (their need met into ``met``)."""
    for i in range(lo, hi):
        c = council[i]
        central = budget[c] * central_factor[i]
        voice = budget_n[c] * per_need_g[groups[i]] * need[i]
        mix = r[c] * voice + rest[c] * central
        x = keep_s[c] * central * e[c] + co_factor[c] * mix * s[c]
        received[i] = x
        ne = need_eff[i]
        m = min(x, ne)
        met[i] = m
        if need_positive or ne > 0:
            quality[i] = m / ne
        else:
            quality[i] = 1.0


@njit(**_OPTS)
def trust_voice_full(
    participating,
    draw,
    council,
    responsiveness,
    influence,
    size,
    spillover,
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
    otl,
    otn,
    oef,
    heard,
    ignored,
):  # pragma: no cover - compiled
    """Who is heard, each council's voice record, then :func:`trust_voice`, in one call.

    A participant is heard when ``draw < min(1, r_c w_i)``; the record is
    ``spillover * (H_c - I_c) / N_c`` (0 for a council without residents).  Writes
    trust_local, trust_national and efficacy into ``otl, otn, oef`` and who was heard and
    who ignored into ``heard``, ``ignored`` (every element of each).
    """
    n = tl.shape[0]
    k = size.shape[0]
    h = np.zeros(k)
    g = np.zeros(k)
    _heard_rows(0, n, participating, draw, council, responsiveness, influence, heard, ignored, h, g)
    record = np.empty(k)
    for c in range(k):
        record[c] = spillover * ((h[c] - g[c]) / size[c] if size[c] > 0 else 0.0)
    trust_voice(
        participating,
        heard,
        council,
        record,
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
        otl,
        otn,
        oef,
    )


@njit(**_OPTS)
def _heard_rows(
    lo, hi, participating, draw, council, responsiveness, influence, heard, ignored, h, g
):  # pragma: no cover - compiled
    """Citizens ``lo:hi``: who is heard, who ignored; adds 1 per citizen to ``h`` or ``g``."""
    for i in range(lo, hi):
        heard[i] = False
        ignored[i] = False
        if participating[i]:
            c = council[i]
            if draw[i] < min(1.0, responsiveness[c] * influence[i]):
                heard[i] = True
                h[c] += 1.0
            else:
                ignored[i] = True
                g[c] += 1.0


@njit(**_OPTS, parallel=True)
def trust_voice_full_parallel(
    participating,
    draw,
    council,
    responsiveness,
    influence,
    size,
    spillover,
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
    otl,
    otn,
    oef,
    heard,
    ignored,
    chunks,
):  # pragma: no cover - compiled
    """:func:`trust_voice_full` with its citizens split into ``chunks`` ranges on threads.

    Each range counts its heard and ignored per council apart; the counts (whole numbers,
    exact in floating point) are added range by range, so the record and every citizen's
    update are the bits :func:`trust_voice_full` gives, for any split.
    """
    n = tl.shape[0]
    k = size.shape[0]
    hs = np.zeros((chunks, k))
    gs = np.zeros((chunks, k))
    for r in prange(chunks):
        _heard_rows(
            r * n // chunks, (r + 1) * n // chunks, participating, draw, council,
            responsiveness, influence, heard, ignored, hs[r], gs[r],
        )  # fmt: skip
    record = np.empty(k)
    for c in range(k):
        h = 0.0
        g = 0.0
        for r in range(chunks):
            h += hs[r, c]
            g += gs[r, c]
        record[c] = spillover * ((h - g) / size[c] if size[c] > 0 else 0.0)
    for r in prange(chunks):
        _voice_rows(
            r * n // chunks, (r + 1) * n // chunks, participating, heard, council, record,
            heard_gain, ignored_loss, heard_eff, ignored_eff, youth_eff, land_eff, has_youth,
            youth, has_land, eligible, national_share, tl, tn, eff, otl, otn, oef,
        )  # fmt: skip


@njit(**_OPTS)
def services_step(
    budget0,
    multiplier,
    cut,
    mean_need,
    cooperation,
    keep_coop,
    cb_share,
    has_cb,
    participating,
    influence,
    need,
    groups,
    voice_share,
    keep_rho,
    rho,
    need_g,
    r,
    e,
    keep_overhead,
    bonus,
    council,
    central_factor,
    need_eff,
    need_positive,
    n_c,
    received,
    quality,
    new_share,
    budget,
    chunks,
):  # pragma: no cover - compiled
    """One month of services (``services.step``) in one call, the numpy rule's operations.

    Per council: ``B = ((b m) cut) n_bar``, ``s = clip(C keep + cb has_cb, 0, 1)``; the voiced
    need by group (:func:`services_voice`), its shares of each council's total (the five
    groups added in order), the voice memory ``(1 - rho) S + rho now`` where anyone spoke;
    then :func:`services_allocate` (on ``chunks`` ranges of citizens on threads:
    :func:`services_allocate_parallel`, if ``chunks > 0``).  Writes received and quality (per
    citizen), the new voice share (``k x 5``) and the budget per head (``k``) into the four
    arrays before ``chunks``; returns the need met in total.
    """
    k = budget0.shape[0]
    coop = np.empty(k)
    for c in range(k):
        budget[c] = budget0[c] * multiplier[c] * cut * mean_need[c]
        x = cooperation[c] * keep_coop + cb_share * (1.0 if has_cb[c] else 0.0)
        coop[c] = min(max(x, 0.0), 1.0)
    voice_g = services_voice(participating, influence, need, groups, k)
    for c in range(k):
        total = 0.0
        for q in range(5):
            total += voice_g[5 * c + q]
        for q in range(5):
            if total > 0:
                new_share[c, q] = keep_rho * voice_share[c, q] + rho * (voice_g[5 * c + q] / total)
            else:
                new_share[c, q] = voice_share[c, q]
    flat = new_share.ravel()
    per_need_g = np.zeros(5 * k)
    for g in range(5 * k):
        if need_g[g] > 0:
            per_need_g[g] = flat[g] / need_g[g]
    budget_n = np.empty(k)
    rest = np.empty(k)
    co_factor = np.empty(k)
    keep_s = np.empty(k)
    for c in range(k):
        budget_n[c] = budget[c] * n_c[c]
        rest[c] = 1 - r[c]
        co_factor[c] = keep_overhead * (1 + bonus * r[c]) * e[c]
        keep_s[c] = 1 - coop[c]
    if chunks > 0:
        return services_allocate_parallel(
            council, groups, need, central_factor, need_eff, budget, budget_n, per_need_g, r,
            rest, co_factor, coop, keep_s, e, need_positive, received, quality, chunks,
        )  # fmt: skip
    return services_allocate(
        council,
        groups,
        need,
        central_factor,
        need_eff,
        budget,
        budget_n,
        per_need_g,
        r,
        rest,
        co_factor,
        coop,
        keep_s,
        e,
        need_positive,
        received,
        quality,
    )


@njit(**_OPTS)
def election_votes(
    draw, p, ideology, position, trust_party, cooperative, efficacy, gumbel, w_d, w_t, w_c
):  # pragma: no cover - compiled
    """Who votes and for whom, and the votes per party, in one pass (``elections.step``).

    Citizen ``i`` votes when ``draw[i] < p[i]`` and chooses the first party with the largest
    ``-w_d |x_i - pos_j| + w_t T_ij + (w_c coop_j) E_i + gumbel_ij`` (numpy's
    ``choice_utility(...) + gumbel`` and ``argmax``, the same operations in the same order).
    Returns (votes, choice as int16, votes per party as int64).
    """
    n, k = gumbel.shape
    votes = np.empty(n, np.bool_)
    choice = np.empty(n, np.int16)
    counts = np.zeros(k, np.int64)
    for i in range(n):
        best = 0
        top = 0.0
        for j in range(k):
            u = -w_d * abs(ideology[i] - position[j]) + w_t * trust_party[i, j]
            u = u + w_c * cooperative[j] * efficacy[i]
            u = u + gumbel[i, j]
            if j == 0 or u > top:
                best = j
                top = u
        choice[i] = best
        v = draw[i] < p[i]
        votes[i] = v
        if v:
            counts[best] += 1
    return votes, choice, counts


@njit(**_OPTS)
def election_trust(tn, votes, choice, winner, bounce, penalty):  # pragma: no cover - compiled
    """Winners' voters gain trust, losers' voters lose it (bounded gain, clipped), one pass.

    The gain is ``bounce`` for a vote for ``winner``, ``-penalty`` for another vote, 0 for
    no vote, applied as :func:`sim.processes.trust_voice.bounded_gain` and clipped to [0, 1].
    Returns (trust_national, vote: the party voted for as int16, -1 for none).
    """
    n = tn.shape[0]
    out = np.empty(n)
    vote = np.empty(n, np.int16)
    for i in range(n):
        if votes[i]:
            g = (bounce if choice[i] == winner else 0.0) - (0.0 if choice[i] == winner else penalty)
            vote[i] = choice[i]
        else:
            g = 0.0 - 0.0
            vote[i] = -1
        x = tn[i]
        room = x if g < 0 else 1 - x
        t = room * g + x
        out[i] = min(max(t, 0.0), 1.0)
    return out, vote


@njit(**_OPTS)
def month_quiet(
    indptr,
    indices,
    start,
    table,
    inverse_degree,
    isolated,
    count_kind,
    citizen,
    codes,
    marks,
    council,
    has,
    counts,
    q_count,
    youth_idx,
    tenant_idx,
    need_g,
    need_positive,
    multiplier,
    coef,
    gov,
    chance_draw,
    stay_draw,
    draw,
    party,
    voice_share,
    dl,
    dn,
    both,
    block,
    means,
    csum,
    row,
    at,
    participating,
    tl,
    tn,
    el,
    en,
    eff,
    out,
    flags,
    new_share,
    budget,
):  # pragma: no cover - compiled
    """A quiet month in one call: the six kernels above in schedule order, the same bits.

    Calls :func:`participation_graph`, :func:`services_step`, :func:`trust_experience`,
    :func:`trust_voice_full`, :func:`social_degroot` and :func:`observe_groups` in the order
    of the model's schedule, each on the arrays the one before it wrote, as the model's
    processes do one call at a time (:mod:`sim.month` says when a month is quiet and how the
    inputs are packed: ``citizen``, ``codes``, ``marks``, ``council``, ``has``, ``counts``
    and the coefficients ``coef``, in :data:`sim.month.COEFFICIENTS` order).
    This month's state is written into ``out`` (7 x n: received, service quality,
    expectation local and national, efficacy, trust local and national) and ``flags``
    (3 x n: participating, heard, ignored), the voice share into ``new_share`` and the
    budget per head into ``budget``; trust in the governing party changes in ``party`` in
    place.  Returns the need met in total, the participants and those heard.
    """
    n = tl.shape[0]
    theta0, youth_cut, opp, need, influence, central_factor, need_eff = (
        citizen[0], citizen[1], citizen[2], citizen[3], citizen[4], citizen[5], citizen[6]
    )  # fmt: skip
    groups, codes_council, quintile = codes[0], codes[1], codes[2]
    youth, eligible = marks[0], marks[1]
    budget0, mean_need, cooperation = council[0], council[1], council[2]
    responsiveness, efficiency, n_c = council[3], council[4], council[5]
    has_cb, has_youth, has_land = has[0], has[1], has[2]
    size, c_count = counts[0], counts[1]
    part = flags[0]
    participation_graph(
        indptr, indices, start, table, count_kind, theta0, eff, tl, youth_cut, coef[0], coef[1],
        chance_draw, opp, participating, stay_draw, coef[2], part, 0,
    )  # fmt: skip
    received = out[0]
    quality = out[1]
    met_total = services_step(
        budget0, multiplier, coef[3], mean_need, cooperation, coef[4], coef[5], has_cb, part,
        influence, need, groups, voice_share, coef[6], coef[7], need_g, responsiveness,
        efficiency, coef[8], coef[9], codes_council, central_factor, need_eff, need_positive,
        n_c, received, quality, new_share, budget, 0,
    )  # fmt: skip
    tl1 = np.empty(n)
    tn1 = np.empty(n)
    trust_experience(
        tl, tn, el, en, quality, coef[10], coef[11], coef[12], coef[13], coef[14], party, gov,
        tl1, tn1, out[2], out[3],
    )  # fmt: skip
    tl2 = np.empty(n)
    tn2 = np.empty(n)
    heard = flags[1]
    trust_voice_full(
        part, draw, codes_council, responsiveness, influence, size, coef[15], coef[16],
        coef[17], coef[18], coef[19], coef[20], coef[21], has_youth, youth, has_land, eligible,
        coef[22], tl1, tn1, eff, tl2, tn2, out[4], heard, flags[2],
    )  # fmt: skip
    social_degroot(
        indptr, indices, inverse_degree, both, isolated, tl2, tn2, coef[23], coef[24],
        coef[26] > 0, coef[25], coef[26], dl, dn, coef[27], coef[28], out[5], out[6],
    )  # fmt: skip
    total, n_heard = observe_groups(
        out[5], out[6], part, out[4], quality, quintile, q_count, youth_idx, tenant_idx,
        codes_council, c_count, block, means, csum, heard, row, at, np.empty(0),
    )  # fmt: skip
    return met_total, total, n_heard


@njit(**_OPTS)
def months_quiet(
    indptr,
    indices,
    start,
    table,
    inverse_degree,
    isolated,
    count_kind,
    citizen,
    codes,
    marks,
    council,
    has,
    counts,
    q_count,
    youth_idx,
    tenant_idx,
    need_g,
    need_positive,
    multiplier,
    coef,
    gov,
    part_draws,
    voice_draws,
    party,
    voice_share,
    dl,
    dn,
    both,
    block,
    means,
    at,
    participating,
    tl,
    tn,
    el,
    en,
    eff,
    performance,
    recover,
    baseline,
    rate,
    news,
    spent,
    template,
    fixed,
    rows,
    csums,
):  # pragma: no cover - compiled
    """Months of :func:`month_quiet` in one call, each observed into its row of ``rows``.

    Month ``j`` first moves national performance on as the events process does (when
    ``recover``: the process is on), reads its draws from ``part_draws[j]`` (the
    participation stream's chance and stay draws, 2 x n) and ``voice_draws[j]``, then runs
    :func:`month_quiet` on the state the month before left.  Its metrics row is
    ``template`` at the positions ``fixed`` (what a quiet month does not change), the group
    means, and at ``at[8:11]`` value for money (``met / spent``, 0 if nothing was spent),
    the heard share and national performance;
    its council means go into ``csums[j]``.  Returns this last month's state (``out``,
    ``flags``, the voice share), national performance, and each month's value for money.
    """
    n = tl.shape[0]
    k = voice_share.shape[0]
    months = rows.shape[0]
    vfm = np.empty(months)
    c = coef.copy()
    out = np.empty((7, n))
    flags = np.empty((3, n), dtype=np.bool_)
    for j in range(months):
        if recover:  # the events process: P + r (P0 - P)
            performance = performance + rate * (baseline - performance)
        c[10] = performance + news
        out = np.empty((7, n))
        flags = np.empty((3, n), dtype=np.bool_)
        new_share = np.empty((k, 5))
        budget = np.empty(k)
        row = rows[j]
        met, parts, heard = month_quiet(
            indptr, indices, start, table, inverse_degree, isolated, count_kind, citizen,
            codes, marks, council, has, counts, q_count, youth_idx, tenant_idx, need_g,
            need_positive, multiplier, c, gov, part_draws[j, 0], part_draws[j, 1],
            voice_draws[j], party, voice_share, dl, dn, both, block, means, csums[j], row, at,
            participating, tl, tn, el, en, eff, out, flags, new_share, budget,
        )  # fmt: skip
        for p in fixed:
            row[p] = template[p]
        vfm[j] = met / spent if spent > 0 else 0.0
        row[at[8]] = vfm[j]
        row[at[9]] = heard / parts if parts else 0.0
        row[at[10]] = performance
        participating, tl, tn = flags[0], out[5], out[6]
        el, en, eff = out[2], out[3], out[4]
        voice_share = new_share
    return out, flags, voice_share, performance, vfm
