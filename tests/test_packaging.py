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
