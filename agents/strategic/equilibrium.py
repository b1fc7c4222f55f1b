"""Cold start with strategic users: the platform's beliefs in equilibrium, and interventions.

Haupt, Hadfield-Menell and Podimata, "Recommending to Strategic Users" (2023),
model strategic consumption as "a two-stage noisy signalling game between the
recommendation system and users: the recommendation system initially commits
to a recommendation policy, presents content to the users during a cold start
phase which the users choose to strategically consume in order to affect the
types of content they will be recommended in a recommendation phase" (their
abstract). They find that "in equilibrium, users engage in behaviors that
accentuate their differences to users of different preference profiles" and
that "(statistical) minorities out of fear of losing their minority content
exposition may not consume content that is liked by mainstream users", and
propose "three interventions that may improve recommendation quality (both on
average and for minorities) when taking into account strategic consumption:
(1) Adopting a recommendation system policy that uses preferences from a
prior, (2) Communicating to users that universally liked ("mainstream")
content will not be used as basis of recommendation, and (3) Serving content
that is personalized-enough yet expected to be liked in the beginning".

Only the abstract could be consulted here: the paper's own functional forms,
its equilibrium definition and the exact form of each intervention could not
be found, so the game below is this toolkit's instance of the abstract's
description, in the toolkit's engagement model
(:mod:`agents.strategic.engagement`), and each intervention is this toolkit's
reading of the abstract's sentence (stated at its parameter).

Model (this toolkit's definition)
---------------------------------
Users ``u = 1..N`` have item values ``v_uk`` and a type ``tau_u`` in
``0..G-1``; the platform knows the type shares ``pi`` and each type's mean
item values ``V_tau,k`` (from history), not the users' types.

- **Cold start.** The platform shows every user the same menu of ``L`` items
  ``x_1..x_L``. The user consumes each and engages by an action
  ``a_l`` (one of the nine :data:`~agents.strategic.engagement.ACTIONS`),
  earning ``v_u,x_l - c(a_l | v_u,x_l)`` (distortion cost from natural
  engagement). The platform reads ``s_l = alpha explicit + (1 - alpha) dwell``
  of each item not in ``ignored``, observed with noise:
  ``y_l = s_l + noise * z_l``, ``z ~ N(0, I)`` (the *noisy* signal).
- **Platform's beliefs.** A belief ``b`` is, for each type, a distribution
  ``b_tau(a)`` over action profiles ``a = (a_1..a_L)``: what it thinks users of
  type ``tau`` do. Its posterior after ``y`` is Bayes' rule,
  ``q_tau(y) ∝ pi_tau sum_a b_tau(a) prod_l phi((y_l - s_l(a)) / noise)``
  over the items it reads.
- **Recommendation phase.** For ``rounds`` steps it recommends the favourite
  item ``f_tau = argmax_k V_tau,k`` of a type drawn from
  ``q'(y) = (1 - prior_weight) q(y) + prior_weight pi`` (posterior sampling;
  this toolkit's choice of a policy). A user who chose profile ``a`` expects
  ``Q(a) = E_z[q'(s(a) + noise z)]`` (computed by Gauss-Hermite quadrature
  with ``nodes`` points per read item) and the payoff
  ``U_u(a) = sum_l [v_u,x_l - c(a_l | v_u,x_l)] + rounds sum_tau Q_tau(a) v_u,f_tau``.
  In the recommendation phase users engage naturally (nothing is left to steer).
- **Users' strategies.** Users respond to ``Q`` by the logit rule
  ``P_u(a) ∝ exp(U_u(a) / temperature)`` (``temperature = 0``: the best
  response, ties to the lowest profile index). As ``temperature -> 0`` logit
  responses become best responses; with ``temperature > 0`` the response map
  is continuous, so a fixed point exists (Brouwer), a logit (quantal response)
  equilibrium.
- **Equilibrium** (:func:`solve_equilibrium`): beliefs consistent with the
  users' strategies, ``b = F(b)`` with ``F(b)_tau(a) = mean_{u: tau_u = tau}
  P_u(a | Q(b))``. It is found by damped iteration
  ``b <- (1 - damping) b + damping F(b)`` from the naive beliefs, and the
  result reports its iterations, its residual ``max |F(b) - b|`` and whether
  the residual reached ``tol``. A platform is **naive**
  (:func:`naive_platform`) when its beliefs are the sincere ones
  (:meth:`ColdStartGame.sincere_beliefs`: every user engages naturally) while
  the users respond to it strategically; :func:`sincere_play` is the world
  without strategy (users natural, beliefs sincere, hence consistent).

Interventions (the abstract's three, as this toolkit reads them):

1. ``prior_weight`` in [0, 1]: the recommendation phase mixes the posterior
   with the prior ``pi`` ("uses preferences from a prior"), which lowers what
   cold-start signals are worth to the user.
2. ``ignored``: menu items whose signals the platform does not use, told to
   the users ("universally liked ('mainstream') content will not be used as
   basis of recommendation"); users know it, so on those items they engage
   naturally.
3. :func:`cold_start_menu` with ``kind="types"``: the menu holds each type's
   favourite item (each expected to be liked by the users it is for, and
   telling the types apart: "personalized-enough yet expected to be liked"),
   against ``kind="popular"``, the items with the highest population mean value.

Examples
--------
>>> import numpy as np
>>> from agents.strategic.equilibrium import ColdStartGame, solve_equilibrium, naive_platform
>>> values = np.array([[0.9, -0.6], [0.8, -0.5], [0.1, 0.9]])   # two mainstream users, one minority
>>> game = ColdStartGame(values, [0, 0, 1], [[0.85, -0.55], [0.1, 0.9]], menu=[0], rounds=4)
>>> eq = solve_equilibrium(game)
>>> eq.converged, eq.iterations <= 200, eq.residual <= 1e-9
(True, True, True)
>>> out = eq.outcome()
>>> np.round(out.posterior[:, 1], 2).tolist()    # the platform's expected posterior on "minority"
[0.03, 0.03, 0.94]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_array, check_choice, check_int, check_probability, check_real

from .content import MAX_ENTRIES
from .engagement import ACTIONS, EngagementModel, read_signal

__all__ = [
    "ColdStartGame",
    "ColdStartOutcome",
    "Equilibrium",
    "cold_start_menu",
    "naive_platform",
    "sincere_play",
    "solve_equilibrium",
]

#: Largest cold-start menu (9^L action profiles).
MAX_MENU = 3
_EXPLICIT = np.array([a.explicit for a in ACTIONS], dtype=float)
_DWELL = np.array([a.dwell for a in ACTIONS], dtype=float)


def cold_start_menu(type_values: ArrayLike, type_shares: ArrayLike, size: int, *, kind: str = "popular") -> list:
    """The cold-start menu: ``size`` distinct items.

    ``kind="popular"``: the items of highest population mean value
    ``sum_tau pi_tau V_tau,k``. ``kind="types"`` (intervention 3): each type's
    favourite item, the most common types first, then the most popular of the
    remaining items (a favourite already chosen is not repeated).

    Examples
    --------
    >>> V = [[0.9, 0.8, -0.5], [-0.2, 0.1, 0.9]]
    >>> cold_start_menu(V, [0.8, 0.2], 2), cold_start_menu(V, [0.8, 0.2], 2, kind="types")
    ([0, 1], [0, 2])
    """
    V = check_array("type_values", type_values, ndim=2, allow_empty=False)
    pi = _check_shares(type_shares, V.shape[0])
    size = check_int("size", size, low=1, high=V.shape[1])
    check_choice("kind", kind, ("popular", "types"))
    popular = [int(k) for k in np.argsort(-(pi @ V), kind="stable")]
    menu = []
    if kind == "types":
        for tau in np.argsort(-pi, kind="stable"):
            fav = int(np.argmax(V[tau]))
            if fav not in menu and len(menu) < size:
                menu.append(fav)
    menu += [k for k in popular if k not in menu][: size - len(menu)]
    return menu


def _check_shares(shares, n_types):
    pi = check_array("type_shares", shares, ndim=1, shape=(n_types,))
    if np.any(pi <= 0) or abs(pi.sum() - 1.0) > 1e-9:
        raise ValidationError(f"type_shares must be positive and sum to 1, got {pi.tolist()}")
    return pi


class ColdStartGame:
    """The two-stage cold-start game (see the module docstring).

    Parameters
    ----------
    values : array_like, shape (N, K)
        Item values of each user.
    types : array_like of int, shape (N,)
        Each user's type in ``0..G-1``; every type has at least one user.
    type_values : array_like, shape (G, K)
        The platform's mean item values per type (its favourite items ``f_tau``).
    menu : sequence of int
        The cold-start items, 1 to 3 distinct indices (see :func:`cold_start_menu`).
    type_shares : array_like, shape (G,), optional
        The platform's prior ``pi`` (positive, sums to 1; default: the users' type frequencies).
    engagement : EngagementModel, optional
        Natural engagement and distortion costs.
    alpha : float
        The platform's weight on explicit signals, in [0, 1].
    noise : float
        Standard deviation of the observation noise (> 0).
    rounds : int
        Steps of the recommendation phase (>= 1).
    prior_weight : float
        Weight of the prior in the recommendation phase, in [0, 1] (intervention 1).
    ignored : sequence of int
        Menu items whose signals the platform does not read, told to users (intervention 2).
    temperature : float
        Users' logit temperature (>= 0; 0: best responses).
    nodes : int
        Gauss-Hermite points per read item (1 to 40).
    """

    def __init__(self, values: ArrayLike, types: ArrayLike, type_values: ArrayLike, *, menu: Sequence[int],
                 type_shares: ArrayLike | None = None, engagement: EngagementModel | None = None,
                 alpha: float = 0.5, noise: float = 0.4, rounds: int = 5, prior_weight: float = 0.0,
                 ignored: Sequence[int] = (), temperature: float = 0.02, nodes: int = 12) -> None:
        V = check_array("type_values", type_values, ndim=2, allow_empty=False)
        G, K = V.shape
        v = check_array("values", values, ndim=2, shape=(None, K))
        if v.shape[0] == 0:
            raise ValidationError(f"values must hold at least one user, got shape {v.shape}")
        t = check_array("types", types, ndim=1, shape=(v.shape[0],))
        if np.any(t != np.round(t)) or np.any(t < 0) or np.any(t >= G):
            raise ValidationError(f"types must be integers in 0..{G - 1}, got {np.asarray(types).tolist()}")
        t = t.astype(int)
        missing = sorted(set(range(G)) - set(t.tolist()))
        if missing:
            raise ValidationError(f"types must give every type at least one user, got none of type {missing}")
        if isinstance(menu, (str, bytes)) or not hasattr(menu, "__iter__"):
            raise InputTypeError(f"menu must be a sequence of item indices, got {type(menu).__name__}")
        menu = list(menu)
        if not 1 <= len(menu) <= MAX_MENU:
            raise ValidationError(f"menu must be 1 to {MAX_MENU} distinct items, got {menu}")
        menu = [check_int("menu", k, low=0, high=K - 1) for k in menu]
        if len(set(menu)) != len(menu):
            raise ValidationError(f"menu must be 1 to {MAX_MENU} distinct items, got {menu}")
        if isinstance(ignored, (str, bytes)) or not hasattr(ignored, "__iter__"):
            raise InputTypeError(f"ignored must be a sequence of item indices, got {type(ignored).__name__}")
        ignored = [check_int("ignored", k, low=0, high=K - 1) for k in ignored]
        if engagement is None:
            engagement = EngagementModel()
        if not isinstance(engagement, EngagementModel):
            raise InputTypeError(f"engagement must be an EngagementModel, got {type(engagement).__name__}")
        self.alpha = check_probability("alpha", alpha)
        self.noise = check_real("noise", noise, low=0.0, low_open=True)
        self.rounds = check_int("rounds", rounds, low=1)
        self.prior_weight = check_probability("prior_weight", prior_weight)
        self.temperature = check_real("temperature", temperature, low=0.0)
        self.nodes = check_int("nodes", nodes, low=1, high=40)
        pi = np.bincount(t, minlength=G) / t.size if type_shares is None else _check_shares(type_shares, G)
        read = [j for j, k in enumerate(menu) if k not in ignored]
        # the quadrature kernel holds (distinct signal vectors)^2 x nodes^read entries
        n_signals = len({read_signal(a, self.alpha) for a in ACTIONS})
        entries = n_signals ** (2 * len(read)) * self.nodes ** len(read)
        if entries > MAX_ENTRIES:
            raise ValidationError(f"nodes={self.nodes} with {len(read)} read menu items would need {entries:.3g} "
                                  f"quadrature entries (more than {MAX_ENTRIES}); use fewer nodes or items")
        self.values, self.types, self.type_values, self.type_shares = v, t, V, pi
        self.menu, self.ignored, self.read = tuple(menu), tuple(ignored), tuple(read)
        self.engagement = engagement
        for arr in (v, t, V, pi):
            arr.setflags(write=False)
        self.favourites = np.argmax(V, axis=1)  # f_tau, ties to the lowest index
        L = len(menu)
        #: action index of each menu item in every profile, shape (9^L, L), profile 0 = all first actions
        self.profiles = np.array(list(itertools.product(range(len(ACTIONS)), repeat=L)), dtype=int)
        sig = np.array([read_signal(a, self.alpha) for a in ACTIONS])
        self.signals = sig[self.profiles]  # s_l(a), shape (A, L)
        vm = v[:, list(menu)]  # (N, L)
        nat = [[engagement.natural(float(x)) for x in row] for row in vm]
        self.natural_explicit = np.array([[e.explicit for e in row] for row in nat], dtype=float)
        self.natural_dwell = np.array([[e.dwell for e in row] for row in nat], dtype=float)
        cost = (engagement.explicit_cost * np.abs(_EXPLICIT[None, None, :] - self.natural_explicit[..., None])
                + engagement.dwell_cost * np.abs(_DWELL[None, None, :] - self.natural_dwell[..., None]) / 0.5)
        # cold-start payoff of every profile, U_cold[u, a] = sum_l v_ul - c(a_l | v_ul)
        self.cold_payoff = vm.sum(axis=1)[:, None] - sum(cost[:, j, self.profiles[:, j]] for j in range(L))
        natural_index = np.array([[ACTIONS.index(e) for e in row] for row in nat], dtype=int)
        self.natural_profile = natural_index @ (len(ACTIONS) ** np.arange(L - 1, -1, -1))
        self._kernel()

    @property
    def n_users(self) -> int:
        """Number of users ``N``."""
        return self.values.shape[0]

    @property
    def n_types(self) -> int:
        """Number of types ``G``."""
        return self.type_values.shape[0]

    def _kernel(self):
        """Gauss-Hermite nodes and the log kernel between distinct read signal vectors (beliefs-free)."""
        read = list(self.read)
        if not read:
            self._inverse = np.zeros(len(self.profiles), dtype=int)
            self._log_kernel = None
            return
        uniq, inverse = np.unique(self.signals[:, read], axis=0, return_inverse=True)
        self._inverse = inverse.reshape(-1)
        x, w = np.polynomial.hermite.hermgauss(self.nodes)
        D = len(read)
        z = np.sqrt(2.0) * np.array(list(itertools.product(x, repeat=D)))  # (M, D), z ~ N(0, I) nodes
        self._weights = np.prod(np.array(list(itertools.product(w, repeat=D))), axis=1) / np.pi ** (D / 2)
        y = uniq[:, None, :] + self.noise * z[None, :, :]  # (U, M, D)
        d2 = ((y[:, :, None, :] - uniq[None, None, :, :]) ** 2).sum(axis=3)  # (U, M, U)
        self._log_kernel = -d2 / (2 * self.noise**2)

    def check_beliefs(self, beliefs: ArrayLike) -> np.ndarray:
        """``beliefs`` as a (G, 9^L) array of distributions over action profiles, or an error."""
        b = check_array("beliefs", beliefs, ndim=2, shape=(self.n_types, len(self.profiles)))
        if np.any(b < 0) or np.any(np.abs(b.sum(axis=1) - 1.0) > 1e-9):
            raise ValidationError(f"beliefs must be distributions over profiles (rows >= 0 summing to 1), "
                                  f"got row sums {b.sum(axis=1).tolist()}")
        return b

    def sincere_beliefs(self) -> np.ndarray:
        """Beliefs of a platform that takes engagement as sincere: each type's natural profiles."""
        return self.beliefs_from(self.sincere_choice())

    def sincere_choice(self) -> np.ndarray:
        """Natural engagement as choice probabilities, shape (N, 9^L): one-hot on each user's natural profile."""
        choice = np.zeros((self.n_users, len(self.profiles)))
        choice[np.arange(self.n_users), self.natural_profile] = 1.0
        return choice

    def posterior_table(self, beliefs: ArrayLike) -> np.ndarray:
        """``Q(a) = E_z[q'(s(a) + noise z)]`` for every profile, shape (9^L, G) (rows sum to 1)."""
        b = self.check_beliefs(beliefs)
        pi = self.type_shares
        if self._log_kernel is None:
            return np.tile(pi, (len(self.profiles), 1))
        n_unique = self._log_kernel.shape[0]
        mass = np.zeros((self.n_types, n_unique))
        for tau in range(self.n_types):
            np.add.at(mass[tau], self._inverse, b[tau])
        with np.errstate(divide="ignore"):
            log_mass = np.log(mass)
        # log-likelihood of each node under each type, logsumexp over the signal vectors it believes in
        log_like = np.stack([logsumexp(self._log_kernel + log_mass[tau][None, None, :], axis=2)
                             for tau in range(self.n_types)], axis=2)  # (U, M, G)
        log_post = np.log(pi)[None, None, :] + log_like
        post = np.exp(log_post - logsumexp(log_post, axis=2, keepdims=True))
        expected = np.einsum("umg,m->ug", post, self._weights)
        expected /= expected.sum(axis=1, keepdims=True)  # quadrature weights sum to 1 up to rounding
        table = (1 - self.prior_weight) * expected + self.prior_weight * pi[None, :]
        return table[self._inverse]

    def payoffs(self, table: ArrayLike) -> np.ndarray:
        """``U_u(a)``, shape (N, 9^L): cold-start payoff plus ``rounds`` expected recommendation values."""
        Q = check_array("table", table, ndim=2, shape=(len(self.profiles), self.n_types))
        fav_values = self.values[:, self.favourites]  # (N, G)
        return self.cold_payoff + self.rounds * fav_values @ Q.T

    def responses(self, table: ArrayLike) -> np.ndarray:
        """Users' choice probabilities over profiles, shape (N, 9^L) (logit, or best responses at 0)."""
        U = self.payoffs(table)
        if self.temperature == 0:
            choice = np.zeros_like(U)
            choice[np.arange(U.shape[0]), np.argmax(U, axis=1)] = 1.0
            return choice
        z = (U - U.max(axis=1, keepdims=True)) / self.temperature
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def beliefs_from(self, choice: ArrayLike) -> np.ndarray:
        """Beliefs consistent with the strategies ``choice``: each type's mean choice distribution."""
        P = check_array("choice", choice, ndim=2, shape=(self.n_users, len(self.profiles)))
        return np.stack([P[self.types == tau].mean(axis=0) for tau in range(self.n_types)])

    def outcome(self, choice: ArrayLike, table: ArrayLike) -> ColdStartOutcome:
        """Per-user expected outcomes of strategies ``choice`` against the posterior table ``table``."""
        P = check_array("choice", choice, ndim=2, shape=(self.n_users, len(self.profiles)))
        Q = check_array("table", table, ndim=2, shape=(len(self.profiles), self.n_types))
        L, R = len(self.menu), self.rounds
        posterior = P @ Q  # (N, G): expected q' the user ends the cold start with
        recommended = np.zeros((self.n_users, self.values.shape[1]))
        for tau, f in enumerate(self.favourites):
            recommended[:, f] += posterior[:, tau]
        rec_value = (recommended * self.values).sum(axis=1)
        nat_signal = np.vectorize(lambda x: read_signal(self.engagement.natural(float(x)), self.alpha))
        rec_sincere = (recommended * nat_signal(self.values)).sum(axis=1)
        sincere = self.alpha * self.natural_explicit + (1 - self.alpha) * self.natural_dwell
        signals = P @ self.signals
        utility = ((P * self.cold_payoff).sum(axis=1) + R * rec_value) / (L + R)
        return ColdStartOutcome(
            signals=signals, sincere=sincere, posterior=posterior, recommended=recommended, utility=utility,
            sincere_engagement=(sincere.sum(axis=1) + R * rec_sincere) / (L + R),
            signal_engagement=(signals.sum(axis=1) + R * rec_sincere) / (L + R))


