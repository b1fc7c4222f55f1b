"""Cold-start equilibrium: consistency of the fixed point, convergence reporting, interventions, bad input.

The consistency tests recompute the platform's Bayesian beliefs and posterior
from the equilibrium strategies with independent code (explicit loops, scipy
quadrature or Monte Carlo) and the users' responses from
:meth:`EngagementModel.cost` one action at a time.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

from agents.strategic import ACTIONS, EngagementModel, default_types, make_catalog, read_signal, sample_users
from agents.strategic.equilibrium import (
    ColdStartGame,
    cold_start_menu,
    naive_platform,
    sincere_play,
    solve_equilibrium,
)
from sim.errors import InputTypeError, ValidationError


def _random_game(seed, *, n_users=12, menu_size=1, temperature=0.05, nodes=40, **kwargs):
    rng = np.random.default_rng(seed)
    catalog = make_catalog(6, noise=0.3, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, n_users, rng=rng)
    type_idx[:2] = [0, 1]  # every type present
    V = np.array([catalog.values(t.centroid) for t in types])
    shares = np.array([t.share for t in types])
    menu = cold_start_menu(V, shares, menu_size, kind="popular")
    return ColdStartGame(thetas @ catalog.features.T, type_idx, V, menu=menu, type_shares=shares,
                         engagement=EngagementModel(like_at=1.2), temperature=temperature, nodes=nodes, **kwargs)


def _beliefs_by_loop(game, choice):
    """b_tau(a) = mean over type-tau users of their probability of profile a (explicit loops)."""
    b = np.zeros((game.n_types, len(game.profiles)))
    counts = np.zeros(game.n_types)
    for u in range(game.n_users):
        b[game.types[u]] += choice[u]
        counts[game.types[u]] += 1
    return b / counts[:, None]


def _profile_signals(game, a):
    return [read_signal(ACTIONS[game.profiles[a][j]], game.alpha) for j in range(len(game.menu))]


def _posterior(game, beliefs, y, read):
    """q'(y) by Bayes' rule with scipy's normal density, over the read menu positions."""
    S = np.array([_profile_signals(game, a) for a in range(len(game.profiles))])[:, list(read)]  # (A, D)
    dens = np.prod(norm.pdf(np.asarray(y, dtype=float)[None, :], S, game.noise), axis=1)  # (A,)
    post = game.type_shares * (beliefs @ dens)
    post /= post.sum()
    return (1 - game.prior_weight) * post + game.prior_weight * game.type_shares


def _logit_responses(game, table):
    """Users' logit responses, payoffs summed item by item with EngagementModel.cost."""
    out = np.zeros((game.n_users, len(game.profiles)))
    for u in range(game.n_users):
        pay = np.zeros(len(game.profiles))
        for a, prof in enumerate(game.profiles):
            for j, k in enumerate(game.menu):
                v = game.values[u, k]
                pay[a] += v - game.engagement.cost(ACTIONS[prof[j]], game.engagement.natural(v))
            pay[a] += game.rounds * sum(table[a, tau] * game.values[u, game.type_values[tau].argmax()]
                                        for tau in range(game.n_types))
        z = np.exp((pay - pay.max()) / game.temperature)
        out[u] = z / z.sum()
    return out


@settings(max_examples=5)
@given(seed=st.integers(0, 2**32 - 1), prior_weight=st.sampled_from([0.0, 0.3]))
def test_fixed_point_beliefs_reproduce_the_strategies_one_item(seed, prior_weight):
    game = _random_game(seed, prior_weight=prior_weight)
    eq = solve_equilibrium(game, tol=1e-10)
    # about 3% of random games still cycle within the iteration budget; those must say so
    assert eq.converged == (eq.residual <= 1e-10)
    assume(eq.converged)
    # the beliefs are what the strategies make each type do
    np.testing.assert_allclose(_beliefs_by_loop(game, eq.choice), eq.beliefs, atol=1e-9)
    # the posterior table from those beliefs, integrated by scipy.quad over y ~ N(s(a), noise^2)
    beliefs = _beliefs_by_loop(game, eq.choice)
    table = np.zeros_like(eq.table)
    for a in range(len(game.profiles)):
        s = _profile_signals(game, a)[0]
        for tau in range(game.n_types):
            table[a, tau] = integrate.quad(
                lambda y, tau=tau, s=s: _posterior(game, beliefs, [y], [0])[tau] * norm.pdf(y, s, game.noise),
                s - 10 * game.noise, s + 10 * game.noise, epsabs=1e-12, limit=200)[0]
    np.testing.assert_allclose(eq.table, table, atol=1e-4)  # 40-node Gauss-Hermite against adaptive quadrature
    # and the strategies are the users' responses to that posterior (a 1e-4 change in Q moves them < 5e-3)
    np.testing.assert_allclose(eq.choice, _logit_responses(game, table), atol=5e-3)


