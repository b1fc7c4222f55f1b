"""The documentation builds with no warning (``sphinx -W``), so a docstring that breaks it fails here too.

The gallery is built from a small hand-made run folder (``STRATSIM_GALLERY_RUN``), so the test runs no
scenario: one scenario with ``summary.csv``, one with ``results.csv`` only, the others with no run.
The user guide is the README's tour: every code block of the README is on one of its pages.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"



def test_guide_has_every_code_block_of_the_readme():
    readme = (REPO / "README.md").read_text()
    guide = "\n".join(p.read_text() for p in [DOCS / "index.rst", *sorted((DOCS / "guide").glob("*.rst"))])
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", readme, flags=re.S | re.M)
    assert len(blocks) >= 10
    for block in blocks:
        # The same lines as an indented code block of a page (the language tag may differ: toml -> ini).
        indented = "\n".join(f"   {line}".rstrip() for line in block.rstrip("\n").split("\n"))
        assert indented in guide, f"README code block missing from docs/guide:\n{block}"


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _fake_run(root: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import image

    mm1 = root / "mm1"
    (mm1 / "figures").mkdir(parents=True)
    (mm1 / "manifest.json").write_text(json.dumps({"scenario": "mm1", "quick": True}))
    image.imsave(mm1 / "figures" / "mm1_fake_figure.png", [[[0.0, 0.5, 1.0]] * 4] * 4)
    _write_csv(mm1 / "results.csv", ["scenario", "cell", "study", "rho", "rep", "metric", "value"],
               [["mm1", 0, "response", 0.5, 0, "mean_response_time", 1.9]])
    _write_csv(mm1 / "summary.csv",
               ["scenario", "cell", "study", "rho", "metric", "n", "mean", "lo", "hi", "level", "method", "support"],
               [["mm1", 0, "response", 0.5, "mean_response_time", 3, 1.9876, 1.5432, 2.4321, 0.95, "log_t",
                 "positive"]])
    queue = root / "queueing_check"
    queue.mkdir()
    (queue / "manifest.json").write_text("{}")
    # No summary.csv: the page averages results.csv per cell and metric: (1.5 + 3.5) / 2 = 2.5 and 7.25.
    _write_csv(queue / "results.csv",
               ["scenario", "cell", "study", "rho", "discipline", "rep", "metric", "value"],
               [["queueing_check", 0, "disciplines", 0.5, "fcfs", 0, "mean_response_time", 1.5],
                ["queueing_check", 0, "disciplines", 0.5, "fcfs", 1, "mean_response_time", 3.5],
                ["queueing_check", 0, "disciplines", 0.5, "fcfs", 0, "other_metric", 7.25]])


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    src = tmp_path / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "generated", "__pycache__"))
    run = tmp_path / "run"
    _fake_run(run)
    out = tmp_path / "html"
    env = {**os.environ, "STRATSIM_GALLERY_RUN": str(run), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src),
                           str(out)], capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-4000:]

    api = (out / "generated" / "api" / "sim.engine.html").read_text()
    assert "Simulation" in api and "Parameters" in api
    mm1 = (out / "generated" / "gallery" / "mm1.html").read_text()
    assert "mm1_fake_figure.png" in mm1 and (out / "_images" / "mm1_fake_figure.png").is_file()
    assert "summary.csv" in mm1 and "1.988" in mm1 and "1.543" in mm1 and "log_t" in mm1
    assert "customers" in mm1 and "20000" in mm1 and "2000" in mm1  # parameter, default, quick value
    queue = (out / "generated" / "gallery" / "queueing_check.html").read_text()
    assert "has no" in queue and "summary.csv" in queue
    assert "<td><p>2.5</p></td>" in queue and "<td><p>7.25</p></td>" in queue
    assert "1.5</p>" not in queue and "3.5</p>" not in queue  # the replications are averaged, not listed
    assert "No figures" in (out / "generated" / "gallery" / "trust.html").read_text()
