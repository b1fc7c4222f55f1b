"""Test-suite configuration: hypothesis profiles and paths to shared data."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI: no deadline (a loaded 2-core machine must not make a property test flaky)
# and derandomized, so a red CI run is reproducible bit for bit.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The external data folder (``../shared/data`` beside the repository).

    Override with the ``STRATSIM_SHARED_DATA`` environment variable.
    """
    path = Path(os.environ.get("STRATSIM_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.fail(f"shared data folder not found at {path}; set STRATSIM_SHARED_DATA")
    return path
