"""Strategic users against recommender platforms.

Users plan how they engage (likes, dislikes, dwell time) to shape what they
will be recommended; platforms learn from that engagement as if it were
sincere. Model and definitions (Cen, Ilyas, Allen, Li, Madry 2024; Cen, Ilyas,
Madry 2023; Haupt, Hadfield-Menell, Podimata 2023), one module per topic:

- :mod:`~agents.strategic.content`: catalog, user types, preferences.
- :mod:`~agents.strategic.engagement`: engagement actions, natural engagement,
  distortion costs, the signal ``s = alpha explicit + (1 - alpha) dwell``.
- :mod:`~agents.strategic.platforms`: recommender policies (greedy,
  epsilon-greedy, softmax, UCB, trustworthy) and the :class:`Platform`.
- :mod:`~agents.strategic.users`: naive, strategic and learning users, beliefs.
- :mod:`~agents.strategic.planner`: the best-response search (exact over merged
  states with branch and bound, anytime with a reported loss bound, or sampled);
  :mod:`~agents.strategic.plan_states`: its state merging and value bounds.
- :mod:`~agents.strategic.trustworthy`: epsilon- and kappa-trustworthiness
  checked by exact planning; trustworthy designs that use engagement
  (explore-then-commit, bounded-influence mix).
- :mod:`~agents.strategic.envs`: the game as environments, from the platform's
  side (domain ``"recommender"``) and the user's (domain ``"engagement"``).
- :mod:`~agents.strategic.game`: the repeated game of one user and one platform.
- :mod:`~agents.strategic.population`: the discrete-event population model.
- :mod:`~agents.strategic.batch`: the batch-retraining population model (users as
  arrays, in shards on any sweep backend; import it from there).
- :mod:`~agents.strategic.metrics`: behaviour, welfare (sincere and read
  engagement), estimation and counterfactual metrics.
- :mod:`~agents.strategic.strategies`: hypothesis strategies for user models,
  recommenders and games (needs hypothesis; not imported here).

Examples
--------
>>> from agents.strategic import (UserModel, NaiveUser, StrategicUser, PlatformBelief,
...                               Platform, GreedyRecommender, play)
>>> model = UserModel([0.85, 1.2, 0.0])
>>> platform = Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
>>> user = StrategicUser(model, PlatformBelief.of(platform), horizon=3, gamma=1.0)
>>> play(user, platform, 4).items.tolist()
[0, 1, 1, 1]
"""

from .content import (
    Catalog,
    UserType,
    default_types,
    make_catalog,
    sample_users,
    type_profiles,
)
from .engagement import (
    ACTIONS,
    DWELL_LEVELS,
    EXPLICIT_LEVELS,
    Engagement,
    EngagementModel,
    read_signal,
)
from .envs import METRICS, EngagementEnv, RecommenderEnv, make_platform
from .game import GameRollout, play, sincere_signal, strategization_gap
from .metrics import (
    counterfactual,
    engagement_metrics,
    estimation_error,
    metric_rows,
    signal_engagement,
    sincere_engagement,
)
from .planner import Plan, Planner, signal_classes
from .platforms import (
    EpsilonGreedyRecommender,
    GreedyRecommender,
    Platform,
    PopulationView,
    RecObservation,
    Recommender,
    RecState,
    SoftmaxRecommender,
    TrustworthyRecommender,
    UCBRecommender,
    engagement_units,
)
from .population import PopulationLog, simulate_population
from .trustworthy import (
    ExploreCommitRecommender,
    GapCertificate,
    TrustMixRecommender,
    TrustReport,
    check_trustworthy,
    exact_gap,
    gap_bound,
)
from .users import (
    LearningUser,
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserAgent,
    UserFeedback,
    UserModel,
    UserObservation,
)

__all__ = [
    "ACTIONS",
    "DWELL_LEVELS",
    "EXPLICIT_LEVELS",
    "METRICS",
    "Catalog",
    "Engagement",
    "EngagementEnv",
    "EngagementModel",
    "EpsilonGreedyRecommender",
    "ExploreCommitRecommender",
    "GapCertificate",
    "GameRollout",
    "GreedyRecommender",
    "LearningUser",
    "NaiveUser",
    "Plan",
    "Planner",
    "Platform",
    "PlatformBelief",
    "PopulationLog",
    "PopulationView",
    "RecObservation",
    "RecState",
    "RecommenderEnv",
    "Recommender",
    "SoftmaxRecommender",
    "StrategicUser",
    "TrustMixRecommender",
    "TrustReport",
    "TrustworthyRecommender",
    "UCBRecommender",
    "UserAgent",
    "UserFeedback",
    "UserModel",
    "UserObservation",
    "UserType",
    "check_trustworthy",
    "counterfactual",
    "default_types",
    "engagement_metrics",
    "engagement_units",
    "estimation_error",
    "exact_gap",
    "gap_bound",
    "make_catalog",
    "make_platform",
    "metric_rows",
    "play",
    "read_signal",
    "sample_users",
    "signal_classes",
    "signal_engagement",
    "simulate_population",
    "sincere_engagement",
    "sincere_signal",
    "strategization_gap",
    "type_profiles",
]
