"""The optional extra: nothing else imports gymnasium, and without it agents.envs names the extra."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

TOOLKIT = ("sim", "markets", "agents", "agents.matching", "agents.online", "agents.strategic", "scenarios",
           "sim.cli", "sim.registry")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_the_toolkit_and_its_scenarios_import_without_gymnasium():
    code = ("import importlib, pkgutil, sys\n"
            f"for name in {TOOLKIT!r}:\n"
            "    importlib.import_module(name)\n"
            "import scenarios\n"
            "for info in pkgutil.iter_modules(scenarios.__path__):\n"
            "    importlib.import_module('scenarios.' + info.name)\n"
            "from sim.registry import scenarios as reg\n"
            "assert 'rl_user' in reg.names()\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('gymnasium', 'pettingzoo'))\n"
            "assert not bad, bad\n")
    out = _python(code)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("blocked", ["gymnasium", "pettingzoo"])
def test_without_the_extra_agents_envs_raises_one_error_naming_it(blocked):
    code = (f"import sys; sys.modules[{blocked!r}] = None\n"
            "import agents\n"
            "try:\n"
            "    import agents.envs\n"
            "except ImportError as exc:\n"
            "    from agents.envs.extra import MissingExtraError\n"
            "    assert isinstance(exc, MissingExtraError), type(exc)\n"
            "    print(exc)\n"
            "else:\n"
            "    raise SystemExit('imported without ' + " + repr(blocked) + ")\n")
    out = _python(code)
    assert out.returncode == 0, out.stderr
    assert 'pip install "stratsim[rl]"' in out.stdout and blocked in out.stdout
