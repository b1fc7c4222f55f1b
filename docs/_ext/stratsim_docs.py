"""Sphinx extension of the stratsim documentation: API pages from ``__all__`` and the scenario gallery.

At ``builder-inited`` it writes reStructuredText into ``docs/generated/`` (git-ignored):

* ``generated/api/``: one page per public module of ``sim``, ``markets`` and the ``agents``
  subpackages, documenting the names in the module's ``__all__`` that the module defines (a name it
  re-exports is linked to the module that defines it), and one page per package with the package
  docstring and a summary table of the package's ``__all__``.
* ``generated/gallery/``: one page per registered scenario with its description, its parameters
  (default and ``--quick`` value), its figures and its summary table, from a quick run of every
  scenario.

The gallery run. By default it lives in ``docs/_build/gallery_run`` (one folder per scenario, as
``stratsim run quickstart --out docs/_build/gallery_run`` writes it); a scenario whose folder has no
``results.csv`` yet is run there with ``stratsim run NAME --quick``, and a finished folder is reused
(delete the folder to refresh it). ``STRATSIM_GALLERY_RUN=DIR`` (or ``-D stratsim_gallery_run=DIR``)
reads an existing run folder instead and runs nothing; a scenario missing from it gets a page that says
so. ``STRATSIM_GALLERY_RUN=`` (empty) builds the gallery without figures or tables.

The summary table is ``summary.csv`` when the run folder has one, else the mean of ``results.csv`` per
cell, extra keys and metric.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import time
import typing
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

ROOTS = ("sim", "markets", "agents")  # their subpackages are found by walking them
GENERATED = "generated"
DEFAULT_RUN = "_build/gallery_run"
RUN_ENV = "STRATSIM_GALLERY_RUN"
SUMMARY_COLUMNS = ("n", "mean", "lo", "hi", "level", "method")
BOOKKEEPING = {"scenario", "cell", "rep", "value"}


# --------------------------------------------------------------------------- files


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged sources keep their mtime, so an incremental build re-reads only what changed.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _prune(folder: Path, keep: set[Path]) -> None:
    # A module or scenario that went away must not leave an orphan page (Sphinx warns about those).
    if folder.is_dir():
        for path in folder.glob("*.rst"):
            if path not in keep:
                path.unlink()


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


# --------------------------------------------------------------------------- API pages


def _is_module(obj) -> bool:
    return inspect.ismodule(obj)


def _is_documentable_routine(obj) -> bool:
    # py_func: a numba-compiled function (markets.kernels, agents.matching.learner_kernels).
    return inspect.isclass(obj) or inspect.isroutine(obj) or hasattr(obj, "py_func")


def _defined_in(obj, modname: str) -> bool:
    return _is_documentable_routine(obj) and getattr(obj, "__module__", None) == modname


def _import(modname: str):
    """The module, or None with the reason when it needs an optional dependency that is not installed."""
    try:
        return importlib.import_module(modname), None
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing.partition(".")[0] in ROOTS + ("scenarios",):
            raise  # one of ours is broken: that is the build's failure, not an optional extra
        return None, str(exc)


def _public_modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    if not hasattr(pkg, "__path__"):
        return []
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
            if not m.name.startswith("_") and not m.ispkg]


def _packages() -> list[str]:
    """Every public package under ROOTS that imports (a package needing a missing extra is skipped)."""
    out = []

    def walk(name):
        pkg, reason = _import(name)
        if pkg is None:
            logger.info(f"stratsim docs: {name} not documented ({reason})")
            return
        out.append(name)
        for m in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
            if m.ispkg and not m.name.startswith("_"):
                walk(f"{name}.{m.name}")

    for root in ROOTS:
        walk(root)
    return out


def _entry(modname: str, name: str, obj) -> str:
    full = f"{modname}.{name}"
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return f".. autoexception:: {full}\n   :show-inheritance:\n"
        # No "Bases: object" line under a class that derives from nothing else.
        bases = "   :show-inheritance:\n" if obj.__bases__ != (object,) else ""
        return f".. autoclass:: {full}\n   :members:\n{bases}"
    if inspect.isroutine(obj) or hasattr(obj, "py_func"):
        return f".. autofunction:: {full}\n"
    if isinstance(obj, (bool, int, float, str, tuple)) and len(repr(obj)) <= 200:
        return f".. autodata:: {full}\n"
    return f".. autodata:: {full}\n   :no-value:\n"


def _canonical(obj) -> str | None:
    if _is_module(obj):
        return obj.__name__
    if _is_documentable_routine(obj) and getattr(obj, "__module__", None):
        return f"{obj.__module__}.{obj.__qualname__}" if hasattr(obj, "__qualname__") else None
    return None


def _module_page(modname: str) -> str:
    mod, reason = _import(modname)
    if mod is None:
        logger.info(f"stratsim docs: {modname} documented without its members ({reason})")
        return (_title(f"``{modname}``") + "\n.. note::\n\n   This module needs an optional dependency that was "
                f"not installed when these pages were built: {_escape(reason)}\n")
    names = list(getattr(mod, "__all__", []))
    own, elsewhere = [], []
    for name in names:
        obj = getattr(mod, name)
        if _is_module(obj) or (_is_documentable_routine(obj) and not _defined_in(obj, modname)):
            elsewhere.append((name, obj))
        else:
            own.append((name, obj))
    out = [_title(f"``{modname}``"), f".. automodule:: {modname}\n   :no-members:\n"]
    if own:
        out.append(".. rubric:: Contents\n\n.. autosummary::\n   :nosignatures:\n\n"
                   + "".join(f"   {name}\n" for name, _ in own))
    if elsewhere:
        links = ", ".join(f":py:obj:`~{_canonical(obj)}`" for _, obj in elsewhere)
        out.append(f"Also exported here: {links}.\n")
    out += [_entry(modname, name, obj) for name, obj in own]
    return "\n".join(out)


def _package_page(package: str, modules: list[str], subpackages: list[str]) -> str:
    pkg = importlib.import_module(package)
    names = list(getattr(pkg, "__all__", []))
    out = [_title(f"``{package}``"), f".. automodule:: {package}\n   :no-members:\n"]
    data = []
    table = []
    for name in names:
        if name.startswith("__"):
            continue
        obj = getattr(pkg, name)
        target = _canonical(obj)
        if target is None:
            data.append((name, obj))
        else:
            table.append(target)
    if table:
        # autosummary wants names relative to the current module (the package) where they are under it.
        out.append(f".. rubric:: ``{package}`` exports\n\n.. autosummary::\n   :nosignatures:\n\n"
                   + "".join(f"   ~{t.removeprefix(package + '.')}\n" for t in table))
    if data:
        # Values the package re-exports that have no module of their own to link to (type aliases,
        # registry instances): documented where their module's __all__ lists them.
        home = {}
        for modname in modules:
            mod = _import(modname)[0]
            for n in getattr(mod, "__all__", []):
                home.setdefault(id(getattr(mod, n)), f"{modname}.{n}")
        links = []
        for name, obj in data:
            if id(obj) in home:
                links.append(f":py:data:`{name} <{home[id(obj)]}>`")
        if links:
            out.append(f"Also exported: {', '.join(links)}.\n")
    toc = subpackages + modules
    if toc:
        out.append(".. toctree::\n   :maxdepth: 1\n   :caption: Modules\n\n" + "".join(f"   {m}\n" for m in toc))
    return "\n".join(out)


def write_api(srcdir: Path) -> None:
    """Write the API reference pages under ``generated/api``."""
    folder = srcdir / GENERATED / "api"
    keep = set()
    packages = _packages()
    for package in packages:
        modules = _public_modules(package)
        subpackages = [p for p in packages if p.rpartition(".")[0] == package]
        for modname in modules:
            path = folder / f"{modname}.rst"
            _write_if_changed(path, _module_page(modname))
            keep.add(path)
        path = folder / f"{package}.rst"
        _write_if_changed(path, _package_page(package, modules, subpackages))
        keep.add(path)
    tops = [p for p in packages if "." not in p]
    index = (_title("API reference")
             + "\nOne page per module; each documents the names in the module's ``__all__``. "
               "The package pages list what ``from PACKAGE import NAME`` offers.\n\n"
             + ".. toctree::\n   :maxdepth: 2\n\n" + "".join(f"   {p}\n" for p in tops))
    path = folder / "index.rst"
    _write_if_changed(path, index)
    keep.add(path)
    _prune(folder, keep)


# --------------------------------------------------------------------------- the gallery run


def gallery_run_folder(app) -> tuple[Path | None, bool]:
    """The run folder and whether missing scenarios are to be run into it."""
    value = app.config.stratsim_gallery_run
    if value is None:
        value = os.environ.get(RUN_ENV)
    if value is None:
        return Path(app.srcdir) / DEFAULT_RUN, True
    if value == "":
        return None, False
    folder = Path(value).expanduser()
    if not folder.is_absolute():
        folder = Path.cwd() / folder
    if not folder.is_dir():
        logger.warning(f"stratsim gallery: run folder {str(folder)!r} ({RUN_ENV}) is not a folder")
    return folder, False


def _finished(folder: Path) -> bool:
    return (folder / "results.csv").is_file() and (folder / "manifest.json").is_file()


def ensure_run(root: Path, names: list[str]) -> None:
    """Run ``stratsim run NAME --quick`` into ``root/NAME`` for each scenario not finished there."""
    todo = [n for n in names if not _finished(root / n)]
    if not todo:
        logger.info(f"stratsim gallery: reusing the run in {root}")
        return
    root.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    for name in todo:
        logger.info(f"stratsim gallery: stratsim run {name} --quick --out {root / name}")
        # A child process: the run's worker pool and matplotlib state stay out of Sphinx's process.
        proc = subprocess.run([sys.executable, "-m", "sim", "run", name, "--quick", "--out", str(root / name),
                               "--no-progress"], capture_output=True, text=True, env={**os.environ,
                                                                                     "MPLBACKEND": "Agg"})
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            logger.warning(f"stratsim gallery: 'stratsim run {name} --quick' failed "
                           f"(exit {proc.returncode}):\n{tail}")
    logger.info(f"stratsim gallery: ran {len(todo)} scenarios in {time.perf_counter() - began:.0f} s")


# --------------------------------------------------------------------------- gallery pages


def _figures(folder: Path) -> list[Path]:
    return sorted((folder / "figures").glob("*.png")) if (folder / "figures").is_dir() else []


def _gallery_page(name: str, scenario, run: Path | None, page_dir: Path) -> str:
    module = importlib.import_module(getattr(scenario.params, "__module__", "") or "sim")
    out = [_title(name), f"{_escape(scenario.description)}\n",
           f"Run it with ``stratsim run {name}`` (full scale) or ``stratsim run {name} --quick`` "
           f"(the scale shown here).\n"]
    if module.__name__.startswith("scenarios."):
        out.append(f".. automodule:: {module.__name__}\n   :no-members:\n")
    out.append(_title("Parameters", "-"))
    out.append("Set with ``--set KEY=VALUE``; ``--quick`` uses the quick values.\n")
    out.append(f".. stratsim-params:: {name}\n")
    out.append(_title("Figures", "-"))
    folder = None if run is None else run / name
    figures = [] if folder is None else _figures(folder)
    if folder is not None and _finished(folder):
        out.append(f"From ``stratsim run {name} --quick`` (seed 0).\n")
    if not figures:
        out.append(".. note::\n\n   No figures: the gallery run folder holds no figures of this scenario.\n")
    for png in figures:
        rel = os.path.relpath(png, page_dir).replace(os.sep, "/")
        text = f".. figure:: {rel}\n   :width: 100%\n   :alt: {png.stem}\n\n   ``{png.stem}``"
        pdf = png.with_suffix(".pdf")
        if pdf.is_file():
            text += f" (:download:`PDF <{os.path.relpath(pdf, page_dir).replace(os.sep, '/')}>`)"
        out.append(text + "\n")
    out.append(_title("Summary table", "-"))
    out.append(f".. stratsim-summary:: {name}\n")
    return "\n".join(out)


def write_gallery(app, srcdir: Path) -> None:
    """Write the gallery pages (running the gallery run first when that is the configured mode)."""
    from sim.registry import scenarios

    names = scenarios.names()
    run, execute = gallery_run_folder(app)
    if execute and run is not None:
        ensure_run(run, names)
    app.env.stratsim_gallery_run = run  # the directives read the tables from here
    folder = srcdir / GENERATED / "gallery"
    keep = set()
    for name in names:
        path = folder / f"{name}.rst"
        _write_if_changed(path, _gallery_page(name, scenarios.get(name), run, folder))
        keep.add(path)
    lines = [_title("Gallery"),
             "One page per shipped scenario: what it models, its parameters, the figures of a quick run "
             "(``stratsim run NAME --quick``, seed 0) and the numbers behind them.\n",
             ".. list-table::\n   :header-rows: 1\n   :widths: 20 80\n\n   * - scenario\n     - what it does\n"]
    for name in names:
        lines.append(f"   * - :doc:`{name}`\n     - {_escape(scenarios.describe(name))}\n")
    lines.append(".. toctree::\n   :hidden:\n\n" + "".join(f"   {n}\n" for n in names))
    path = folder / "index.rst"
    _write_if_changed(path, "\n".join(lines))
    keep.add(path)
    _prune(folder, keep)


def _escape(text: str) -> str:
    # Plain text into reStructuredText: backslash the characters that start inline markup.
    for ch in "\\*`_|[":
        text = text.replace(ch, "\\" + ch)
    return text


# --------------------------------------------------------------------------- tables


def _table(header: list[str], rows: list[list], widths: list[int] | None = None) -> nodes.table:
    """A docutils table; each cell is a string or a list of nodes."""
    table = nodes.table(classes=["stratsim-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths or [1] * len(header):
        group += nodes.colspec(colwidth=w)

    def row_node(cells):
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if isinstance(cell, list):
                entry.extend(cell)
            else:
                entry += nodes.paragraph(text=str(cell))
            row += entry
        return row

    head = nodes.thead()
    head += row_node(header)
    body = nodes.tbody()
    for r in rows:
        body += row_node(r)
    group += head
    group += body
    return table


def _type_name(hint) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "(" + ", ".join(_value(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


class ParamsDirective(SphinxDirective):
    """``.. stratsim-params:: NAME``: the scenario's parameters, defaults, quick values and docs."""

    required_arguments = 1

    def run(self):
        from numpydoc.docscrape import NumpyDocString

        from sim.registry import scenarios

        scenario = scenarios.get(self.arguments[0])
        params = scenario.params
        hints = typing.get_type_hints(params)
        docs = {}
        try:
            for p in NumpyDocString(inspect.getdoc(params) or "")["Attributes"]:
                docs[p.name] = p.desc
        except Exception as exc:  # a malformed docstring is reported as a warning, which fails -W
            logger.warning(f"stratsim gallery: {params.__qualname__} docstring: {exc}", location=self.get_location())
        swept = {}
        for study in scenario.studies:
            for cell_field, param in study.sweeps.items():
                swept.setdefault(param, []).append(f"{study.name}.{cell_field}")
        rows = []
        for f in dataclasses.fields(params):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            quick = _value(scenario.quick[f.name]) if f.name in scenario.quick else ""
            cell = nodes.container()
            self.state.nested_parse(StringList(docs.get(f.name, [])), self.content_offset, cell)
            sweeps = ", ".join(swept.get(f.name, []))
            rows.append([[nodes.literal(text=f.name)], _type_name(hints.get(f.name, f.type)), _value(default), quick,
                         sweeps, list(cell.children)])
        reps = f"Replications: {scenario.replications} (quick: {scenario.quick_replications})."
        return [_table(["name", "type", "default", "quick", "swept by (study.cell field)", "description"], rows,
                       [12, 10, 14, 12, 14, 38]), nodes.paragraph(text=reps)]


