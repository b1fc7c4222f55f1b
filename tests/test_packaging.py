"""The installed import names resolve to this repository (``agents`` is a popular name)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["sim", "markets", "agents", "scenarios"])
def test_packages_import_from_this_repository(name):
    module = __import__(name)
    assert Path(module.__file__).resolve().parent == REPO / name


def test_layering_imports_point_down():
    import ast

    allowed = {"sim": set(), "markets": {"sim"}, "agents": {"sim", "markets"},
               "scenarios": {"sim", "markets", "agents"}}
    for layer, ok in allowed.items():
        for path in (REPO / layer).rglob("*.py"):
            if "__pycache__" in path.parts:  # caches (the generated bandit loops), not the package's source
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for n in names:
                    top = n.split(".")[0]
                    if top in allowed and top != layer:
                        assert top in ok, f"{path.relative_to(REPO)} imports {n}: {layer} may not import {top}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """``(imported module, imported names)`` of every import in ``path``, relative ones resolved."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


OUR_MODULES = [p for layer in ("sim", "markets", "agents", "scenarios") for p in (REPO / layer).rglob("*.py")]


def test_no_private_name_is_imported_across_modules():
    # A helper two modules need gets a public name in a small shared module (DESIGN.md, Boundaries).
    offences = []
    for path in OUR_MODULES:
        for module, names in _imports(path):
            if module.split(".")[0] not in ("sim", "markets", "agents", "scenarios"):
                continue
            offences += [f"{path.relative_to(REPO)} imports {n} from {module}"
                         for n in names if n.startswith("_") and not n.startswith("__")]
    assert not offences, "\n".join(offences)


def test_there_is_no_import_cycle_among_our_modules():
    import graphlib

    known = {_module_name(p) for p in OUR_MODULES}
    graph = {}
    for path in OUR_MODULES:
        here = _module_name(path)
        deps = set()
        for module, names in _imports(path):
            # `from pkg import mod` imports the submodule pkg.mod when there is one
            deps.update(m for m in [module, *(f"{module}.{n}" for n in names)] if m in known and m != here)
        graph[here] = deps
    # a package's __init__ importing its own submodules is not a cycle of concern: drop package -> child edges
    for here, deps in graph.items():
        graph[here] = {d for d in deps if not d.startswith(here + ".")}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
