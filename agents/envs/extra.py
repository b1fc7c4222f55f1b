"""The optional extra ``rl``: one clear error when gymnasium or pettingzoo is missing.

This module imports neither library, so the error can be raised before
anything else of :mod:`agents.envs` is loaded.

Examples
--------
>>> require_rl()           # both libraries are installed with the extra
>>> issubclass(MissingExtraError, ImportError)
True
"""

from __future__ import annotations

import importlib

from sim.errors import MissingExtraError

__all__ = ["INSTALL_HINT", "MissingExtraError", "require_rl"]

#: How to get the adapters' dependencies.
INSTALL_HINT = 'pip install "stratsim[rl]"'


def require_rl() -> None:
    """Import gymnasium and pettingzoo, or raise :class:`MissingExtraError` naming the extra."""
    missing = []
    for name in ("gymnasium", "pettingzoo"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtraError(
            f"agents.envs (the Gymnasium and PettingZoo adapters) needs {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: install the optional extra rl with "
            f"{INSTALL_HINT}")
