"""`clue-ray serve` takes users' own tasks as the other commands do: the worked example's YAML
task and its Python-file task (whose code reaches the replicas by value) are served beside a
CLUE task, and the service answers exactly what `clue-ray score` writes for each."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from served import call, start_server

from clue_ray.commands.score import run_score
from clue_ray.config import ScoreCommand
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.user_tasks import task_set

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/tasks/discharge_triage"
FILES = [str(EXAMPLE / "task.yaml"), str(EXAMPLE / "strict_task.py")]
OWN = ("discharge_triage", "discharge_triage_strict")
CLUE_TASK = "medisumcode"  # scored without a model: no BERTScore or UMLS load
TOKEN = "user-task-token"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, synthetic_data_dir) -> Path:
    data = tmp_path_factory.mktemp("triage") / "data"
    subprocess.run([sys.executable, str(EXAMPLE / "generate.py"), str(data), "--records", "12"],
                   check=True, capture_output=True, timeout=60)
    source = CLUE[CLUE_TASK].source_file
    shutil.copy(synthetic_data_dir / source, data / source)
    return data


@pytest.fixture(scope="module")
def server(ray_env, data_dir, scoring_settings, tmp_path_factory):
    started = start_server([
        "experiment=demo", f"data_dir={data_dir}",
        f"output_dir={tmp_path_factory.mktemp('results')}",
        f"tasks=[{CLUE_TASK},{','.join(OWN)}]", f"user_tasks=[{','.join(FILES)}]",
        f"scoring.bertscore.model={scoring_settings.bertscore.model}",
        f"scoring.scispacy.spacy_model={scoring_settings.scispacy.spacy_model}",
        "scoring.umls=disabled", "cluster.num_cpus=2",
        "serve.scoring.autoscaling.max_replicas=1",
    ], TOKEN)
    yield started
    started.stop()


def test_users_tasks_are_served_and_scored_as_clue_ray_score_scores_them(
        server, data_dir, scoring_settings, tmp_path):
    health = call(f"{server.url}/v1/health")
    assert health.status == 200 and health.json()["tasks"] == [CLUE_TASK, *OWN]
    tasks = task_set(FILES)
    for task in (*OWN, CLUE_TASK):
        refs = tasks.references(task, data_dir)
        by_id = {r.sample_id: f"{r.reference} follow-up" if i % 2 else "routine"
                 for i, r in enumerate(refs)}
        source, out = tmp_path / f"{task}.jsonl", tmp_path / f"{task}.json"
        source.write_text("".join(json.dumps({"sample_id": s, "prediction": p}) + "\n"
                                  for s, p in by_id.items()))
        run_score(ScoreCommand(task, str(data_dir), str(source), str(out), scoring_settings,
                               user_tasks=FILES))
        expected = json.loads(out.read_text())
        answer = server.score({"task": task, "items": [
            {"sample_id": s, "prediction": p} for s, p in by_id.items()]})
        assert answer.status == 200, answer.text
        assert answer.json() == {"samples": expected["samples"],
                                 "aggregate": expected["aggregate"]}, task


def test_a_task_neither_clue_nor_given_stops_serve_in_one_line(data_dir, capsys):
    from clue_ray.cli import main

    code = main(["serve", "experiment=demo", f"data_dir={data_dir}",
                 f"tasks=[{OWN[0]}]"])
    assert code == 2
    assert capsys.readouterr().err.strip().startswith(
        f"clue-ray: error: unknown task '{OWN[0]}'")