@dataclass(frozen=True)
class ColdStartOutcome:
    """Expected per-user outcomes (arrays over the ``N`` users).

    Attributes
    ----------
    signals, sincere : ndarray, shape (N, L)
        Expected signal on each menu item, and the natural (sincere) signal.
    posterior : ndarray, shape (N, G)
        Expected recommendation-phase type distribution ``E[q']``.
    recommended : ndarray, shape (N, K)
        Expected share of the recommendation phase each item gets.
    utility : ndarray, shape (N,)
        Expected utility per step over the cold start and the recommendation phase.
    sincere_engagement, signal_engagement : ndarray, shape (N,)
        Mean natural signal of the items shown, and mean signal read, per step
        (equal in the recommendation phase, where users engage naturally).
    """

    signals: np.ndarray
    sincere: np.ndarray
    posterior: np.ndarray
    recommended: np.ndarray
    utility: np.ndarray
    sincere_engagement: np.ndarray
    signal_engagement: np.ndarray


@dataclass(frozen=True)
class Equilibrium:
    """Beliefs, the posterior table and strategies, with how the iteration ended.

    Attributes
    ----------
    game : ColdStartGame
    beliefs : ndarray, shape (G, 9^L)
        The platform's beliefs ``b``.
    table : ndarray, shape (9^L, G)
        ``Q(a)`` under ``b``.
    choice : ndarray, shape (N, 9^L)
        Users' strategies (responses to ``table``).
    iterations : int
        Iterations run (0: the start was already a fixed point).
    residual : float
        ``max |F(b) - b|`` at the returned beliefs.
    converged : bool
        Whether ``residual <= tol``.
    residuals : tuple of float
        The residual at every iterate, the start first.
    """

    game: ColdStartGame
    beliefs: np.ndarray
    table: np.ndarray
    choice: np.ndarray
    iterations: int
    residual: float
    converged: bool
    residuals: tuple[float, ...] = ()

    def outcome(self) -> ColdStartOutcome:
        """The users' expected outcomes (see :meth:`ColdStartGame.outcome`)."""
        return self.game.outcome(self.choice, self.table)


