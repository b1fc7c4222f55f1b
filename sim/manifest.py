"""Run manifests: what produced a results folder, and the fingerprint that guards it.

``manifest.json`` records the scenario, its parameters and cells, the root
seed (the entropy and spawn key of the sweep's root SeedSequence), the
replications, the stratsim and package versions, the git revision, the command
line and the UTC time; a run with a precision target (``stratsim run NAME
--precision EPS``) adds ``cell_replications`` (one count per cell) and
``precision``: the target and how far each cell got (see
:func:`sim.runner.run_scenario`). Its ``fingerprint`` (a hash of scenario, parameters,
cells, root seed and stratsim version) decides whether a later run may resume
into the same folder.

Examples
--------
>>> from sim.manifest import fingerprint
>>> a = fingerprint("mm1", {"mu": 1.0}, [{"rho": 0.5}], rng=0)
>>> a == fingerprint("mm1", {"mu": 1.0}, [{"rho": 0.5}], rng=0)
True
>>> a == fingerprint("mm1", {"mu": 2.0}, [{"rho": 0.5}], rng=0)
False
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import ValidationError
from .random import as_seed_sequence
from .results import atomic_write

__all__ = [
    "build_manifest",
    "fingerprint",
    "git_revision",
    "package_versions",
    "read_manifest",
    "seed_record",
    "write_manifest",
]

#: Keys every manifest has (a file without them was not written by stratsim).
REQUIRED_KEYS = ("scenario", "fingerprint")

_PACKAGES = ("numpy", "scipy", "simpy", "matplotlib", "cvxpy", "networkx", "tqdm",
             "distributed")


def seed_record(rng: int | Sequence[int] | np.random.SeedSequence) -> dict[str, Any]:
    """The root seed as JSON data: ``{"seed": <root entropy>, "spawn_key": [...]}``.

    For an int seed ``s`` this is ``{"seed": s, "spawn_key": []}``.

    ``rng`` is an int or a :class:`numpy.random.SeedSequence` (a Generator
    would spawn a new child at every call: pass its SeedSequence instead).

    Examples
    --------
    >>> seed_record(7)
    {'seed': 7, 'spawn_key': []}
    """
    if isinstance(rng, np.random.Generator):
        raise ValidationError("rng for a seed record must be an int or a SeedSequence, got a Generator")
    root = as_seed_sequence(rng)
    entropy = root.entropy
    if not isinstance(entropy, int):  # a sequence of ints
        entropy = [int(e) for e in entropy]
    return {"seed": entropy, "spawn_key": [int(k) for k in root.spawn_key]}


def fingerprint(scenario: str, params: dict, cells: list, rng: int | Sequence[int] | np.random.SeedSequence) -> str:
    """Hash of everything that determines the results of a run: scenario, parameters,
    cells, root seed (see :func:`seed_record`) and the stratsim version. Replications
    are excluded, so a finished run can be extended with more replications."""
    text = json.dumps({"scenario": scenario, "params": params, "cells": cells, "seed": seed_record(rng),
                       "stratsim": __version__}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages results depend on."""
    # stratsim's own version from the source, not from (possibly stale) installed metadata.
    out = {"python": platform.python_version(), "stratsim": __version__}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision(path: str | os.PathLike[str] | None = None) -> str | None:
    """The git commit of the source tree (suffixed ``-dirty`` if modified), or None."""
    where = Path(path) if path else Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                             text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def build_manifest(*, scenario: str, description: str, params: dict, cells: list,
                   rng: int | Sequence[int] | np.random.SeedSequence, replications: int, quick: bool, backend: str,
                   jobs: int, argv: Sequence[str] | None = None,
                   precision: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest dictionary of a run; ``rng`` is the root seed (int or SeedSequence).

    ``precision`` (a run with a precision target) is stored under ``"precision"``;
    it is not part of the fingerprint, so a precision run can extend a folder
    and a plain run can extend a precision run's folder.
    """
    extra = {} if precision is None else {"precision": precision}
    return {
        "scenario": scenario,
        "description": description,
        "fingerprint": fingerprint(scenario, params, cells, rng),
        "stratsim_version": __version__,
        "params": params,
        "cells": cells,
        **seed_record(rng),
        "replications": replications,
        "quick": quick,
        "backend": backend,
        "jobs": jobs,
        "versions": package_versions(),
        "git_revision": git_revision(),
        "argv": list(sys.argv if argv is None else argv),
        "utc_time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **extra,
    }


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest in ``folder``, or None if there is none.

    A ``manifest.json`` that is not a JSON object with the keys every manifest
    has (:data:`REQUIRED_KEYS`) raises :class:`~sim.errors.ValidationError`
    naming the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> read_manifest(folder) is None
    True
    >>> _ = (folder / "manifest.json").write_text("{")
    >>> read_manifest(folder)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: '...manifest.json' is not valid JSON (...); it was not written by stratsim ...
    """
    path = Path(folder) / "manifest.json"
    if not path.exists():
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise ValidationError(f"{str(path)!r} is not valid JSON ({exc}); it was not written by stratsim "
                              "or is damaged") from None
    except OSError as exc:
        raise ValidationError(f"{str(path)!r} cannot be read ({exc.strerror or exc})") from None
    if not isinstance(manifest, dict):
        raise ValidationError(f"{str(path)!r} is not a stratsim manifest (a JSON object), got "
                              f"{type(manifest).__name__}")
    missing = [k for k in REQUIRED_KEYS if not isinstance(manifest.get(k), str)]
    if missing:
        raise ValidationError(f"{str(path)!r} is not a stratsim manifest: it lacks "
                              f"{', '.join(repr(k) for k in missing)}")
    return manifest


def write_manifest(folder: str | os.PathLike[str], manifest: dict) -> None:
    """Write ``folder/manifest.json`` atomically."""
    atomic_write(Path(folder) / "manifest.json",
                 json.dumps(manifest, indent=2, sort_keys=True, default=repr) + "\n")
