"""The package-wide error hierarchy.

Every error that stratsim raises on purpose derives from :class:`StratsimError`,
so ``except StratsimError`` catches them all. Errors about bad input also derive
from the matching built-in (:class:`ValueError` or :class:`TypeError`), so code
written against the built-ins keeps working.

Messages name the offending argument and its value, e.g.
``lam must be in (0, 1], got 1.5``.

Examples
--------
>>> from sim.errors import ValidationError, StratsimError
>>> try:
...     raise ValidationError("reps must be >= 1, got 0")
... except ValueError as err:
...     print(isinstance(err, StratsimError), err)
True reps must be >= 1, got 0
"""

__all__ = [
    "BackendError",
    "CertificateError",
    "InputTypeError",
    "MissingExtraError",
    "PolicyError",
    "ResultsMismatchError",
    "StratsimError",
    "UnknownNameError",
    "ValidationError",
]


class StratsimError(Exception):
    """Root of every error raised by stratsim on purpose."""


class ValidationError(StratsimError, ValueError):
    """An argument has the right type but an invalid value (shape, range, NaN...)."""


class InputTypeError(StratsimError, TypeError):
    """An argument has the wrong type or dtype."""


class UnknownNameError(StratsimError, KeyError):
    """A name (scenario, policy, parameter) is not registered or not known.

    ``KeyError`` quotes its message when printed; ``str`` here gives it plain.
    """

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class PolicyError(StratsimError, RuntimeError):
    """A (possibly user-written) policy returned an invalid decision."""


class ResultsMismatchError(StratsimError, ValueError):
    """A results folder belongs to another scenario or other parameters."""


class MissingExtraError(StratsimError, ImportError):
    """An optional extra (``pip install "stratsim[NAME]"``) that this needs is not installed."""


class BackendError(StratsimError, RuntimeError):
    """An execution backend could not be started or reached."""


class CertificateError(StratsimError, AssertionError):
    """A solver's certificate failed verification (a solver bug, never input)."""
