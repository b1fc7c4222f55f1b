"""The public strategies check their options early and generate what they promise."""

import numpy as np
import pytest
from hypothesis import given

from markets import as_market
from markets.outcome import check_outcome
from markets.strategies import (
    bipartite_graphs,
    capacities_for,
    markets_with_outcomes,
    outcomes,
    preference_profiles,
    surplus_matrices,
    utility_matrices,
)
from sim.errors import StratsimError


@pytest.mark.parametrize("make", [
    lambda: surplus_matrices(max_customers=-1),
    lambda: surplus_matrices(min_customers=3, max_customers=2),
    lambda: utility_matrices(max_providers=1.5),
    lambda: preference_profiles(max_proposers=-2),
    lambda: bipartite_graphs(max_capacity=-1),
    lambda: surplus_matrices(elements=[1.0, 2.0]),
    lambda: surplus_matrices(square="yes"),
    lambda: markets_with_outcomes(capacitated=1),
    lambda: preference_profiles(complete=None),
    lambda: capacities_for(3, max_capacity=-1),
    lambda: outcomes([[np.nan]]),
])
def test_bad_options_fail_at_call_time(make):
    with pytest.raises(StratsimError):
        make()


@given(wo=markets_with_outcomes(max_customers=4, max_providers=4, capacitated=True))
def test_outcomes_fit_their_market(wo):
    w, o = wo
    market = as_market(w, capacities=o.capacities)
    check_outcome(market, o)  # raises if the generated outcome were not a feasible outcome


@given(prof=preference_profiles(max_proposers=4, max_receivers=3, complete=True))
def test_complete_profiles_list_everyone(prof):
    pp, rp = prof
    for lst in pp.values():
        assert sorted(map(str, lst)) == sorted(map(str, rp))
    for lst in rp.values():
        assert sorted(lst) == sorted(pp)


@given(uv=utility_matrices(max_customers=3, max_providers=3))
def test_utility_pairs_share_a_shape(uv):
    assert uv[0].shape == uv[1].shape and np.isfinite(uv[0]).all()
