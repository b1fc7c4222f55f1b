"""Put the repository root, not ``bench/``, first on ``sys.path``.

``python bench/X.py`` puts ``bench/`` first on the path, where ``bench/markets.py``
would shadow the ``markets`` package (and a clone that is not installed would
find no package at all). Every bench script imports this module before the
project's packages.
"""

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
