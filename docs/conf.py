"""Sphinx configuration of the stratsim documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (CI runs this after the
tests). The API reference and the gallery are generated at build time by ``_ext/stratsim_docs.py``
into ``docs/generated/``; the gallery's quick run lives in ``docs/_build/gallery_run`` (reused when
present; ``STRATSIM_GALLERY_RUN=DIR`` reads another run folder instead).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the packages themselves, also when stratsim is not installed
os.environ.setdefault("MPLBACKEND", "Agg")

from sim import __version__  # noqa: E402

project = "stratsim"
author = "the stratsim developers"
copyright = "the stratsim developers, MIT licence"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "stratsim_docs",
]

exclude_patterns = ["_build", "_ext"]
templates_path = []
html_theme = "alabaster"
html_theme_options = {
    "description": "Simulate strategic users and learning markets.",
    "page_width": "1200px",
    "sidebar_width": "240px",
    "fixed_sidebar": True,
}
html_static_path = ["_static"]
html_css_files = ["stratsim.css"]
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}

# autodoc: members in source order, type hints shown in the signature (the docstrings state types too).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"exclude-members": "__init__, __new__, __post_init__"}
# Signatures name the toolkit's type aliases instead of spelling out the unions behind them
# (numpy's ArrayLike alone expands to a line of private protocol names).
# (stratsim_docs also tidies Sphinx 9.0's "TypeAliasForwardRef('X') | None" in unions to "X | None".)
autodoc_type_aliases = {name: name for name in ("ArrayLike", "NDArray", "RngLike", "MarketLike", "PolicyLike")}
add_module_names = False  # "stable_outcome(...)" under its module's heading, not the full dotted path
autosummary_generate = False  # the pages are written by stratsim_docs, not as autosummary stubs

# numpydoc: the API pages document class members with autodoc's :members:, so numpydoc's own
# member tables would list each method a second time (and as autosummary stubs that do not exist).
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# Examples are doctests run by the test suite; here they are shown, not run.
nitpicky = False