def test_fixed_point_beliefs_reproduce_the_strategies_two_items():
    game = _random_game(3, n_users=10, menu_size=2, nodes=20)
    eq = solve_equilibrium(game, tol=1e-10)
    assert eq.converged
    beliefs = _beliefs_by_loop(game, eq.choice)
    np.testing.assert_allclose(beliefs, eq.beliefs, atol=1e-9)
    # Monte Carlo over the observation noise for the profiles the users actually play
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4000, 2))
    played = np.unique(eq.choice.argmax(axis=1))
    for a in played:
        s = np.array(_profile_signals(game, a))
        mc = np.mean([_posterior(game, beliefs, s + game.noise * zi, [0, 1]) for zi in z[:1500]], axis=0)
        np.testing.assert_allclose(eq.table[a], mc, atol=0.03)


def test_best_responses_at_temperature_zero_are_argmax_of_independent_payoffs():
    game = _random_game(5, temperature=0.0, nodes=30)
    eq = solve_equilibrium(game, max_iterations=300)
    pay = np.zeros((game.n_users, len(game.profiles)))
    for u, a in itertools.product(range(game.n_users), range(len(game.profiles))):
        k = game.menu[0]
        v = game.values[u, k]
        pay[u, a] = (v - game.engagement.cost(ACTIONS[game.profiles[a][0]], game.engagement.natural(v))
                     + game.rounds * game.values[u, game.favourites] @ eq.table[a])
    np.testing.assert_array_equal(eq.choice.argmax(axis=1), pay.argmax(axis=1))
    # reporting: a residual that reached tol, or an honest False
    assert eq.converged == (eq.residual <= 1e-10)


def test_convergence_reporting():
    game = _random_game(11)
    start = game.sincere_beliefs()
    naive = naive_platform(game)
    target = _beliefs_by_loop(game, game.responses(game.posterior_table(start)))
    assert naive.iterations == 0
    assert naive.residual == pytest.approx(np.abs(target - start).max(), abs=1e-12)
    assert naive.converged is False and naive.residual > 0.1  # strategic users are not sincere
    eq = solve_equilibrium(game, tol=1e-8)
    assert eq.converged and eq.residual <= 1e-8
    assert len(eq.residuals) == eq.iterations + 1 and eq.residuals[-1] == eq.residual
    assert eq.residuals[0] == pytest.approx(naive.residual)
    short = solve_equilibrium(game, tol=1e-8, max_iterations=2)
    assert short.iterations == 2 and not short.converged and short.residual > 1e-8


def test_one_type_has_nothing_to_signal():
    """With a single type the posterior is 1 whatever the signal: natural engagement, consistent at once."""
    values = np.array([[0.9, -0.3], [0.2, 0.5], [1.3, 0.0]])
    game = ColdStartGame(values, [0, 0, 0], [[0.8, 0.1]], menu=[0, 1], temperature=0.0)
    eq = solve_equilibrium(game)
    assert eq.iterations == 0 and eq.residual == 0.0 and eq.converged
    np.testing.assert_array_equal(eq.choice, game.sincere_choice())
    np.testing.assert_allclose(eq.table, 1.0)


def test_interventions_prior_weight_one_and_ignored_menu():
    game = _random_game(2, prior_weight=1.0, temperature=0.0)
    np.testing.assert_allclose(game.posterior_table(game.sincere_beliefs()),
                               np.tile(game.type_shares, (len(game.profiles), 1)))
    # nothing read: the signals are worthless, so best responses are natural engagement
    ignored = _random_game(2, temperature=0.0, ignored=_random_game(2).menu)
    eq = solve_equilibrium(ignored)
    np.testing.assert_array_equal(eq.choice, ignored.sincere_choice())
    np.testing.assert_allclose(eq.table, np.tile(ignored.type_shares, (len(ignored.profiles), 1)))


def test_cold_start_menu_kinds():
    V = np.array([[0.9, 0.8, 0.7, -0.5], [-0.2, 0.1, 0.3, 0.9]])
    pi = [0.8, 0.2]
    assert cold_start_menu(V, pi, 3) == [0, 1, 2]               # population means 0.68, 0.66, 0.62, -0.22
    assert cold_start_menu(V, pi, 3, kind="types") == [0, 3, 1]
    assert cold_start_menu(V, pi, 1, kind="types") == [0]


