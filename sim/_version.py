"""The toolkit's version, defined once.

``setup.cfg`` reads it (``version = attr: sim._version.__version__``); the
``stratsim --version`` command, ``manifest.json`` and the sweep fingerprints
use it, so a results folder records which stratsim wrote it and a journal
written by another version is never resumed silently.

Examples
--------
>>> from sim._version import __version__
>>> __version__.count(".") >= 2
True
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
