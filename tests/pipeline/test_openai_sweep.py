"""The openai engine in a real local Ray sweep against a real local completions server:
the data policy holds before anything is sent (credentialed tasks run only when allowed),
batches overlap within the engine's bound, and engine errors are recomputed on rerun (good
rows beside failed ones in the same batch, whose nulls arrive as pd.NA, are scored and kept).
(An unreachable server is a row error in tests/engines/test_openai_engine.py; a sweep whose
rows fail against a killed Serve replica, in tests/serve/test_served_model.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from engines.completions_server import DEFAULT_ANSWER, CompletionsServer

from clue_ray.cli import main
from clue_ray.commands.run import FAILED_ROWS
from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.results.summary import load_rows

KEY = ["model", "task", "sample_id", "seed"]
FAST = ("engine=openai", "models=[test-general]", "scoring.umls=disabled")


def openai_run(url: str, *overrides: str) -> tuple[str, ...]:
    return (*FAST, f"engine.openai.base_url={url}", *overrides)


@pytest.mark.usefixtures("ray_shutdown")  # it checks that no Ray was started
def test_credentialed_tasks_stay_home_unless_allowed(run_command):
    import ray

    server = CompletionsServer(delay_s=lambda body: 1.5)
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
        # Public tasks need no permission (LongHealth runs in the rerun test below).
        make_plan(run_command(*openai_run(url, "tasks=[meqsum,longhealth]", "limit=3")))
        assert server.requests == []

        # A server we operate ourselves: credentialed data may go to it. One row per
        # chunk and per batch: the engine actor takes the second batch while the first is
        # in flight, so both requests are in flight at once (max_in_flight=2).
        allowed = run_sweep(run_command(*openai_run(
            url, "tasks=[mednli]", "limit=2", "engine.openai.allow_credentialed_data=true",
            "prompt_chunk_rows=1", "engine.openai.batch_size=1",
            "engine.openai.max_in_flight=2")))
    rows = load_rows(allowed["run_dir"])
    assert rows.groupby("task").size().to_dict() == {"mednli": 2}
    assert (rows["prediction"] == DEFAULT_ANSWER).all()
    assert rows["metric_accuracy"].notna().all()
    assert len(server.requests) == 2
    assert server.peak_in_flight == 2


def has_flag(flags, name: str = "engine_error") -> bool:
    return name in list(flags)


@pytest.mark.usefixtures("shared_ray")
def test_engine_errors_are_recomputed_on_rerun(run_command, sweep_overrides, tmp_path, capsys):
    # A public task, default data policy; LongHealth's accuracy loads no scoring model (the
    # rerun does not depend on the metrics). One server for both runs: same base URL, same
    # config, same run id; only its failure mode is switched off between the runs.
    server = CompletionsServer(fail_first=3, fail_status=500)
    with server as url:
        overrides = openai_run(url, "tasks=[longhealth]", "limit=6",
                               "engine.openai.max_retries=0")
        # through the CLI: a run that ends with failed rows keeps the rest and says so
        assert main(["run", *sweep_overrides(tmp_path / "results"), *overrides]) == FAILED_ROWS
        assert re.search(r"test-general/longhealth: \d row\(s\) with an engine error, "
                         r"the first: HTTP 500", capsys.readouterr().out)
        first = {"run_dir": make_plan(run_command(*overrides)).run_dir}
        assert len(server.requests) == 6  # max_retries=0: one request per row
        rows = load_rows(first["run_dir"])
        assert len(rows) == 6
        # All six rows went out in one engine batch: three failed rows beside three good
        # ones (whose nulls reach the scoring actor as pd.NA); the good ones are kept scored.
        failed = rows["engine_error"].notna()
        assert failed.sum() == 3
        assert rows.loc[failed, "engine_error"].str.startswith("HTTP 500").all()
        assert rows.loc[failed, "prediction"].isna().all()
        assert rows.loc[failed, "flags"].map(has_flag).all()
        assert not scored(rows[failed]).any()
        good = rows[~failed]
        assert (good["prediction"] == DEFAULT_ANSWER).all()
        assert not good["flags"].map(has_flag).any()
        assert scored(good).all()

        server.fail_first = 0
        second = run_sweep(run_command(*overrides))
        assert len(server.requests) == 9  # only the three failed rows were sent again
    assert Path(second["run_dir"]) == first["run_dir"] and second["failed"] == 0
    assert second["outcomes"]["test-general"]["dropped_failed"] == 3
    assert second["outcomes"]["test-general"]["computed"] == 3
    rows = load_rows(second["run_dir"])
    assert rows.groupby("task").size().to_dict() == {"longhealth": 6}
    assert not rows.duplicated(KEY).any()
    assert not rows["context_overflow"].any()
    assert rows["engine_error"].isna().all()
    assert (rows["prediction"] == DEFAULT_ANSWER).all()  # the server's text, every row
    assert not rows["flags"].map(has_flag).any()
    assert scored(rows).all()
    sent = server.requests
    assert {r["model"] for r in sent} == {"clue-ray/test-general"}
    assert all(r["temperature"] == 0.0 and "seed" not in r for r in sent)


def scored(rows):
    """Whether each row has LongHealth's metric."""
    return rows["metric_accuracy"].notna()
