"""The prompt cache: a second model with the same tokenizer, template and context builds no
prompt again and gets identical rows; anything that changes the prompt changes the key; a
damaged cache file is only a miss."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clue_ray.config import load_model
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.stages.prompt_cache import PromptCache, tokenizer_fingerprint
from clue_ray.pipeline.stages.prompt_rows import PromptBuilder
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.render import ChatRenderer, load_tokenizer

TASKS = ("meqsum", "longhealth")
PROMPT_COLUMNS = ["task", "sample_id", "seed", "prompt", "prompt_token_ids", "prompt_tokens",
                  "system_folded", "context_overflow", "prompt_sha256", "reference"]


@pytest.fixture
def keys(run_command, synthetic_data_dir) -> dict[str, list[tuple[str, int]]]:
    return {task: [(r.sample_id, -1) for r in CLUE.references(task, synthetic_data_dir)][:4]
            for task in TASKS}


def builder(run_command, data_dir, registry_name: str, cache_dir, **changes) -> PromptBuilder:
    model = replace(load_model(registry_name), **changes)
    return PromptBuilder("run", model, data_dir, make_plan(run_command()).task_options, True,
                         cache_dir)


def test_second_model_of_a_key_renders_nothing_and_gets_the_same_rows(
        run_command, synthetic_data_dir, keys, tmp_path, monkeypatch):
    first = builder(run_command, synthetic_data_dir, "test-general", tmp_path)
    built = {task: first.rows(task, pairs) for task, pairs in keys.items()}
    assert len(list(tmp_path.iterdir())) == 1  # one cache key

    def no_rendering(*_args, **_kwargs):
        raise AssertionError("a cached prompt was rendered again")

    second = builder(run_command, synthetic_data_dir, "test-biomedical", tmp_path)
    second.load()  # the cache key is computed at load, before rendering is forbidden
    monkeypatch.setattr(ChatRenderer, "render", no_rendering)
    for task, pairs in keys.items():
        again = second.rows(task, pairs)
        assert {row["model"] for row in again} == {"test-biomedical"}
        assert [{c: r[c] for c in PROMPT_COLUMNS} for r in again] == [
            {c: r[c] for c in PROMPT_COLUMNS} for r in built[task]]
        assert all(row["messages"] == "" for row in again)


def test_what_changes_a_prompt_changes_the_key(run_command, synthetic_data_dir,
                                               tiny_tokenizer_dir, nosystem_tokenizer_dir,
                                               tmp_path):
    def folder(**changes) -> str:
        made = builder(run_command, synthetic_data_dir, "test-general", tmp_path, **changes)
        return made.cache().folder.name

    plain = folder()
    assert folder(name="renamed", kind="biomedical") == plain  # the name is not in a prompt
    assert folder(max_context=4096) != plain
    assert folder(system_role=False) != plain
    renderers = [ChatRenderer(load_tokenizer(d)) for d in (tiny_tokenizer_dir,
                                                          nosystem_tokenizer_dir)]
    assert len({tokenizer_fingerprint(r) for r in renderers}) == 2  # same vocabulary, template
    renderer = renderers[0]
    assert PromptCache(tmp_path, renderer, 100, True).folder != PromptCache(
        tmp_path, renderer, 100, False).folder  # with and without token ids


def test_baseline_is_not_cached_and_a_damaged_file_is_rebuilt(run_command, synthetic_data_dir,
                                                             keys, tmp_path):
    baseline = builder(run_command, synthetic_data_dir, "test-baseline", tmp_path)
    assert baseline.cache() is None
    general = builder(run_command, synthetic_data_dir, "test-general", tmp_path)
    rows = general.rows("meqsum", keys["meqsum"])
    cache = general.cache()
    path = cache.path("meqsum", [sid for sid, _ in keys["meqsum"]])
    path.write_bytes(b"not parquet")
    assert cache.get("meqsum", [sid for sid, _ in keys["meqsum"]]) is None
    assert general.rows("meqsum", keys["meqsum"]) == rows
    assert cache.get("meqsum", [sid for sid, _ in keys["meqsum"]]) is not None  # rewritten
