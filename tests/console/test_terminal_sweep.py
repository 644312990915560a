"""A sweep run in a real pseudo-terminal shows the live display and its own lines, not Ray's
and vLLM's: the demo experiment on a test model through real vLLM and the baseline (all six
tasks, one sample each: the display and the logs are the point, not the rows), read from an
emulated screen; and a model that cannot load shows its worker's
error once, in one line naming the log file that holds the whole output."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from terminal import run_in_terminal

# Lines of ours: the run's first line, a model's plan/done/stopped lines, the live table (its
# header, a model's row, a task's row, its caption), the final table and failed rows, the
# warning count. Anything else on the screen came from Ray, vLLM or Python.
OURS = re.compile(
    r"^(run \S+: |\s*model\s+task\s+rows|\s*(test-\w+|demo-\w+|baseline)\b|"
    r"\s+(mednli|meqsum|problem_summary|longhealth|medisumqa|medisumcode)\b|"
    r"\s*(level\d|flagged|-{3,})|\s*rows that failed|.* from Ray and vLLM workers \(see |"
    r"worker error \()")


def sweep(conf: Path, args: list[str], tmp_path: Path, columns: int = 160
          ) -> tuple[list[str], int]:
    env = {**os.environ, "CLUE_RAY_CONF": str(conf), "HF_HUB_OFFLINE": "1",
           "RAY_TMPDIR": os.environ.get("RAY_TMPDIR", str(tmp_path))}
    env.pop("RAY_ADDRESS", None)
    screen = run_in_terminal([sys.executable, "-m", "clue_ray.cli", "run", *args], env, 900,
                             columns)
    return screen.lines, screen.returncode


@pytest.mark.slow
def test_the_screen_shows_the_display_and_few_lines_not_ours(conf_with_test_models,
                                                             sweep_overrides, tmp_path):
    out = tmp_path / "results"
    lines, returncode = sweep(conf_with_test_models, [
        *sweep_overrides(out), "engine=vllm", "limit=1", "scoring.umls=disabled",
        "models=[test-general,test-baseline]"], tmp_path)
    assert returncode == 0, "\n".join(lines)
    header = [i for i, line in enumerate(lines) if re.match(r"\s*model\s+task\s+rows", line)]
    assert header, "\n".join(lines)  # the live display's last frame stays on the screen
    after = lines[header[-1]:]
    for model in ("test-general", "test-baseline"):
        (row,) = [line for line in after if line.startswith(model) and " all " in line]
        assert re.search(r"done in \d+ s$", row), row
    assert any(re.search(r"mednli\s+1/1 .*accuracy \d+\.\d$", line) for line in after)
    not_ours = [line for line in lines if not OURS.match(line)]
    assert len(not_ours) <= 5, "\n".join(not_ours)
    logs = next(out.glob("*/logs"))
    assert any(logs.glob("*vLLMEngineStageUDF*.log")), sorted(p.name for p in logs.iterdir())


@pytest.mark.slow
def test_an_engine_that_cannot_load_shows_one_line_with_its_log(conf_with_broken_model,
                                                                 sweep_overrides, tmp_path):
    out = tmp_path / "results"
    lines, returncode = sweep(conf_with_broken_model, [
        *sweep_overrides(out), "engine=transformers", "limit=1", "tasks=[mednli]",
        "scoring.umls=disabled", "models=[test-broken]"], tmp_path,
        columns=600)  # wide enough for the error's line and its long temporary path
    errors = [line for line in lines if line.startswith("worker error (")]
    assert errors, "\n".join(lines)
    path = Path(re.search(r"\(full output: (\S+)\)$", errors[0]).group(1))
    assert path.is_file() and path.parent == next(out.glob("*/logs"))
    assert len({line.split(")")[0] for line in errors}) == len(errors)  # once per worker
    assert any(line.startswith("test-broken: stopped, ") for line in lines)
    assert "Traceback" not in "\n".join(lines)
    assert returncode != 0
