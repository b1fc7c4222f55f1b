"""External checks: OR-Library optima, and Parisi's formula for i.i.d. Exp(1) costs."""

import numpy as np
import pytest

import markets
from markets import read_orlib_assignment, stable_outcome, verify_outcome

# known optima from the data README (Beasley's OR-Library)
OPTIMA = {"assign100.txt": 305, "assign500.txt": 991, "assign600.txt": 1176, "assign700.txt": 1362}


@pytest.mark.parametrize("backend", markets.available_backends())
@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_orlib_known_optima(shared_data, name, backend):
    cost = read_orlib_assignment(shared_data / "orlib-assign" / name)
    n = cost.shape[0]
    assert cost.shape == (n, n) and cost.min() >= 1 and cost.max() <= 100
    k = 101  # above every cost, so every pair is worth forming
    o = stable_outcome(k - cost, backend=backend)
    assert len(o.matching) == n
    assert round(n * k - o.welfare) == OPTIMA[name]
    assert int(cost[o.matching[:, 0], o.matching[:, 1]].sum()) == OPTIMA[name]
    assert verify_outcome(k - cost, o) == pytest.approx(n * k - OPTIMA[name])


@pytest.mark.parametrize("n, reps", [(10, 2000), (60, 400)])
def test_parisi_mean_exp1_assignment_cost(n, reps):
    rng = np.random.default_rng(20240601 + n)
    costs = np.empty(reps)
    for r in range(reps):
        c = rng.exponential(1.0, size=(n, n))
        k = c.max() + 1.0
        o = stable_outcome(k - c)
        costs[r] = n * k - o.welfare
    parisi = float(np.sum(1.0 / np.arange(1, n + 1) ** 2))
    half_width = 4.0 * costs.std(ddof=1) / np.sqrt(reps)  # ~4 sigma: a real bias would show
    assert abs(costs.mean() - parisi) <= half_width, (costs.mean(), parisi, half_width)
    assert half_width < 0.05  # the interval is tight enough to mean something