def _check_game(game):
    if not isinstance(game, ColdStartGame):
        raise InputTypeError(f"game must be a ColdStartGame, got {type(game).__name__}")
    return game


def solve_equilibrium(game: ColdStartGame, *, damping: float = 0.5, tol: float = 1e-10,
                      max_iterations: int = 500, start: ArrayLike | None = None) -> Equilibrium:
    """The platform's beliefs consistent with the users' strategies, by damped fixed-point iteration.

    Iterates ``b <- (1 - damping) b + damping F(b)`` from ``start`` (default:
    the sincere beliefs, the naive platform) until ``max |F(b) - b| <= tol`` or
    ``max_iterations`` iterations; never raises for not converging: read
    ``converged`` and ``residual``.

    Parameters
    ----------
    game : ColdStartGame
    damping : float
        First step towards ``F(b)``, in (0, 1]; halved (down to 1e-3) whenever
        the residual grows, which stops the cycles logit responses can cause.
    tol : float
        Residual at which to stop (> 0).
    max_iterations : int
        Iteration budget (>= 0).
    start : array_like, shape (G, 9^L), optional
        Starting beliefs.

    Examples
    --------
    >>> import numpy as np
    >>> game = ColdStartGame([[1.0, -0.6], [-0.1, 0.9]], [0, 1], [[1.0, -0.6], [-0.1, 0.9]], menu=[0])
    >>> eq = solve_equilibrium(game, max_iterations=0)     # the naive platform, nothing iterated
    >>> eq.iterations, eq.converged, eq.residual > 0
    (0, False, True)
    >>> solve_equilibrium(game, damping=0.0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: damping must be in (0.0, 1.0], got 0.0
    """
    game = _check_game(game)
    damping = check_real("damping", damping, low=0.0, high=1.0, low_open=True)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_iterations = check_int("max_iterations", max_iterations, low=0)
    b = game.sincere_beliefs() if start is None else game.check_beliefs(start)
    residuals = []
    iterations = 0
    step = damping
    while True:
        table = game.posterior_table(b)
        choice = game.responses(table)
        target = game.beliefs_from(choice)
        residual = float(np.max(np.abs(target - b)))
        residuals.append(residual)
        if residual <= tol or iterations >= max_iterations:
            break
        if len(residuals) > 1 and residual > residuals[-2]:
            # the iteration overshot (logit responses can make it cycle): smaller steps; the fixed
            # point sought, b = F(b), does not depend on the step
            step = max(step / 2, 1e-3)
        b = (1 - step) * b + step * target
        iterations += 1
    return Equilibrium(game=game, beliefs=b, table=table, choice=choice, iterations=iterations,
                       residual=residual, converged=residual <= tol, residuals=tuple(residuals))


def naive_platform(game: ColdStartGame) -> Equilibrium:
    """Strategic users against a platform that reads their engagement as sincere.

    The beliefs are :meth:`ColdStartGame.sincere_beliefs`; the users respond to
    the posterior table they induce. ``residual`` is how far those beliefs are
    from consistent with the users' strategies (``converged`` is whether they
    happen to be, within 1e-10).
    """
    return solve_equilibrium(_check_game(game), max_iterations=0)


def sincere_play(game: ColdStartGame) -> Equilibrium:
    """Every user engages naturally against the naive platform (consistent beliefs, residual 0)."""
    game = _check_game(game)
    b = game.sincere_beliefs()
    table = game.posterior_table(b)
    return Equilibrium(game=game, beliefs=b, table=table, choice=game.sincere_choice(), iterations=0,
                       residual=0.0, converged=True, residuals=(0.0,))
