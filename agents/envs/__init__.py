"""Gymnasium and PettingZoo environments: bring your own RL agent to the toolkit's worlds.

Importing this package registers five Gymnasium ids (keyword arguments pass
through ``gymnasium.make(id, **kwargs)``; the defaults give a small, fast
instance), thin adapters over the toolkit's environments:

- ``stratsim/MatchingMarket-v0`` (:mod:`~agents.envs.matching`): the platform
  of the bandit matching market with transfers; reward minus the round's
  Subset Instability;
- ``stratsim/Recommender-v0`` and ``stratsim/StrategicUser-v0``
  (:mod:`~agents.envs.strategic`): the platform facing naive and strategic
  users (reward: sincere engagement), and a user facing a registered
  recommender (reward: its utility; ``info`` says what the exact planner
  would do);
- ``stratsim/SkiRental-v0`` and ``stratsim/Scheduling-v0``
  (:mod:`~agents.envs.online`): online problems with predictions (reward
  minus cost; ``info`` carries OPT).

:func:`user_platform_parallel_env` (:mod:`~agents.envs.parallel`) is the
user-platform repeated game as a PettingZoo ``ParallelEnv`` with agents
``"user"`` and ``"platform"``. :class:`PolicyAgent` makes any toolkit policy
an ``act(obs)`` callable in these environments, and :class:`TabularQLearner`
is a small tabular learner in plain numpy.

The package needs the optional extra ``rl`` (``pip install "stratsim[rl]"``);
without it, importing it raises :class:`MissingExtraError` naming the extra.
Nothing else in the toolkit imports it.

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> env = gym.make("stratsim/StrategicUser-v0", steps=3)
>>> obs, info = env.reset(seed=0)
>>> env.action_space, sorted(obs)
(Discrete(9), ['counts', 'dwell', 'explicit', 'item', 'remaining'])
"""

from .extra import INSTALL_HINT, MissingExtraError, require_rl

require_rl()

from .core import InvalidActionError, PolicyAgent, ResetNeededError, ToolkitEnv  # noqa: E402
from .matching import MatchingMarketEnv  # noqa: E402
from .online import SchedulingEnv, SkiRentalEnv  # noqa: E402
from .parallel import UserPlatformParallelEnv, user_platform_parallel_env  # noqa: E402
from .registration import ENV_IDS, register_all  # noqa: E402
from .strategic import ACTIONS, RecommenderPlatformEnv, StrategicUserEnv, action_index  # noqa: E402
from .tabular import TabularQLearner  # noqa: E402

register_all()

__all__ = [
    "ACTIONS",
    "ENV_IDS",
    "INSTALL_HINT",
    "InvalidActionError",
    "MatchingMarketEnv",
    "MissingExtraError",
    "PolicyAgent",
    "RecommenderPlatformEnv",
    "ResetNeededError",
    "SchedulingEnv",
    "SkiRentalEnv",
    "StrategicUserEnv",
    "TabularQLearner",
    "ToolkitEnv",
    "UserPlatformParallelEnv",
    "action_index",
    "register_all",
    "user_platform_parallel_env",
]
