"""Conventions checked over the whole public API by introspection.

One randomness convention: every public stochastic callable takes ``rng``
(a Generator or anything ``numpy.random.default_rng`` accepts), never ``seed``.
"""

import importlib
import inspect
import pkgutil
import typing

import pytest

from sim.registry import policies

PACKAGES = ("sim", "markets", "agents", "scenarios")


def _public_modules():
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        yield pkg
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg_name}."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            yield importlib.import_module(info.name)


def _public_callables():
    seen = set()
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if obj is None or id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and (inspect.isfunction(member) or isinstance(member, classmethod)):
                        yield f"{module.__name__}.{name}.{attr}", getattr(obj, attr)
            elif callable(obj):
                yield f"{module.__name__}.{name}", obj


CALLABLES = dict(_public_callables())


def test_the_public_api_was_found():
    assert len(CALLABLES) > 150
    assert "sim.rollout" in CALLABLES and "markets.stable_outcome" in CALLABLES


#: Record keepers that draw nothing: they write down the seed a run was given.
RECORDS_THE_SEED = {"sim.manifest.build_manifest", "sim.manifest.fingerprint"}
#: ``reset(seed=...)`` is Gymnasium's and PettingZoo's API, which the adapters of agents.envs implement.
FOLLOWS_GYMNASIUM = {"agents.envs.ToolkitEnv.reset", "agents.envs.UserPlatformParallelEnv.reset"}


@pytest.mark.parametrize("qualname", sorted(set(CALLABLES) - RECORDS_THE_SEED - FOLLOWS_GYMNASIUM))
def test_no_public_callable_takes_seed(qualname):
    try:
        params = inspect.signature(CALLABLES[qualname]).parameters
    except (TypeError, ValueError):
        return
    assert "seed" not in params, f"{qualname} takes seed=; the convention is rng="


@pytest.mark.parametrize("name", policies.names())
def test_a_policy_takes_rng_exactly_when_it_declares_itself_stochastic(name):
    cls = policies.get(name)
    takes_rng = "rng" in inspect.signature(cls).parameters
    assert takes_rng == cls.spec.stochastic, (
        f"policy {name}: spec.stochastic={cls.spec.stochastic} but its constructor "
        f"{'takes' if takes_rng else 'does not take'} rng")


def _annotated_function(obj):
    """The function whose annotations ``obj`` exposes (a class: its ``__init__``), or None."""
    fn = obj.__init__ if inspect.isclass(obj) else obj
    if fn is object.__init__:
        return None
    fn = getattr(fn, "__func__", fn)
    return fn if inspect.isfunction(fn) else None


@pytest.mark.parametrize("qualname", sorted(CALLABLES))
def test_every_public_callable_has_type_hints_that_resolve(qualname):
    obj = CALLABLES[qualname]
    fn = _annotated_function(obj)
    if fn is None:  # numba kernels, builtins, object.__init__
        return
    hints = typing.get_type_hints(fn)  # raises for an annotation that does not resolve at runtime
    sig = inspect.signature(fn)
    missing = [p for p in sig.parameters if p not in ("self", "cls") and p not in hints]
    assert not missing, f"{qualname}: no type hint on {', '.join(missing)}"
    if not inspect.isclass(obj) and fn.__name__ != "__init__":
        assert "return" in hints, f"{qualname}: no return type"
