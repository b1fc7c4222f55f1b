import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.errors import InputTypeError, ValidationError
from sim.random import RandomStreams, make_rng, spawn, task_seed_sequence


@given(seed=st.integers(0, 2**63 - 1), name=st.text(min_size=1, max_size=20))
def test_named_streams_reproduce(seed, name):
    a = RandomStreams(seed)[name].random(4)
    b = RandomStreams(seed)[name].random(4)
    np.testing.assert_array_equal(a, b)


def test_adding_a_stream_does_not_shift_another():
    s1 = RandomStreams(5)
    first = s1["arrivals"].random(3)
    s2 = RandomStreams(5)
    s2["services"].random(100)  # use another stream first
    np.testing.assert_array_equal(first, s2["arrivals"].random(3))


def test_distinct_names_give_distinct_streams():
    s = RandomStreams(1)
    assert not np.array_equal(s["a"].random(8), s["b"].random(8))


@given(entropy=st.integers(0, 2**32), cell=st.integers(0, 50), rep=st.integers(0, 50))
def test_task_seed_depends_only_on_coordinates(entropy, cell, rep):
    a = np.random.default_rng(task_seed_sequence(entropy, cell, rep)).random()
    b = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(cell, rep))).random()
    assert a == b


def test_make_rng_passes_generators_through():
    g = np.random.default_rng(0)
    assert make_rng(g) is g


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True, [1, -2], object()])
def test_bad_seeds_are_refused_naming_rng(bad):
    with pytest.raises((ValidationError, InputTypeError), match="rng"):
        make_rng(bad)


def test_none_draws_fresh_entropy_like_numpy():
    assert isinstance(make_rng(None), np.random.Generator)


@given(seed=st.integers(0, 2**32), n=st.integers(1, 5))
def test_spawned_children_are_reproducible_and_leave_the_parent_untouched(seed, n):
    parent, twin = np.random.default_rng(seed), np.random.default_rng(seed)
    kids = [g.random() for g in spawn(parent, n)]
    assert kids == [g.random() for g in spawn(twin, n)]
    assert len(set(kids)) == n
    assert parent.random() == np.random.default_rng(seed).random()  # spawning consumed no draws
