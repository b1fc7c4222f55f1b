"""Content and people: a catalog of items, user types and their preferences.

Model (this toolkit's definition)
---------------------------------
A :class:`Catalog` holds ``K >= 1`` items, each with a feature vector
``x_k`` in ``R^d`` and a genre ``g_k``. A user has true preferences
``theta*`` in ``R^d`` and values item ``k`` at ``v_k = <theta*, x_k>``
(:meth:`Catalog.values`).

:func:`make_catalog` draws genre items around the genre's unit vector:
``x_k = e_{g_k} + noise * N(0, I)``, genre 0 being the mainstream genre (it
holds the largest share of items). A :class:`UserType` is a population segment
with a preference centroid; a user of that type has
``theta* = centroid + spread * N(0, I)``. :func:`default_types` returns a
*mainstream* type (80%, likes genre 0, dislikes genre 1) and a *minority*
type (20%, likes genre 1, is lukewarm about genre 0), the setting of the
cold-start study (Haupt, Hadfield-Menell and Podimata 2023). With the default
feature noise, a user's values spread over roughly [-1.5, 1.5]: within its
favourite genre some items are great, many are merely fine.

Examples
--------
>>> import numpy as np
>>> from agents.strategic.content import make_catalog, default_types, sample_users
>>> cat = make_catalog(6, n_genres=2, rng=0)
>>> cat.n_items, cat.dim, cat.genres.tolist()
(6, 2, [0, 0, 0, 0, 1, 1])
>>> types, thetas = sample_users(default_types(), 5, rng=1)
>>> cat.values(thetas[0]).shape
(6,)
>>> cat.values([1.0, 2.0, 3.0])
Traceback (most recent call last):
...
sim.errors.ValidationError: theta must have shape (2,), got (3,)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_array, check_int, check_probability, check_real

from .engagement import EngagementModel, read_signal

__all__ = ["Catalog", "UserType", "default_types", "make_catalog", "sample_users", "type_profiles"]


class Catalog:
    """Items with feature vectors and genres.

    Parameters
    ----------
    features : array_like, shape (K, d)
        Item feature vectors, ``K >= 1`` items, ``d >= 1`` features.
    genres : array_like of int, shape (K,), optional
        Genre of each item (default: all genre 0).
    """

    def __init__(self, features: ArrayLike, genres: ArrayLike | None = None) -> None:
        feats = check_array("features", features, ndim=2)
        if feats.shape[0] == 0:
            raise ValidationError(
                f"features must describe at least one item (an empty catalog), got shape {feats.shape}")
        if feats.shape[1] == 0:
            raise ValidationError(f"features must have at least one column, got shape {feats.shape}")
        if genres is None:
            g = np.zeros(feats.shape[0], dtype=int)
        else:
            g = check_array("genres", genres, ndim=1, shape=(feats.shape[0],), dtype=float)
            if np.any(g < 0) or np.any(g != np.round(g)):
                raise ValidationError(f"genres must be non-negative integers, got {np.asarray(genres)!r}")
            g = g.astype(int)
        feats.setflags(write=False)
        g.setflags(write=False)
        self.features = feats
        self.genres = g

    @property
    def n_items(self) -> int:
        """Number of items ``K``."""
        return self.features.shape[0]

    @property
    def dim(self) -> int:
        """Feature dimension ``d``."""
        return self.features.shape[1]

    @property
    def n_genres(self) -> int:
        """Number of genres (``max genre + 1``)."""
        return int(self.genres.max()) + 1

    def values(self, theta: ArrayLike) -> np.ndarray:
        """Item values ``v_k = <theta, x_k>`` for preferences ``theta`` (length ``d``)."""
        theta = check_array("theta", theta, ndim=1, shape=(self.dim,))
        return self.features @ theta

    def __repr__(self):
        return f"Catalog(n_items={self.n_items}, dim={self.dim}, n_genres={self.n_genres})"


#: Largest total of array entries (items x genres, users x dimensions, steps x metrics) a call may allocate.
MAX_ENTRIES = 50_000_000


def check_size(argument: str, value: int, *, low: int = 0, entries_each: int = 1) -> int:
    """``value`` as an int count, refused before anything is allocated when its arrays would be too big.

    ``entries_each`` is the number of 8-byte entries one unit costs; the
    limit is :data:`MAX_ENTRIES` entries in all (400 MB).

    Examples
    --------
    >>> check_size("n_items", 10**12, entries_each=2)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: n_items=1000000000000 would need about 1.6e+04 GB (more than the 0.4 GB limit)
    """
    value = check_int(argument, value, low=low)
    if value * entries_each > MAX_ENTRIES:
        raise ValidationError(f"{argument}={value} would need about {value * entries_each * 8 / 1e9:.3g} GB "
                              f"(more than the {MAX_ENTRIES * 8 / 1e9:.3g} GB limit)")
    return value


def make_catalog(n_items: int = 10, n_genres: int = 2, *, minority_share: float = 0.3,
                 noise: float = 0.5, rng: RngLike = 0) -> Catalog:
    """Draw a catalog of ``n_items`` items in ``n_genres`` genres.

    Genre 0 (mainstream) holds ``1 - minority_share`` of the items, the others
    share the rest equally (each genre gets at least one item when
    ``n_items >= n_genres``). Features are ``e_genre + noise * N(0, I)`` in
    ``R^n_genres``.

    Parameters
    ----------
    n_items : int
        Number of items (>= 1).
    n_genres : int
        Number of genres (>= 1).
    minority_share : float
        Share of items outside genre 0, in [0, 1].
    noise : float
        Feature noise (>= 0).
    rng : numpy.random.Generator or int
        Randomness of the features.
    """
    n_genres = check_size("n_genres", n_genres, low=1)
    n_items = check_size("n_items", n_items, low=1, entries_each=2 * n_genres)
    share = check_real("minority_share", minority_share, low=0.0, high=1.0)
    noise = check_real("noise", noise, low=0.0)
    rng = make_rng(rng)
    if n_genres == 1:
        genres = np.zeros(n_items, dtype=int)
    else:
        n_minor = round(share * n_items)
        n_minor = min(max(n_minor, min(n_genres - 1, n_items - 1)), n_items)
        genres = np.zeros(n_items, dtype=int)
        minor = np.arange(n_items - n_minor, n_items)
        genres[minor] = 1 + (np.arange(n_minor) * (n_genres - 1)) // max(n_minor, 1)
    feats = np.eye(n_genres)[genres] + noise * rng.standard_normal((n_items, n_genres))
    return Catalog(feats, genres)


@dataclass(frozen=True)
class UserType:
    """A population segment.

    Parameters
    ----------
    name : str
        Label ("mainstream", "minority").
    centroid : tuple of float
        Mean preference vector (length ``d``).
    spread : float
        Standard deviation of individual preferences around the centroid.
    share : float
        Share of the population, in (0, 1].
    """

    name: str
    centroid: tuple[float, ...]
    spread: float = 0.1
    share: float = 1.0

    def __post_init__(self):
        c = check_array("centroid", self.centroid, ndim=1, allow_empty=False)
        object.__setattr__(self, "centroid", tuple(float(x) for x in c))
        object.__setattr__(self, "spread", check_real("spread", self.spread, low=0.0))
        object.__setattr__(self, "share", check_real("share", self.share, low=0.0, high=1.0, low_open=True))


def default_types() -> tuple[UserType, UserType]:
    """A mainstream type (80%) and a minority type (20%) over two genres."""
    return (UserType("mainstream", (0.6, -0.6), spread=0.15, share=0.8),
            UserType("minority", (-0.2, 0.8), spread=0.15, share=0.2))


def sample_users(types: Iterable[UserType], n_users: int, *, rng: RngLike = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_users`` users: their type indices and preference vectors.

    Returns
    -------
    type_index : ndarray of int, shape (n_users,)
    thetas : ndarray, shape (n_users, d)
    """
    if isinstance(types, UserType) or not hasattr(types, "__iter__"):
        raise InputTypeError(f"types must be a sequence of UserType, got {type(types).__name__}")
    types = tuple(types)
    if not types:
        raise ValidationError("types must name at least one UserType, got none")
    for i, t in enumerate(types):
        if not isinstance(t, UserType):
            raise InputTypeError(f"types[{i}] must be a UserType, got {type(t).__name__}")
    dims = {len(t.centroid) for t in types}
    if len(dims) != 1:
        raise ValidationError(f"types must share one centroid length, got {sorted(dims)}")
    n_users = check_size("n_users", n_users, entries_each=1 + next(iter(dims)))
    rng = make_rng(rng)
    shares = np.array([t.share for t in types], dtype=float)
    idx = rng.choice(len(types), size=n_users, p=shares / shares.sum())
    cents = np.array([t.centroid for t in types])
    spreads = np.array([t.spread for t in types])
    d = cents.shape[1]
    thetas = cents[idx] + spreads[idx, None] * rng.standard_normal((n_users, d))
    return idx.astype(int), thetas


def type_profiles(catalog: Catalog, types: Iterable[UserType], *, alpha: float = 0.5,
                  engagement: EngagementModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each type's sincere signal profile: what a platform learns from historical, naive data.

    Row ``g`` holds, for every item, the signal a user at type ``g``'s centroid
    gives by natural engagement, read with weight ``alpha``. Mixing the rows
    by the type shares gives a single population profile.

    Returns
    -------
    profiles : ndarray, shape (G, K)
    shares : ndarray, shape (G,)

    Examples
    --------
    >>> cat = make_catalog(4, rng=0)
    >>> prof, shares = type_profiles(cat, default_types(), alpha=1.0)
    >>> prof.shape, shares.tolist()
    ((2, 4), [0.8, 0.2])
    """
    if engagement is None:
        engagement = EngagementModel()
    alpha = check_probability("alpha", alpha)
    types = tuple(types)
    if not types:
        raise ValidationError("types must name at least one UserType, got none")
    rows = []
    for t in types:
        values = catalog.values(t.centroid)
        rows.append([read_signal(engagement.natural(float(v)), alpha) for v in values])
    shares = np.array([t.share for t in types], dtype=float)
    return np.array(rows, dtype=float), shares / shares.sum()
