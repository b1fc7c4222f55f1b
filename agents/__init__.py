"""Decision makers: users, platforms, bandit learners, online policies.

Importing ``agents`` registers every policy of the toolkit in
:data:`sim.registry.policies`, so they can be loaded by name::

    >>> import agents
    >>> from sim.registry import policies
    >>> isinstance(policies.names(), list)
    True

Subpackages:

- :mod:`agents.online`: learning-augmented online algorithms (ski rental,
  non-clairvoyant scheduling) and the predictors they consult.
- :mod:`agents.strategic`: users who plan their engagement and the recommender
  platforms that learn from it.
- :mod:`agents.matching`: platforms that learn stable matchings with transfers
  from bandit feedback.

Note: another popular PyPI package also installs a top-level ``agents``
module; install stratsim into its own virtual environment.
"""

from . import matching, online, strategic  # noqa: F401  (import registers policies)

__all__ = ["matching", "online", "strategic"]
