"""Models side by side on real local Ray: with `cluster.models_at_once=2` two models' streams
run at once (their engines' busy spans overlap) and every row is still stored once; a local
Ray that cannot host both streams at once is refused before any model loads."""

from __future__ import annotations

import pytest

from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.results.summary import load_rows

KEY = ["model", "task", "sample_id", "seed"]
SLOW = ("engine=simulated", "tasks=[mednli,medisumcode]", "limit=4", "scoring.umls=disabled",
        "engine.simulated.latency_per_prompt_s=0.5", "engine.simulated.batch_size=1",
        "shard_rows=1", "scoring_batch_rows=1")


@pytest.mark.slow
@pytest.mark.usefixtures("ray_shutdown")
def test_two_models_stream_at_once(run_command):
    # 4 logical CPUs on this 2-core machine: each stream holds an engine and a scoring actor
    result = run_sweep(run_command(*SLOW, "cluster.num_cpus=4", "cluster.models_at_once=2"))
    rows = load_rows(result["run_dir"])
    assert rows.groupby("model").size().to_dict() == {"test-general": 8, "test-biomedical": 8}
    assert not rows.duplicated(KEY).any() and rows["engine_error"].isna().all()
    spans = rows.groupby("model").agg(start=("engine_started_at", "min"),
                                      end=("engine_finished_at", "max"))
    general, biomedical = spans.loc["test-general"], spans.loc["test-biomedical"]
    assert general.start < biomedical.end and biomedical.start < general.end  # overlapping
    assert set(result["outcomes"]) == {"test-general", "test-biomedical"}


@pytest.mark.usefixtures("shared_ray")
def test_side_by_side_that_cannot_fit_is_refused(run_command):
    with pytest.raises(ConfigError, match=r"cluster.models_at_once=2 needs 4 CPUs.*has 2 CPUs"):
        run_sweep(run_command(*SLOW, "cluster.num_cpus=2", "cluster.models_at_once=2"))
