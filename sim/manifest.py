"""Run manifests: what produced a results folder, and the fingerprint that guards it.

``manifest.json`` records the scenario, its parameters and cells, the seed,
the replications, the package versions, the git revision, the command line and
the UTC time. Its ``fingerprint`` (a hash of scenario, parameters, cells and
seed) decides whether a later run may resume into the same folder.

Examples
--------
>>> from sim.manifest import fingerprint
>>> a = fingerprint("mm1", {"mu": 1.0}, [{"rho": 0.5}], seed=0)
>>> a == fingerprint("mm1", {"mu": 1.0}, [{"rho": 0.5}], seed=0)
True
>>> a == fingerprint("mm1", {"mu": 2.0}, [{"rho": 0.5}], seed=0)
False
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .results import atomic_write

__all__ = [
    "build_manifest",
    "fingerprint",
    "git_revision",
    "package_versions",
    "read_manifest",
    "write_manifest",
]

_PACKAGES = ("stratsim", "numpy", "scipy", "simpy", "matplotlib", "cvxpy", "networkx", "tqdm",
             "distributed")


def fingerprint(scenario: str, params: dict, cells: list, seed: int) -> str:
    """Hash of everything that determines the results of a run (replications excluded,
    so a finished run can be extended with more replications)."""
    text = json.dumps({"scenario": scenario, "params": params, "cells": cells, "seed": seed},
                      sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions() -> dict:
    """Versions of Python and of the packages results depend on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision(path=None) -> str | None:
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


def build_manifest(*, scenario: str, description: str, params: dict, cells: list, seed: int,
                   replications: int, quick: bool, backend: str, jobs: int, argv=None) -> dict:
    """The manifest dictionary of a run."""
    return {
        "scenario": scenario,
        "description": description,
        "fingerprint": fingerprint(scenario, params, cells, seed),
        "params": params,
        "cells": cells,
        "seed": seed,
        "replications": replications,
        "quick": quick,
        "backend": backend,
        "jobs": jobs,
        "versions": package_versions(),
        "git_revision": git_revision(),
        "argv": list(sys.argv if argv is None else argv),
        "utc_time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def read_manifest(folder) -> dict | None:
    """The manifest in ``folder``, or None if there is none."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def write_manifest(folder, manifest: dict) -> None:
    """Write ``folder/manifest.json`` atomically."""
    atomic_write(Path(folder) / "manifest.json",
                 json.dumps(manifest, indent=2, sort_keys=True, default=repr) + "\n")
