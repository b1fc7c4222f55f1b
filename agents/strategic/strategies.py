"""Hypothesis strategies for strategic users and recommender platforms.

Use them to property-test your own platforms and user models against the
invariants of :mod:`agents.strategic` (a best response earns at least the naive
utility; ``H = 0`` is naive; under an insulated platform strategic play is
naive...). Like ``hypothesis.extra.numpy``, every strategy is a function with
keyword-only options that are checked when it is called. Needs hypothesis.

Values and thresholds mix a few round numbers (so ties and threshold hits are
common) with floats.

Examples
--------
>>> from hypothesis import given, settings
>>> from agents.strategic import NaiveUser, play
>>> @settings(max_examples=5, database=None)
... @given(games(max_items=3))
... def test_naive_never_distorts(game):
...     model, make_platform = game
...     traj = play(NaiveUser(model), make_platform(), 4)
...     assert (traj.explicit == traj.natural_explicit).all()
>>> test_naive_never_distorts()
"""

from __future__ import annotations

from hypothesis import strategies as st

from sim.errors import ValidationError
from sim.validate import check_int

from .engagement import EngagementModel
from .platforms import (
    EpsilonGreedyRecommender,
    GreedyRecommender,
    Platform,
    SoftmaxRecommender,
    TrustworthyRecommender,
    UCBRecommender,
)
from .users import UserModel

__all__ = [
    "RULES",
    "engagement_models",
    "games",
    "item_values",
    "priors",
    "recommenders",
    "user_models",
]

#: Recommender kinds :func:`recommenders` can draw.
RULES = ("greedy", "ucb", "epsilon_greedy", "softmax", "trustworthy")
_DETERMINISTIC = ("greedy", "ucb", "trustworthy")


def _num(lo, hi):
    return st.one_of(st.sampled_from([lo, 0.0, hi, (lo + hi) / 2]),
                     st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False))


def item_values(n_items: int, *, low: float = -1.5, high: float = 1.5) -> st.SearchStrategy[list[float]]:
    """Value vectors of length ``n_items`` in ``[low, high]``."""
    n_items = check_int("n_items", n_items, low=1)
    if not low < high:
        raise ValidationError(f"low must be < high={high}, got {low}")
    return st.lists(_num(low, high), min_size=n_items, max_size=n_items)


@st.composite
def engagement_models(draw, *, positive_costs: bool = True):
    """Engagement models; with ``positive_costs`` distortion always costs something."""
    dislike = draw(_num(-1.2, 0.2))
    like = dislike + draw(st.floats(0.05, 1.5))
    lo = draw(_num(-1.0, 0.5))
    hi = lo + draw(st.floats(0.05, 1.0))
    low_cost = 0.001 if positive_costs else 0.0
    return EngagementModel(like_at=like, dislike_at=dislike, dwell_cutoffs=(lo, hi),
                           explicit_cost=draw(st.floats(low_cost, 0.3)),
                           dwell_cost=draw(st.floats(low_cost, 0.3)))


@st.composite
def user_models(draw, n_items: int, *, satiation: bool = True, positive_costs: bool = True):
    """User models over ``n_items`` items, with optional satiation."""
    n_items = check_int("n_items", n_items, low=1)
    values = draw(item_values(n_items))
    eng = draw(engagement_models(positive_costs=positive_costs))
    if satiation and draw(st.booleans()):
        return UserModel(values, eng, satiation=draw(st.floats(0.0, 0.6)), window=draw(st.integers(1, 3)))
    return UserModel(values, eng)


@st.composite
def recommenders(draw, n_items: int, *, kinds: tuple[str, ...] = RULES, clusters: bool = True,
                 stochastic: bool = True):
    """Recommender policies for ``n_items`` items, of the given ``kinds``.

    With ``clusters``, greedy and UCB rules sometimes pool by a random cluster
    map; without ``stochastic``, the trustworthy rule never samples.
    """
    n_items = check_int("n_items", n_items, low=1)
    kinds = tuple(kinds)
    for k in kinds:
        if k not in RULES:
            raise ValidationError(f"kinds must be among {RULES}, got {k!r}")
    kind = draw(st.sampled_from(kinds))
    common = {"alpha": draw(_num(0.0, 1.0)), "prior_weight": draw(st.floats(0.2, 3.0)),
              "noise": draw(st.floats(0.2, 1.0)), "warmup": draw(st.booleans())}
    # only stochastic rules own a generator (PolicySpec.stochastic)
    seeded = {"rng": draw(st.integers(0, 2**16))}
    if clusters and kind in ("greedy", "ucb") and n_items > 1 and draw(st.booleans()):
        n_clusters = draw(st.integers(1, min(n_items, 3)))
        labels = list(range(n_clusters)) + draw(st.lists(st.integers(0, n_clusters - 1),
                                                         min_size=n_items - n_clusters,
                                                         max_size=n_items - n_clusters))
        common["clusters"] = draw(st.permutations(labels))
    if kind == "greedy":
        return GreedyRecommender(**common)
    if kind == "ucb":
        return UCBRecommender(c=draw(st.floats(0.0, 1.0)), **common)
    if kind == "epsilon_greedy":
        return EpsilonGreedyRecommender(epsilon=draw(st.floats(0.0, 0.5)), **common, **seeded)
    if kind == "softmax":
        return SoftmaxRecommender(temperature=draw(st.floats(0.05, 1.0)), **common, **seeded)
    bases = ("rotate", "greedy", "softmax") if stochastic else ("rotate", "greedy")
    return TrustworthyRecommender(base=draw(st.sampled_from(bases)),
                                  top=draw(st.integers(1, n_items)), **common, **seeded)


@st.composite
def priors(draw, n_items: int, *, max_types: int = 2):
    """``(type_means, type_prior)``: 1 to ``max_types`` type profiles over ``n_items`` items (shares sum to 1)."""
    n_items = check_int("n_items", n_items, low=1)
    max_types = check_int("max_types", max_types, low=1)
    g = draw(st.integers(1, max_types))
    means = [draw(st.lists(_num(-1.0, 1.0), min_size=n_items, max_size=n_items)) for _ in range(g)]
    weights = draw(st.lists(st.floats(0.1, 1.0), min_size=g, max_size=g))
    total = sum(weights)
    return means, [w / total for w in weights]


@st.composite
def games(draw, *, min_items: int = 1, max_items: int = 4, kinds: tuple[str, ...] = _DETERMINISTIC,
          satiation: bool = True, positive_costs: bool = True):
    """``(model, make_platform)``: a user model and a factory of identically seeded platforms.

    With the default ``kinds`` every platform is deterministic.
    """
    lo = check_int("min_items", min_items, low=1)
    hi = check_int("max_items", max_items, low=lo)
    K = draw(st.integers(lo, hi))
    model = draw(user_models(K, satiation=satiation, positive_costs=positive_costs))
    stochastic = any(k in ("epsilon_greedy", "softmax") for k in kinds)
    rule = draw(recommenders(K, kinds=kinds, stochastic=stochastic))
    means, shares = draw(priors(K, max_types=1 if rule.clusters is not None else 2))
    seed = draw(st.integers(0, 2**16))

    def make_platform():
        return Platform(rule, means, type_prior=shares, rng=seed)

    return model, make_platform