def _fmt(text: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _aggregate(fields: list[str], rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Mean of ``value`` per cell, extra keys and metric (results.csv without summary.csv)."""
    keys = [f for f in fields if f not in BOOKKEEPING]
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(float(row["value"]))
    out = [list(k) + [str(len(v)), repr(sum(v) / len(v))] for k, v in groups.items()]
    return keys + ["n", "mean"], out


class SummaryDirective(SphinxDirective):
    """``.. stratsim-summary:: NAME``: summary.csv of the gallery run (else results.csv averaged), per study."""

    required_arguments = 1
    option_spec = {"max-rows": directives.positive_int}

    def run(self):
        name = self.arguments[0]
        run = getattr(self.env, "stratsim_gallery_run", None)
        folder = None if run is None else Path(run) / name
        summary, results = (None, None) if folder is None else (folder / "summary.csv", folder / "results.csv")
        if summary is not None and summary.is_file():
            source = summary
            fields, rows = _read_csv(summary)
            header = [f for f in fields if f not in BOOKKEEPING]
            table_rows = [[row.get(k, "") for k in header] for row in rows]
            intro = ("``summary.csv`` of the run: per cell and metric, the mean over ``n`` replications and the "
                     "interval [``lo``, ``hi``] at confidence ``level`` by ``method``, inside the metric's "
                     "``support`` (``range``: fewer than 3 replications, their minimum and maximum).")
        elif results is not None and results.is_file():
            source = results
            fields, rows = _read_csv(results)
            header, table_rows = _aggregate(fields, rows)
            intro = ("This run has no ``summary.csv``: the table shows ``results.csv`` averaged, the mean of "
                     "``value`` per cell and metric over ``n`` values.")
        else:
            return [nodes.paragraph(text="No results: the gallery run folder holds no run of this scenario.")]
        self.env.note_dependency(str(source))
        rel = os.path.relpath(source, Path(self.env.doc2path(self.env.docname)).parent).replace(os.sep, "/")
        # Columns that are empty on every row of a study are another study's cell fields: drop them.
        out = [nodes.paragraph(text="")]
        self.state.nested_parse(StringList([intro, "", f"Download: :download:`{source.name} <{rel}>`."]),
                                self.content_offset, out[0])
        out = list(out[0].children)
        studies = {}
        for row in table_rows:
            key = row[header.index("study")] if "study" in header else ""
            studies.setdefault(key, []).append(row)
        for study, srows in studies.items():
            cols = [i for i, h in enumerate(header) if h != "study" and any(r[i] != "" for r in srows)]
            if study:
                out.append(nodes.rubric(text=f"study {study}"))
            body = [[_fmt(r[i]) for i in cols] for r in srows]
            limit = self.options.get("max-rows", 1000)
            if len(body) > limit:
                out.append(nodes.paragraph(text=f"The first {limit} of {len(body)} rows "
                                                f"(all of them in {source.name})."))
                body = body[:limit]
            out.append(_table([header[i] for i in cols], body))
        return out


# --------------------------------------------------------------------------- cross-references


def resolve_reexports(app, env, node, contnode):
    """Resolve a Python reference to a re-exported name (``markets.stable_outcome``, or ``Outcome``
    from inside ``markets``) to the page of the module that defines it."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module = node.get("py:module") or ""
    candidates = [target]
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        candidates.append(".".join(parts[:k]) + "." + target)
    domain = env.get_domain("py")
    for cand in candidates:
        obj = _lookup(cand)
        canonical = None if obj is None else _canonical(obj)
        if canonical and canonical != cand and canonical in domain.objects:
            found = domain.objects[canonical]
            return _make_ref(app, node, contnode, found.docname, found.node_id)
    return None


def _lookup(dotted: str):
    head, _, tail = dotted.partition(".")
    if not head or head not in ("sim", "markets", "agents", "scenarios"):
        return None
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        try:
            for attr in parts[k:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _make_ref(app, node, contnode, docname, node_id):
    from sphinx.util.nodes import make_refnode

    return make_refnode(app.builder, node["refdoc"], docname, node_id, contnode)


# --------------------------------------------------------------------------- signatures

_FORWARD_REF = re.compile(r"TypeAliasForwardRef\('([^']+)'\)")


def tidy_signature(app, what, name, obj, options, signature, return_annotation):
    """Sphinx 9.0 prints an aliased type inside a union as ``TypeAliasForwardRef('X')``: print ``X``."""
    if signature:
        signature = _FORWARD_REF.sub(r"\1", signature)
    if return_annotation:
        return_annotation = _FORWARD_REF.sub(r"\1", return_annotation)
    return signature, return_annotation


# --------------------------------------------------------------------------- setup


def generate(app) -> None:
    srcdir = Path(app.srcdir)
    write_api(srcdir)
    write_gallery(app, srcdir)


def setup(app):
    app.add_config_value("stratsim_gallery_run", None, "env")
    app.add_directive("stratsim-params", ParamsDirective)
    app.add_directive("stratsim-summary", SummaryDirective)
    app.connect("builder-inited", generate)
    app.connect("missing-reference", resolve_reexports)
    app.connect("autodoc-process-signature", tidy_signature)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
