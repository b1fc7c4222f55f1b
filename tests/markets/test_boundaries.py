"""markets' module boundaries: every module imports on its own, the import graph is acyclic, no private imports."""

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "markets"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _imports(path):
    """``(module, names)`` of every markets-internal import in ``path`` (at any depth: lazy imports count)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                yield node.module, [a.name for a in node.names]
            elif node.level == 0 and node.module and node.module.startswith("markets."):
                yield node.module.split(".", 1)[1], [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("markets."):
                    yield a.name.split(".", 1)[1], []


def test_the_module_import_graph_of_markets_is_acyclic():
    graph = {}
    for name in MODULES:
        deps = set()
        for module, names in _imports(PACKAGE / f"{name}.py"):
            if module is None:  # `from . import x`
                deps.update(n for n in names if n in MODULES)
            elif module in MODULES:
                deps.add(module)
        graph[name] = deps - {name}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle in markets: {' -> '.join(exc.args[1])}")


def test_no_private_name_is_imported_between_markets_modules():
    offences = [f"markets/{name}.py imports {n} from {module}"
                for name in MODULES for module, names in _imports(PACKAGE / f"{name}.py")
                for n in names if n.startswith("_") and not n.startswith("__")]
    assert not offences, "\n".join(offences)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_module_imports_in_a_fresh_interpreter():
    # one interpreter per module: an import-order dependency (a cycle resolved only because another module
    # happened to be imported first) fails here
    failures = []
    for name in MODULES:
        proc = subprocess.run([sys.executable, "-c", f"import markets.{name}"], capture_output=True, text=True,
                              timeout=600, cwd=PACKAGE.parent)
        if proc.returncode:
            failures.append(f"markets.{name}: {proc.stderr.strip().splitlines()[-1:]}")
    assert not failures, "\n".join(failures)