def test_minorities_accentuate_their_difference_in_equilibrium():
    """Haupt et al.'s finding in this model: minorities signal below sincere on mainstream content."""
    rng = np.random.default_rng(0)
    catalog = make_catalog(10, noise=0.3, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, 80, rng=rng)
    V = np.array([catalog.values(t.centroid) for t in types])
    shares = np.array([t.share for t in types])
    menu = cold_start_menu(V, shares, 2)
    assert all(catalog.genres[k] == 0 for k in menu)
    game = ColdStartGame(thetas @ catalog.features.T, type_idx, V, menu=menu, type_shares=shares,
                         engagement=EngagementModel(like_at=1.2))
    eq = solve_equilibrium(game)
    out, sincere = eq.outcome(), sincere_play(game).outcome()
    minority = type_idx == 1
    assert eq.converged
    assert (out.signals - out.sincere)[minority].mean() < -0.1
    assert (out.signals - out.sincere)[~minority].mean() > 0.1
    assert out.posterior[minority, 1].mean() > sincere.posterior[minority, 1].mean()


def test_outcome_identities():
    game = _random_game(4)
    out = sincere_play(game).outcome()
    np.testing.assert_allclose(out.signals, out.sincere)
    np.testing.assert_allclose(out.signal_engagement, out.sincere_engagement)
    np.testing.assert_allclose(out.recommended.sum(axis=1), 1.0)
    np.testing.assert_allclose(out.posterior.sum(axis=1), 1.0)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"noise": 0.0}, ValidationError, "noise must be > 0"),
    ({"alpha": 1.5}, ValidationError, "alpha"),
    ({"rounds": 0}, ValidationError, "rounds must be >= 1"),
    ({"prior_weight": -0.1}, ValidationError, "prior_weight"),
    ({"temperature": -1.0}, ValidationError, "temperature must be >= 0"),
    ({"nodes": 0}, ValidationError, "nodes"),
    ({"menu": [0, 0]}, ValidationError, "menu must be 1 to 3 distinct items, got [0, 0]"),
    ({"menu": [0, 1, 2, 3]}, ValidationError, "menu must be 1 to 3"),
    ({"menu": [7]}, ValidationError, "menu must be in [0, 2], got 7"),
    ({"menu": 0}, InputTypeError, "menu must be a sequence"),
    ({"types": [0, 0]}, ValidationError, "got none of type [1]"),
    ({"types": [0, 2]}, ValidationError, "types must be integers in 0..1, got [0, 2]"),
    ({"type_shares": [0.5, 0.6]}, ValidationError, "type_shares must be positive and sum to 1"),
    ({"values": [[0.1, 0.2]]}, ValidationError, "values must have shape"),
    ({"values": [[np.nan, 0, 0], [0, 0, 0]]}, ValidationError, "values must be finite"),
    ({"engagement": "natural"}, InputTypeError, "engagement must be an EngagementModel, got str"),
    ({"nodes": 40, "menu": [0, 1, 2]}, ValidationError, "quadrature entries"),
])
def test_bad_game_input(kwargs, error, text):
    args = {"values": [[0.5, 0.1, -0.2], [0.0, 0.9, 0.4]], "types": [0, 1],
            "type_values": [[0.5, 0.1, -0.2], [0.0, 0.9, 0.4]], "menu": [0]}
    args.update(kwargs)
    with pytest.raises(error) as info:
        ColdStartGame(args.pop("values"), args.pop("types"), args.pop("type_values"), **args)
    assert text in str(info.value)


def test_bad_solver_input():
    game = ColdStartGame([[0.5, 0.1], [0.0, 0.9]], [0, 1], [[0.5, 0.1], [0.0, 0.9]], menu=[0])
    with pytest.raises(InputTypeError, match="game must be a ColdStartGame, got str"):
        solve_equilibrium("game")
    with pytest.raises(ValidationError, match=r"tol must be > 0"):
        solve_equilibrium(game, tol=0.0)
    with pytest.raises(ValidationError, match=r"max_iterations must be >= 0, got -1"):
        solve_equilibrium(game, max_iterations=-1)
    with pytest.raises(ValidationError, match=r"beliefs must have shape \(2, 9\)"):
        solve_equilibrium(game, start=np.ones((2, 3)))
    with pytest.raises(ValidationError, match="beliefs must be distributions"):
        solve_equilibrium(game, start=np.ones((2, 9)))
    with pytest.raises(ValidationError, match="kind must be one of"):
        cold_start_menu([[0.1, 0.2]], [1.0], 1, kind="random")
    with pytest.raises(ValidationError, match=r"size must be in \[1, 2\], got 3"):
        cold_start_menu([[0.1, 0.2]], [1.0], 3)
    assert math.isfinite(naive_platform(game).residual)
