"""Results folders as pandas DataFrames: ``results.csv`` and ``summary.csv`` with numbers as numbers.

:func:`load_results` reads a run folder's ``results.csv`` (one row per cell x
replication x metric, see :mod:`sim.runner`) and :func:`load_summary` its
``summary.csv`` (one row per cell x metric x extra keys, see
:mod:`sim.summary`). Columns whose values are all numbers (``cell``, ``rep``,
``value``, ``n``, ``mean``, ``lo``, ``hi``, the numeric cell parameters, ...)
get a numeric dtype (``int64``, or ``float64`` where some rows leave them
empty, as another study's cell fields are); ``True``/``False`` columns get
``bool``; the others hold strings, with missing values where a row leaves them
empty. Floats are read exactly (the CSV holds the shortest round-trip repr, and
``nan``/``inf`` stay NaN/infinite).

``import sim`` does not import this module (nor pandas, which takes about half
a second to import): ``sim.load_results`` does, on first use.

Examples
--------
>>> import tempfile
>>> from sim import load_results, load_summary
>>> from sim.runner import run_scenario
>>> out = tempfile.mkdtemp()
>>> _ = run_scenario("mm1", out, quick=True, replications=3, backend="serial",
...                  overrides={"rhos": "(0.5,)", "customers": "300"})
>>> frame = load_results(out)
>>> frame.dtypes[["cell", "rep", "rho", "value"]].astype(str).tolist()
['int64', 'int64', 'float64', 'float64']
>>> frame[frame.metric == "mean_response_time"].groupby("rho")["value"].count().tolist()
[3]
>>> summary = load_summary(out)
>>> bool((summary.lo <= summary["mean"]).all() and (summary["mean"] <= summary.hi).all())
True
>>> load_results(tempfile.mkdtemp())
Traceback (most recent call last):
...
sim.errors.ValidationError: '...' is not a results folder: it has no results.csv (a folder written by stratsim run)
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas

from .errors import InputTypeError, ValidationError
from .summary import SUMMARY, SUMMARY_COLUMNS

__all__ = ["load_results", "load_summary"]

RESULTS = "results.csv"
#: Columns every results.csv has (written by :func:`sim.runner.run_scenario`).
RESULTS_COLUMNS = ("metric", "value")


def load_results(folder: str | os.PathLike[str]) -> pandas.DataFrame:
    """``results.csv`` of run folder ``folder`` as a DataFrame, numeric columns as numbers.

    Parameters
    ----------
    folder : path-like
        A folder written by ``stratsim run`` (or :func:`sim.runner.run_scenario`).

    Returns
    -------
    pandas.DataFrame
        One row per cell x replication x metric (x extra keys), the columns of
        ``results.csv`` in its order.

    Raises
    ------
    InputTypeError
        ``folder`` is not a path.
    ValidationError
        ``folder`` is not a results folder (no ``results.csv``), or the file is
        damaged, truncated or not a results table.

    Examples
    --------
    >>> import tempfile
    >>> from sim.runner import run_scenario
    >>> out = tempfile.mkdtemp()
    >>> _ = run_scenario("mm1", out, quick=True, replications=2, backend="serial",
    ...                  overrides={"rhos": "(0.5,)", "customers": "300"})
    >>> frame = load_results(out)
    >>> frame.columns[[0, 1, -2, -1]].tolist()
    ['scenario', 'cell', 'metric', 'value']
    >>> frame.pivot_table(index="rep", columns="metric", values="value")["theory_response_time"].tolist()
    [2.0, 2.0]
    """
    return _load(folder, RESULTS, RESULTS_COLUMNS, "folder written by stratsim run")


def load_summary(folder: str | os.PathLike[str]) -> pandas.DataFrame:
    """``summary.csv`` of run folder ``folder`` as a DataFrame, numeric columns as numbers.

    Parameters
    ----------
    folder : path-like
        A folder written by ``stratsim run`` (``stratsim plot DIR`` rewrites
        its ``summary.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per cell x metric (x extra keys): the key columns, then ``n``,
        ``mean``, ``lo``, ``hi``, ``level`` (NaN where ``method`` is
        ``"range"``), ``method`` and ``support`` (see :mod:`sim.summary`).

    Raises
    ------
    InputTypeError
        ``folder`` is not a path.
    ValidationError
        ``folder`` has no ``summary.csv``, or the file is damaged, truncated or
        not a summary table.

    Examples
    --------
    >>> import tempfile
    >>> from sim.runner import run_scenario
    >>> out = tempfile.mkdtemp()
    >>> _ = run_scenario("mm1", out, quick=True, replications=3, backend="serial",
    ...                  overrides={"rhos": "(0.5,)", "customers": "300"})
    >>> row = load_summary(out).set_index("metric").loc["mean_response_time"]
    >>> int(row["n"]), bool(row["lo"] <= row["mean"] <= row["hi"]), float(row["level"])
    (3, True, 0.95)
    """
    return _load(folder, SUMMARY, SUMMARY_COLUMNS, "folder written by stratsim run or stratsim plot")


def _load(folder, name: str, required: tuple, writer: str) -> pandas.DataFrame:
    if isinstance(folder, bool) or not isinstance(folder, (str, os.PathLike)):
        raise InputTypeError(f"folder must be a path (str or os.PathLike), got {folder!r}")
    folder = Path(folder)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is a file, not a folder"
        raise ValidationError(f"{str(folder)!r} is not a results folder: it {what}")
    path = folder / name
    if not path.is_file():
        raise ValidationError(f"{str(folder)!r} is not a results folder: it has no {name} (a {writer})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{str(path)!r} cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ValidationError(f"{str(path)!r} is empty (no header row)")
    if not data.endswith(b"\n"):
        # every row stratsim writes ends with a newline: a missing one means the file was cut mid-row
        raise ValidationError(f"{str(path)!r} is truncated: its last row does not end with a newline")
    _check_widths(data, path)
    try:
        # Only an empty field (None when written) and "nan" are missing: a string such as "NA" or "null" stays
        # a string. Floats must come back to the bit (the file holds their shortest repr): pandas 3 parses them
        # exactly by default (and deprecates the option), pandas 2 only with float_precision="round_trip".
        exact = {} if int(pandas.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
        frame = pandas.read_csv(io.BytesIO(data), keep_default_na=False, na_values=["", "nan"], encoding="utf-8",
                                **exact)
    except (pandas.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(f"{str(path)!r} is not a valid {name} table: {str(exc).strip()}") from None
    columns = [str(c) for c in frame.columns]
    if any(c.startswith("Unnamed:") for c in columns) or len(set(columns)) != len(columns):
        header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        raise ValidationError(f"{str(path)!r} has an invalid header row: {header!r}")
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValidationError(f"{str(path)!r} is not a {name} table (no column {', '.join(missing)})")
    return frame


def _check_widths(data: bytes, path: Path) -> None:
    """Refuse rows with more or fewer fields than the header (pandas would fill a short row with NaN)."""
    if b'"' in data:  # quoted fields may hold commas and newlines: let the csv module count
        records = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
        width = None
        for number, record in enumerate(records, start=1):
            width = len(record) if width is None else width
            if len(record) != width:
                raise ValidationError(f"{str(path)!r} row {number} has {len(record)} fields, the header "
                                      f"{width}: the file is damaged or truncated")
        return
    lines = data.splitlines()
    width = lines[0].count(b",")
    for number, line in enumerate(lines, start=1):
        if line.count(b",") != width:
            raise ValidationError(f"{str(path)!r} row {number} has {line.count(b',') + 1} fields, the header "
                                  f"{width + 1}: the file is damaged or truncated")
