"""Prompts built inside the stream: key chunks (longest first, one task each), the prompt
actor's rows equal to building them directly, and the writer returning no text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

from clue_ray.config import load_model
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.stages.prompt_rows import build_rows
from clue_ray.pipeline.stages.prompt_stage import PromptStage, key_chunks
from clue_ray.pipeline.stages.shard_writer import RETURNED, ShardWriterStage
from clue_ray.results.summary import load_rows
from clue_ray.rows import TASK_COLUMNS
from clue_ray.storage.shards import shard_files
from clue_ray.tasks.registry import CLUE


def test_chunks_hold_one_task_each_longest_prompts_first():
    missing = {
        "mednli": [(str(i), -1) for i in range(5)],
        "longhealth": [(f"p1/0/{sub}/0", -1) for sub in ("task1", "task2", "task3")]
                      + [(f"p2/0/{sub}/0", -1) for sub in ("task1", "task2", "task3")],
    }
    chunks = list(key_chunks(missing, chunk_rows=2))
    keys = [(c["task"], [tuple(k) for k in json.loads(c["keys"])]) for c in chunks]
    assert all(len(k) <= 2 for _, k in keys)
    flat = [sid for _, k in keys for sid, _ in k]
    assert sorted(flat) == sorted(sid for pairs in missing.values() for sid, _ in pairs)
    subtasks = [sid.split("/")[2] for sid in flat if sid.count("/") == 3]
    assert subtasks == ["task2", "task3", "task2", "task3", "task1", "task1"]
    assert [task for task, _ in keys][-3:] == ["mednli"] * 3  # short prompts last


@pytest.fixture
def general(run_command):
    return load_model("test-general")  # run_command points CLUE_RAY_CONF at the test models


@pytest.fixture
def settings(run_command) -> dict[str, Any]:
    return make_plan(run_command()).task_options  # the tasks' parsed options, by name


@pytest.mark.parametrize("task", ["meqsum", "longhealth"])
def test_prompt_actor_rows_equal_direct_building(general, settings, synthetic_data_dir, task):
    keys = [(r.sample_id, -1) for r in CLUE.references(task, synthetic_data_dir)][:6]
    stage = PromptStage("run", general, str(synthetic_data_dir), settings, token_ids=True,
                        cache_dir=None)
    halves = [keys[:3], keys[3:]]  # two calls on one actor: the tokenizer loads once
    built = pd.concat([stage(pd.DataFrame({"task": [task], "keys": [json.dumps(h)]}))
                       for h in halves], ignore_index=True)
    assert list(built.columns) == list(TASK_COLUMNS)
    direct = pd.DataFrame(build_rows("run", general, task, synthetic_data_dir, settings, keys))
    on = ["sample_id", "seed"]
    merged = built.merge(direct, on=on, suffixes=("", "_direct"))
    assert len(merged) == len(keys)
    for column in ("prompt", "prompt_tokens", "prompt_sha256", "reference", "context_overflow"):
        assert (merged[column] == merged[f"{column}_direct"]).all(), column
    assert (built["messages"] == "").all()  # the prompt travels once; only the baseline
    assert built["prompt_token_ids"].map(len).eq(built["prompt_tokens"]).all()
    first = stage(pd.DataFrame({"task": [task], "keys": [json.dumps(keys)]}))
    assert first["prompt_tokens"].is_monotonic_decreasing  # longest first within a call


def test_rows_without_token_ids_when_the_engine_needs_none(general, settings,
                                                           synthetic_data_dir):
    keys = [(r.sample_id, -1) for r in CLUE.references("mednli", synthetic_data_dir)][:2]
    stage = PromptStage("run", general, str(synthetic_data_dir), settings, token_ids=False,
                        cache_dir=None)
    rows = stage(pd.DataFrame({"task": ["mednli"], "keys": [json.dumps(keys)]}))
    assert rows["prompt_token_ids"].map(len).eq(0).all() and (rows["prompt_tokens"] > 0).all()


def test_writer_stores_rows_and_returns_no_text(tmp_path):
    batch = pd.DataFrame({
        "run_id": "r", "model": "m", "task": ["mednli", "meqsum"], "subtask": None,
        "sample_id": ["1", "2"], "seed": -1, "reference": "secret reference",
        "prediction": "secret prediction", "max_tokens": 8, "prompt_tokens": 3,
        "context_overflow": False, "engine_actor": "host:1", "engine_started_at": 1.0,
        "engine_finished_at": 2.0, "flags": "", "metric_accuracy": [1.0, None],
    })
    writer = ShardWriterStage(str(tmp_path), "m", {"mednli": ["accuracy"], "meqsum": []},
                              "s1", inference=True, owner_pid=os.getpid())
    returned = writer(batch)
    assert list(returned.columns) == list(RETURNED) and len(returned) == 2
    assert "secret" not in returned.to_string()
    assert len(shard_files(tmp_path)) == 4  # an inference and a score shard per task
    stored = load_rows(tmp_path, "s1").set_index("sample_id")
    assert stored.loc["1", "prediction"] == "secret prediction"
    assert stored.loc["1", "metric_accuracy"] == 1.0


def test_writer_refuses_once_its_run_has_ended(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    orphan = ShardWriterStage(str(tmp_path), "m", {"mednli": []}, "s1", inference=True,
                              owner_pid=int(ended.stdout))
    with pytest.raises(RuntimeError, match="has ended: not writing"):
        orphan(pd.DataFrame({"task": ["mednli"], "sample_id": ["1"], "seed": [-1]}))
    assert not shard_files(tmp_path)
