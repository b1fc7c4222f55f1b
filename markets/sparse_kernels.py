r"""Compiled kernels of sparse markets: a maximum-weight b-matching with duals, and core extremes.

A sparse market lists its edges (pairs that can match) customer by customer
(CSR: ``indptr``, ``indices``, ``weights``). These kernels take only edges of
positive surplus (a pair of surplus :math:`\le 0` is never worth forming and,
with non-negative payoffs, never blocks) and strictly positive capacities
(a provider without seats has no edges). They do not validate their input; the
validating API is :func:`markets.stable_outcome`.

:func:`sparse_bmatching`
    Successive shortest paths for the min-cost flow: source :math:`\to`
    customer :math:`i` (capacity 1), :math:`i \to j` (cost :math:`-w_{ij}`),
    :math:`i \to t` (cost 0: stay single), :math:`j \to t` (capacity
    :math:`c_j`, cost 0). With node potentials :math:`\varphi` and
    :math:`\varphi_t = 0`, write :math:`p_i = \varphi_i` and
    :math:`q_j = -\varphi_j`. Reduced costs are then the slacks
    :math:`p_i + q_j - w_{ij}` of unmatched edges, 0 on matched ones (kept
    tight), :math:`p_i` for a customer's "stay single" edge and :math:`-q_j`
    for a provider's free seat. Customers are inserted one at a time: the new
    customer's potential is set to its best net offer
    :math:`\max(0, \max_j w_{ij} - q_j)` (so its edges have non-negative reduced
    cost), a Dijkstra search over the residual graph (only providers enter the
    heap: a matched customer is reached at its provider's distance through its
    tight matched edge) finds the cheapest way to the sink (a free seat, or a
    matched customer leaving to stay single), the path is augmented and the
    potentials of the settled nodes are lowered by ``D - d`` (Jonker-Volgenant's
    update: reduced costs stay non-negative, matched edges stay tight). At the
    end every residual reduced cost is :math:`\ge 0`, which is dual
    feasibility :math:`p_i + q_j \ge w_{ij}`, :math:`p \ge 0`; free seats have
    :math:`q_j \le 0` and are set to 0 (raising a payoff keeps feasibility).
    Cost: one Dijkstra per customer, :math:`O(m (E + n) \log n)` in the worst
    case and near :math:`O(E \log d)` when most customers find a free seat at
    once; memory :math:`O(E + m + n)`.
:func:`sparse_lower_side`
    The Dijkstra of :mod:`markets.extremes` over edges only: lowering one
    side's payoffs as far as the core allows, from a core point whose slacks
    are the (non-negative) edge weights.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .jit import jit

__all__ = ["sparse_bmatching", "sparse_lower_side"]


@jit
def _sift_up(heap, pos, key, k):
    node = heap[k]
    d = key[node]
    while k > 0:
        parent = (k - 1) >> 1
        pn = heap[parent]
        if key[pn] <= d:
            break
        heap[k] = pn
        pos[pn] = k
        k = parent
    heap[k] = node
    pos[node] = k


@jit
def _sift_down(heap, pos, key, k, size):
    node = heap[k]
    d = key[node]
    while True:
        child = 2 * k + 1
        if child >= size:
            break
        if child + 1 < size and key[heap[child + 1]] < key[heap[child]]:
            child += 1
        cn = heap[child]
        if key[cn] >= d:
            break
        heap[k] = cn
        pos[cn] = k
        k = child
    heap[k] = node
    pos[node] = k


@jit
def _pop(heap, pos, key, size):
    top = heap[0]
    pos[top] = -1
    size -= 1
    if size > 0:
        heap[0] = heap[size]
        pos[heap[0]] = 0
        _sift_down(heap, pos, key, 0, size)
    return top, size


@jit
def _slot_add(slots, slot_of, slot_ptr, load, j, c):
    k = slot_ptr[j] + load[j]
    slots[k] = c
    slot_of[c] = k
    load[j] += 1


@jit
def _slot_remove(slots, slot_of, slot_ptr, load, j, c):
    last = slot_ptr[j] + load[j] - 1
    k = slot_of[c]
    moved = slots[last]
    slots[k] = moved
    slot_of[moved] = k
    slot_of[c] = -1
    load[j] -= 1


@jit
def sparse_bmatching(n: int, indptr: NDArray[np.int64], indices: NDArray[np.int64], weights: NDArray[np.float64],
                     capacities: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                              NDArray[np.float64]]:
    """Maximum-weight b-matching of a sparse market with core payoffs (duals).

    Parameters
    ----------
    n : int
        Number of providers.
    indptr, indices, weights : ndarray
        CSR edges by customer (``m = len(indptr) - 1``): provider ``indices[e]``
        and surplus ``weights[e] > 0`` for ``e`` in ``indptr[i]:indptr[i + 1]``,
        at most one edge per pair. Moderate finite weights (the validating API
        scales them into ``[0, 1)``).
    capacities : ndarray of int64, shape (n,)
        Seats per provider, all ``>= 1``.

    Returns
    -------
    partner : ndarray of int64, shape (m,)
        Provider of each customer, -1 if single.
    p, q : ndarray of float64
        Customer payoffs and per-seat provider payoffs: :math:`p, q \\ge 0`,
        :math:`p_i + q_j \\ge w_{ij}` on every edge up to rounding, exact
        complementary slackness (:math:`p_i + q_j = w_{ij}` on matched pairs,
        0 for single customers and for providers with a free seat).

    Examples
    --------
    >>> import numpy as np
    >>> partner, p, q = sparse_bmatching(2, np.array([0, 2, 3]), np.array([0, 1, 0]),
    ...                                  np.array([0.5, 0.25, 0.375]), np.array([1, 1]))
    >>> partner.tolist(), float(p.sum() + q.sum())
    ([1, 0], 0.625)
    """
    m = len(indptr) - 1
    partner = np.full(m, -1, np.int64)
    p = np.zeros(m)
    q = np.zeros(n)
    # seat slots: provider j can hold at most min(c_j, degree_j) customers
    deg = np.zeros(n, np.int64)
    for e in range(len(indices)):
        deg[indices[e]] += 1
    slot_ptr = np.zeros(n + 1, np.int64)
    for j in range(n):
        slot_ptr[j + 1] = slot_ptr[j] + min(capacities[j], deg[j])
    slots = np.full(slot_ptr[n], -1, np.int64)
    slot_of = np.full(m, -1, np.int64)
    load = np.zeros(n, np.int64)
    # Dijkstra state, reset after each search over the touched entries only
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, np.int64)
    done = np.zeros(n, np.bool_)
    heap = np.empty(n, np.int64)
    pos = np.full(n, -1, np.int64)
    touched = np.empty(n, np.int64)
    settled = np.empty(n, np.int64)
    scanned = np.empty(m, np.int64)
    sdist = np.empty(m)
    for i0 in range(m):
        lo, hi = indptr[i0], indptr[i0 + 1]
        best = 0.0
        for e in range(lo, hi):
            v = weights[e] - q[indices[e]]
            if v > best:
                best = v
        if best <= 0.0:
            continue  # no offer beats staying single
        p[i0] = best
        n_touched = 0
        n_settled = 0
        n_scanned = 0
        size = 0
        D = best  # i0 -> t: stay single
        end_kind = 0  # 0: a customer leaves to stay single, 1: a free seat
        end = i0
        # scan i0 at distance 0
        scanned[n_scanned] = i0
        sdist[n_scanned] = 0.0
        n_scanned += 1
        for e in range(lo, hi):
            j = indices[e]
            rc = best + q[j] - weights[e]
            if rc < 0.0:
                rc = 0.0
            if rc < dist[j]:
                if dist[j] == np.inf:
                    touched[n_touched] = j
                    n_touched += 1
                dist[j] = rc
                pred[j] = i0
                if pos[j] < 0:
                    heap[size] = j
                    pos[j] = size
                    size += 1
                _sift_up(heap, pos, dist, pos[j])
        while size > 0:
            j = heap[0]
            dj = dist[j]
            if dj >= D:
                break
            j, size = _pop(heap, pos, dist, size)
            done[j] = True
            settled[n_settled] = j
            n_settled += 1
            if load[j] < capacities[j]:
                c = dj - q[j]
                if c < dj:
                    c = dj
                if c < D:
                    D = c
                    end_kind = 1
                    end = j
            for s in range(slot_ptr[j], slot_ptr[j] + load[j]):
                k = slots[s]
                scanned[n_scanned] = k
                sdist[n_scanned] = dj
                n_scanned += 1
                pk = p[k]
                c = dj + pk
                if c < D:
                    D = c
                    end_kind = 0
                    end = k
                for e in range(indptr[k], indptr[k + 1]):
                    j2 = indices[e]
                    if j2 == j or done[j2]:
                        continue
                    rc = pk + q[j2] - weights[e]
                    if rc < 0.0:
                        rc = 0.0
                    nd = dj + rc
                    if nd < dist[j2]:
                        if dist[j2] == np.inf:
                            touched[n_touched] = j2
                            n_touched += 1
                        dist[j2] = nd
                        pred[j2] = k
                        if pos[j2] < 0:
                            heap[size] = j2
                            pos[j2] = size
                            size += 1
                        _sift_up(heap, pos, dist, pos[j2])
        # potentials of the settled nodes (all at distance < D)
        for t in range(n_settled):
            j = settled[t]
            gap = D - dist[j]
            if gap > 0.0:
                q[j] += gap
        for t in range(n_scanned):
            k = scanned[t]
            gap = D - sdist[t]
            if gap > 0.0:
                p[k] -= gap
        # augment along the path back to i0
        if end_kind == 0:
            if end == i0:
                p[i0] = 0.0
                cur = -1
            else:
                cur = partner[end]
                _slot_remove(slots, slot_of, slot_ptr, load, cur, end)
                partner[end] = -1
                p[end] = 0.0
        else:
            cur = end
        while cur >= 0:
            c = pred[cur]
            old = partner[c]
            if c != i0:
                _slot_remove(slots, slot_of, slot_ptr, load, old, c)
            _slot_add(slots, slot_of, slot_ptr, load, cur, c)
            partner[c] = cur
            if c == i0:
                break
            cur = old
        for t in range(n_touched):
            j = touched[t]
            dist[j] = np.inf
            done[j] = False
            pred[j] = -1
            pos[j] = -1
    # exact complementary slackness: free seats pay 0, matched pairs split their surplus along q
    for j in range(n):
        if load[j] < capacities[j] or q[j] < 0.0:
            q[j] = 0.0
    for j in range(n):
        for s in range(slot_ptr[j], slot_ptr[j] + load[j]):
            k = slots[s]
            for e in range(indptr[k], indptr[k + 1]):
                if indices[e] == j and weights[e] < q[j]:
                    q[j] = weights[e]
    for i in range(m):
        j = partner[i]
        if j < 0:
            p[i] = 0.0
        else:
            for e in range(indptr[i], indptr[i + 1]):
                if indices[e] == j:
                    p[i] = weights[e] - q[j]
                    break
    return partner, p, q


@jit
def sparse_lower_side(init: NDArray[np.float64], owner_ptr: NDArray[np.int64], owners: NDArray[np.int64],
                      adj_ptr: NDArray[np.int64], adj: NDArray[np.int64],
                      slack: NDArray[np.float64]) -> NDArray[np.float64]:
    """How far each node's payoff can fall inside the core: shortest paths over edges.

    Nodes ``b`` (the side being lowered) start at ``init[b]``. Lowering ``b``
    by ``d_b`` raises the payoff of each agent ``a`` in
    ``owners[owner_ptr[b]:owner_ptr[b + 1]]`` (its partners) by ``d_b``, which
    bounds every neighbour ``b2`` of ``a`` (``adj[adj_ptr[a]:adj_ptr[a + 1]]``)
    by ``d_b + slack`` of that edge. Returns the pointwise largest such ``d``
    (Dijkstra; slacks must be non-negative).

    Examples
    --------
    >>> import numpy as np
    >>> i64 = lambda *x: np.array(x, dtype=np.int64)
    >>> sparse_lower_side(np.array([1.0, 5.0]), i64(0, 1, 1), i64(0), i64(0, 2), i64(0, 1), np.array([0.0, 2.0]))
    array([1., 3.])
    """
    nb = len(init)
    d = init.copy()
    heap = np.empty(nb, np.int64)
    pos = np.full(nb, -1, np.int64)
    size = 0
    for b in range(nb):
        if d[b] < np.inf:
            heap[size] = b
            pos[b] = size
            size += 1
            _sift_up(heap, pos, d, size - 1)
    done = np.zeros(nb, np.bool_)
    used = np.zeros(len(adj_ptr) - 1, np.bool_)
    while size > 0:
        b, size = _pop(heap, pos, d, size)
        done[b] = True
        db = d[b]
        for o in range(owner_ptr[b], owner_ptr[b + 1]):
            a = owners[o]
            if used[a]:
                continue  # a later (larger) distance through the same agent bounds nothing new
            used[a] = True
            for e in range(adj_ptr[a], adj_ptr[a + 1]):
                b2 = adj[e]
                if done[b2]:
                    continue
                nd = db + slack[e]
                if nd < d[b2]:
                    d[b2] = nd
                    if pos[b2] < 0:
                        heap[size] = b2
                        pos[b2] = size
                        size += 1
                    _sift_up(heap, pos, d, pos[b2])
    return d
