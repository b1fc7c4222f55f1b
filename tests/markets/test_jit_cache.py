"""Compiled once per installation: kernels and bandit loops are loaded from numba's disk cache by later processes.

Each test runs fresh interpreters on a temporary ``NUMBA_CACHE_DIR`` and reads
numba's own dispatcher statistics (``dispatcher.stats.cache_hits`` and
``cache_misses``: a miss is a compilation), never timings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

from markets import jit as jit_module

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("sim", "markets", "agents")

# A sweep task (module level, so every backend can ship it): runs one learner compiled and reports the
# compilations of this process, the loop's cache hits and the result.
PROBE = textwrap.dedent('''
    import os
    import sys

    import numpy as np
    from numba.core.dispatcher import Dispatcher


    def compilations():
        """Cache misses (= compilations) of every compiled kernel of the package loaded in this process."""
        seen, total = set(), 0
        for name, mod in list(sys.modules.items()):
            if not (name.split(".")[0] in ("markets", "agents") or name.startswith("stratsim_loop")):
                continue
            for value in list(vars(mod).values()):
                if isinstance(value, Dispatcher) and id(value) not in seen:
                    seen.add(id(value))
                    total += sum(value.stats.cache_misses.values())
        return total


    def task(cell, rng):
        from agents.matching import ExploreThenCommit, MatchUCB, random_market, run_bandit
        from agents.matching.compiled import loop
        import markets

        cls = {"ucb": MatchUCB, "etc": ExploreThenCommit}[cell["learner"]]
        mk = random_market(4, 4, rng=0)
        tr = run_bandit(mk, cls(4, 4, horizon=300), 300, rng=np.random.default_rng(5))
        markets.stable_outcome(np.random.default_rng(1).random((6, 6)))
        stats = loop(cls.kernels).stats
        return [{"learner": cell["learner"], "pid": os.getpid(), "compilations": compilations(),
                 "loop_hits": sum(stats.cache_hits.values()),
                 "loop_misses": sum(stats.cache_misses.values()), "regret": repr(float(tr.instability.sum())),
                 "markets": os.path.dirname(markets.__file__)}]


    if __name__ == "__main__":
        import json

        from sim.sweep import run_sweep

        backend, learners = sys.argv[1], sys.argv[2].split(",")
        grid = [{"learner": x} for x in learners]
        if backend == "inline":
            rows = [r for cell in grid for r in task(cell, 0)]
        else:
            rows = list(run_sweep(task, grid, 2, rng=0, backend=backend, jobs=2, progress=False).rows)
        print(json.dumps(rows))
''')


def _run(root: Path, cache: Path | None, backend: str, learners: str, extra_env: dict | None = None,
         pythonpath: Path | None = None) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (pythonpath, root) if p is not None)
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, "-W", "always::UserWarning", str(root / "matching_probe.py"), backend,
                           learners], env=env, capture_output=True, text=True, timeout=900, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache folder filled by one process that ran MatchUCB and explore-then-commit (the probe's script dir)."""
    root = tmp_path_factory.mktemp("jit_cache")
    (root / "matching_probe.py").write_text(PROBE)
    cache = root / "numba-cache"
    rows, _ = _run(root, cache, "inline", "ucb,etc", pythonpath=REPO)
    return root, cache, rows


