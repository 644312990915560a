"""Few-shot prompt construction for the file-based tasks (protocol steps 1-4)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from clue_ray.errors import DatasetError
from clue_ray.tasks.fewshot import build_fewshot_samples, shuffled_order
from clue_ray.tasks.medisumqa import TASK as MEDISUMQA
from clue_ray.tasks.mednli import TASK as MEDNLI
from clue_ray.tasks.spec import task_spec


def test_order_is_the_permutation_of_random_1_shuffle():
    records = [f"r{i}" for i in range(23)]
    shuffled = list(records)
    random.Random(1).shuffle(shuffled)
    assert [records[i] for i in shuffled_order(23)] == shuffled


def _mednli_file(tmp_path: Path, n: int) -> Path:
    labels = ["entailment", "neutral", "contradiction"]
    path = tmp_path / "mli_test_v1.jsonl"
    path.write_text(
        "".join(
            json.dumps({"sentence1": f"s1 {{{i}}}", "sentence2": f"s2 {i}",
                        "gold_label": labels[i % 3], "pairID": str(i)}) + "\n"
            for i in range(n)
        )
    )
    return path


def test_messages_shots_and_evaluated_records(tmp_path):
    _mednli_file(tmp_path, 8)
    samples = MEDNLI.samples(tmp_path)
    order = shuffled_order(8)
    spec = task_spec("mednli")
    assert [s.sample_id for s in samples] == [str(i) for i in order[3:]]
    first = samples[0]
    roles = [m["role"] for m in first.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user", "assistant",
                     "user"]
    assert first.messages[0]["content"] == spec.system
    shot = order[0]
    # str.format fills the template; braces inside record values are kept literally
    assert first.messages[1]["content"] == f"\nSENTENCE_1: s1 {{{shot}}}\nSENTENCE_2: s2 {shot}\n"
    assert first.messages[2]["content"] == ["entailment", "neutral", "contradiction"][shot % 3]
    i = int(first.sample_id)
    assert first.messages[-1]["content"] == f"\nSENTENCE_1: s1 {{{i}}}\nSENTENCE_2: s2 {i}\n"
    assert first.reference == ["entailment", "neutral", "contradiction"][i % 3]
    assert first.max_tokens == 20 and first.subtask is None
    # the same shots precede every sample; no shot is evaluated
    assert all(s.messages[:7] == first.messages[:7] for s in samples)
    assert not {str(i) for i in order[:3]} & {s.sample_id for s in samples}


def test_one_shot_task_has_four_messages(tmp_path):
    path = tmp_path / "MeDiSumQA.json"
    path.write_text(json.dumps([
        {"discharge_summary": f"d{i}", "Question": f"q{i}?", "Answer": f"a{i}"} for i in range(3)
    ]))
    samples = MEDISUMQA.samples(tmp_path)
    assert len(samples) == 2
    assert [m["role"] for m in samples[0].messages] == ["system", "user", "assistant", "user"]


def test_zero_shot_conversation_is_system_then_user():
    spec = task_spec("medisumqa")
    zero = type(spec)(**{**spec.__dict__, "few_shot": 0})
    records = [{"discharge_summary": "d", "Question": "q", "Answer": "a"}]
    (sample,) = build_fewshot_samples(zero, records, "Answer", Path("x.json"))
    assert [m["role"] for m in sample.messages] == ["system", "user"]


def test_too_few_records_is_an_error(tmp_path):
    _mednli_file(tmp_path, 3)
    with pytest.raises(DatasetError, match="needs more than 3 records"):
        MEDNLI.samples(tmp_path)
