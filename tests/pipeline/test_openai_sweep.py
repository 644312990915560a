"""The openai engine in a real local Ray sweep against a real local completions server:
the data policy holds before anything is sent, and engine errors are recomputed on rerun
(including good rows beside failed ones in the same batch, whose nulls arrive as pd.NA)."""

from __future__ import annotations

import pytest
from engines.completions_server import DEFAULT_ANSWER, CompletionsServer

from clue_ray.errors import ConfigError
from clue_ray.pipeline.plan import make_plan
from clue_ray.pipeline.run import run_sweep
from clue_ray.results.summary import load_rows

KEY = ["model", "task", "sample_id", "seed"]
FAST = ("engine=openai", "models=[test-general]", "scoring.umls=disabled")


def openai_run(url: str, *overrides: str) -> tuple[str, ...]:
    return (*FAST, f"engine.openai.base_url={url}", *overrides)


@pytest.mark.usefixtures("ray_shutdown")
def test_credentialed_tasks_stay_home_unless_allowed(run_command):
    import ray

    server = CompletionsServer()
    with server as url:
        mixed = run_command(*openai_run(url, "tasks=[mednli,meqsum]", "limit=2"))
        refusal = r"credentialed data \(mednli\).*PhysioNet.*allow_credentialed_data=true"
        with pytest.raises(ConfigError, match=refusal):
            make_plan(mixed)
        with pytest.raises(ConfigError, match=refusal):
            run_sweep(mixed)
        assert server.requests == []
        assert not ray.is_initialized()  # refused before Ray started or a model loaded
        # The rule-based baseline sends nothing anywhere: no refusal.
        make_plan(run_command(*openai_run(url, "tasks=[mednli]", "models=[baseline]")))

        public = run_sweep(run_command(*openai_run(url, "tasks=[meqsum,longhealth]",
                                                   "limit=3")))
        rows = load_rows(public["run_dir"])
        assert rows.groupby("task").size().to_dict() == {"meqsum": 3, "longhealth": 3}
        assert not rows["context_overflow"].any()
        assert (rows["prediction"] == DEFAULT_ANSWER).all()
        assert rows["engine_error"].isna().all()
        assert len(server.requests) == 6
        assert {r["model"] for r in server.requests} == {"clue-ray/test-general"}
        assert all(r["temperature"] == 0.0 for r in server.requests)
        lh = rows[rows.task == "longhealth"]
        assert lh["metric_accuracy"].notna().all()

        allowed = run_sweep(run_command(*openai_run(
            url, "tasks=[mednli]", "limit=2", "engine.openai.allow_credentialed_data=true")))
        rows = load_rows(allowed["run_dir"])
        assert rows.groupby("task").size().to_dict() == {"mednli": 2}
        assert (rows["prediction"] == DEFAULT_ANSWER).all()
        assert len(server.requests) == 8


def has_flag(flags, name: str = "engine_error") -> bool:
    return name in list(flags)


@pytest.mark.usefixtures("ray_shutdown")
def test_engine_errors_are_recomputed_on_rerun(run_command):
    # One server for both runs: same base URL, same config, same run id; only its failure
    # mode is switched off between the runs.
    server = CompletionsServer(always_fail=500)
    with server as url:
        overrides = openai_run(url, "tasks=[longhealth]", "limit=4",
                               "engine.openai.max_retries=0")
        first = run_sweep(run_command(*overrides))
        rows = load_rows(first["run_dir"])
        assert len(rows) == 4
        assert rows["prediction"].isna().all()
        assert rows["engine_error"].str.startswith("HTTP 500").all()
        assert rows["flags"].map(has_flag).all()
        assert rows["metric_accuracy"].isna().all()
        assert len(server.requests) == 4  # max_retries=0: one request per row

        server.always_fail = None
        second = run_sweep(run_command(*overrides))
        assert len(server.requests) == 8
    assert second["run_id"] == first["run_id"]
    assert second["outcomes"]["test-general"]["dropped_failed"] == 4
    assert second["outcomes"]["test-general"]["computed"] == 4
    rows = load_rows(second["run_dir"])
    assert len(rows) == 4
    assert not rows.duplicated(KEY).any()
    assert rows["engine_error"].isna().all()
    assert (rows["prediction"] == DEFAULT_ANSWER).all()
    assert not rows["flags"].map(has_flag).any()
    assert rows["metric_accuracy"].notna().all()


@pytest.mark.usefixtures("ray_shutdown")
def test_good_rows_beside_an_engine_error_are_scored(run_command):
    server = CompletionsServer(fail_first=2, fail_status=500)
    with server as url:
        result = run_sweep(run_command(*openai_run(url, "tasks=[longhealth]", "limit=4",
                                                   "engine.openai.max_retries=0")))
    rows = load_rows(result["run_dir"])
    failed = rows["engine_error"].notna()
    assert failed.sum() == 2  # one engine batch: two failed rows beside two good ones
    assert rows.loc[failed, "flags"].map(has_flag).all()
    good = rows[~failed]
    assert (good["prediction"] == DEFAULT_ANSWER).all()
    assert not good["flags"].map(has_flag).any()
    assert good["metric_accuracy"].notna().all()
