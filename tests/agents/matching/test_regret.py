"""Statistical regret claims on the default market (few replications; the margins are wide)."""

import numpy as np

from agents.matching import EpsilonGreedy, ExploreThenCommit, MatchUCB, random_market, run_bandit

HORIZONS = (500, 1000, 2000, 4000, 8000)
REPS = 2


def slope(x, y):
    # written here, not imported from the scenario, so the test does not trust the code it checks
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def test_matchucb_regret_is_sublinear_and_beats_the_baselines_at_8000():
    market = random_market()  # the default market: 5 x 5, unstructured, Gaussian noise sigma = 0.5
    m, n = market.shape
    # the width for the market's noise (what a learner built for its BanditEnv takes)
    ucb = [np.mean([run_bandit(market, MatchUCB(m, n, horizon=T, sigma=market.sigma), T, rng=100 + r).instability.sum()
                    for r in range(REPS)]) for T in HORIZONS]
    s = slope(HORIZONS, ucb)
    assert s < 0.75, (s, ucb)
    T = HORIZONS[-1]
    etc = np.mean([run_bandit(market, ExploreThenCommit(m, n, horizon=T), T, rng=200 + r).instability.sum()
                   for r in range(REPS)])
    eps = np.mean([run_bandit(market, EpsilonGreedy(m, n, horizon=T, rng=r), T, rng=300 + r).instability.sum()
                   for r in range(REPS)])
    assert ucb[-1] < etc, (ucb[-1], etc)
    assert ucb[-1] < eps, (ucb[-1], eps)