@pytest.mark.slow
def test_a_fresh_cache_compiles_and_the_next_process_compiles_nothing(warm):
    root, cache, first = warm
    for r in first:  # the first process did compile (so the probe sees compilations)
        assert r["compilations"] > 0 and r["loop_misses"] == 1 and r["loop_hits"] == 0
    second, stderr = _run(root, cache, "inline", "ucb,etc", pythonpath=REPO)
    for a, b in zip(first, second):
        assert b["compilations"] == 0, b
        assert b["loop_hits"] == 1 and b["loop_misses"] == 0
        assert a["regret"] == b["regret"]  # the cached code computes what the compiled code did
    assert "CacheWarning" not in stderr
    assert any((cache / "stratsim-generated").glob("stratsim_loop_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_workers_of_every_backend_load_the_cache(warm, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    root, cache, first = warm
    rows, _ = _run(root, cache, backend, "ucb,etc", pythonpath=REPO)
    assert len(rows) == 4
    for r in rows:
        assert r["compilations"] == 0 and r["loop_misses"] == 0 and r["loop_hits"] == 1, r
        assert r["pid"] != first[0]["pid"]
    expected = {r["learner"]: r["regret"] for r in first}
    assert all(r["regret"] == expected[r["learner"]] for r in rows)  # the task's own seed: same as inline


def _copy_packages(dest: Path) -> None:
    for pkg in PACKAGES:
        shutil.copytree(REPO / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


@pytest.mark.slow
def test_editing_an_inlined_kernel_recompiles_the_loop_and_changes_its_result(tmp_path):
    _copy_packages(tmp_path)
    (tmp_path / "matching_probe.py").write_text(PROBE)
    cache = tmp_path / "numba-cache"
    before, _ = _run(tmp_path, cache, "inline", "etc")
    assert before[0]["markets"] == str(tmp_path / "markets")  # the copy runs, not the installed package
    again, _ = _run(tmp_path, cache, "inline", "etc")
    assert again[0]["compilations"] == 0 and again[0]["loop_hits"] == 1
    # explore-then-commit's schedule lives in explore_commit.py, two modules below the loop: the loop inlines it
    path = tmp_path / "agents" / "matching" / "explore_commit.py"
    text = path.read_text()
    assert text.count("out[a] = (ids[a] + shift) % size") == 1
    path.write_text(text.replace("out[a] = (ids[a] + shift) % size", "out[a] = (ids[a] + 2 * shift) % size"))
    after, _ = _run(tmp_path, cache, "inline", "etc")
    assert after[0]["loop_misses"] == 1 and after[0]["loop_hits"] == 0
    assert after[0]["regret"] != before[0]["regret"]
    assert len(list((cache / "stratsim-generated").glob("stratsim_loop_*.py"))) == 2


@pytest.mark.slow
def test_a_read_only_installation_compiles_in_memory_with_one_warning(tmp_path):
    _copy_packages(tmp_path)
    (tmp_path / "matching_probe.py").write_text(PROBE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    # no cache folder can be made: __pycache__ is a file in every package folder, and the user cache lies
    # below a file (works for root too, which chmod would not stop)
    for folder in [tmp_path] + [p for pkg in PACKAGES for p in (tmp_path / pkg).rglob("*") if p.is_dir()] + [
            tmp_path / pkg for pkg in PACKAGES]:
        (folder / "__pycache__").write_text("")
    env = {"HOME": str(blocker / "home"), "XDG_CACHE_HOME": str(blocker / "cache")}
    rows, stderr = _run(tmp_path, None, "inline", "ucb", extra_env=env)
    assert stderr.count("CacheWarning") == 1, stderr
    assert rows[0]["loop_hits"] == 0
    from agents.matching import MatchUCB, random_market, run_bandit

    tr = run_bandit(random_market(4, 4, rng=0), MatchUCB(4, 4, horizon=300), 300, rng=np.random.default_rng(5))
    assert rows[0]["regret"] == repr(float(tr.instability.sum()))  # in memory computes what cached code does


def _package_kernels():
    import importlib
    import pkgutil

    import agents
    import markets

    out = []
    for pkg in (markets, agents):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            mod = importlib.import_module(info.name)
            out += [v for v in vars(mod).values() if isinstance(v, Dispatcher) and v.py_func.__module__ == mod.__name__]
    return out


def test_every_kernel_names_each_module_whose_kernels_it_reaches():
    # numba keys a cached kernel on its own file: a kernel of another module it calls must be in `depends`
    kernels = _package_kernels()
    assert len(kernels) > 20
    for k in kernels:
        reached = jit_module.kernel_modules(k) - {k.py_func.__module__}
        assert reached <= set(getattr(k, "depends", ())), (k.py_func.__qualname__, reached)


def test_kernel_modules_follows_calls_through_modules_and_names():
    from agents.matching import learner_kernels as lk

    # etc_decide -> phase/round_robin (explore_commit) and primal_dual -> core_step (markets.core_kernels)
    # -> stable_step (markets.kernels)
    assert jit_module.kernel_modules(lk.etc_decide) == {"agents.matching.learner_kernels",
                                                        "agents.matching.explore_commit", "markets.core_kernels",
                                                        "markets.kernels"}
    assert jit_module.kernel_modules(lk.gather) == {"agents.matching.learner_kernels"}


def test_generated_modules_are_written_once_and_keyed_by_their_text(tmp_path, monkeypatch):
    monkeypatch.setattr(jit_module, "generated_dir", lambda: tmp_path)
    src = "VALUE = 3\n"
    a = jit_module.generated_module("stratsim_probe", src)
    stamp = os.stat(a.__file__).st_mtime_ns
    b = jit_module.generated_module("stratsim_probe", src)
    c = jit_module.generated_module("stratsim_probe", "VALUE = 4\n")
    assert a is b and a.VALUE == 3 and c.VALUE == 4 and a.__name__ != c.__name__
    assert os.stat(a.__file__).st_mtime_ns == stamp and Path(a.__file__).parent == tmp_path
    for name in (a.__name__, c.__name__):
        del sys.modules[name]
    d = jit_module.generated_module("stratsim_probe", src)  # a new process would import the same file
    assert d.__file__ == a.__file__ and os.stat(d.__file__).st_mtime_ns == stamp


def test_no_writable_folder_gives_none_and_one_warning(monkeypatch):
    monkeypatch.setattr(jit_module, "generated_dir", lambda: None)
    monkeypatch.setattr(jit_module, "_warned", False)
    with pytest.warns(jit_module.CacheWarning) as caught:
        assert jit_module.generated_module("stratsim_probe_none", "X = 1\n") is None
        assert jit_module.generated_module("stratsim_probe_none", "X = 2\n") is None
    assert len(caught) == 1


def test_bad_stem_is_refused():
    from sim.errors import ValidationError

    with pytest.raises(ValidationError, match="stem must be a Python identifier, got '1x'"):
        jit_module.generated_module("1x", "")


def test_loop_source_is_none_for_kernels_that_cannot_be_imported_back():
    from agents.matching import learner_kernels as lk
    from agents.matching.compiled import loop_source

    local = jit_module.jit(cache=False)(lambda state, c, p, rc, rp: None)
    assert loop_source(lk.ucb_decide, local) is None
    assert loop_source(lk.ucb_decide, lk.ucb_update).count("@jit") == 1
