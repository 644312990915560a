"""Scoring apart from inference, on real Ray with the real scorers: a scorer that cannot load
stops the run before any inference; one that fails while scoring leaves the other metrics in
place and is scored again on rerun without the engine; new scoring settings score the stored
predictions again (`clue-ray rescore`), starting no engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clue_ray.cli import main
from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.results.load import read_scores
from clue_ray.results.summary import load_rows
from clue_ray.storage.run_folder import RunFolder

FAST = ("engine=simulated", "models=[test-general]", "tasks=[problem_summary]", "limit=3")
ENGINE_COLUMNS = ["sample_id", "prediction", "engine_started_at", "engine_finished_at"]


@pytest.mark.usefixtures("ray_shutdown")  # it checks that no Ray was started
def test_a_scorer_that_cannot_load_stops_the_run_before_inference(run_command, tmp_path):
    import ray

    cmd = run_command(*FAST, f"scoring.scispacy.spacy_model={tmp_path / 'nowhere'}")
    with pytest.raises(ConfigError, match=r"scoring.scispacy.spacy_model=.*nowhere is neither "
                                          "a spaCy pipeline folder nor an installed package"):
        run_sweep(cmd)
    assert not ray.is_initialized()
    assert not list(tmp_path.rglob("*.parquet"))


@pytest.mark.slow
@pytest.mark.usefixtures("shared_ray")
def test_failed_scores_are_redone_and_new_settings_rescore_without_the_engine(
        run_command, sweep_overrides, scoring_settings, tmp_path, capsys):
    good_kb = scoring_settings.scispacy.kb_dir
    kb = tmp_path / "kb"
    shutil.copytree(good_kb, kb)
    (kb / "nmslib_index.bin").write_bytes(b"not an index")  # present, but will not load
    overrides = [*FAST, f"scoring.scispacy.kb_dir={kb}"]

    first = run_sweep(run_command(*overrides))
    rows = load_rows(first["run_dir"])
    assert first["failed"] == 1 and len(rows) == 3
    assert rows["scorer_error"].str.startswith("umls: ").all()
    assert rows["flags"].map(lambda f: "scorer_error" in f).all()
    assert rows["metric_rougeL"].notna().all()  # UMLS failed; ROUGE and BERTScore did not
    assert rows["metric_bertscore_f1"].notna().all() and rows["metric_umls_f1"].isna().all()
    assert "row(s) with a scorer error, the first: umls: " in capsys.readouterr().out

    shutil.copy(good_kb + "/nmslib_index.bin", kb / "nmslib_index.bin")  # fixed in place
    second = run_sweep(run_command(*overrides))
    outcome = second["outcomes"]["test-general"]
    assert (outcome["computed"], outcome["rescored"], outcome["dropped_scores"]) == (0, 3, 3)
    assert second["run_dir"] == first["run_dir"] and second["failed"] == 0
    fixed = load_rows(second["run_dir"])
    assert fixed["scorer_error"].isna().all() and fixed["metric_umls_f1"].notna().all()
    assert fixed[ENGINE_COLUMNS].equals(rows[ENGINE_COLUMNS])  # the engine did not run again

    assert main(["rescore", *sweep_overrides(tmp_path / "results"), *overrides,
                 "scoring.bertscore.num_layers=1"]) == 0
    run_dir = Path(second["run_dir"])
    assert len(RunFolder(run_dir).scoring_ids()) == 2
    manifest = RunFolder(run_dir).load_manifest()
    last = manifest["attempts"][-1]["models"]["test-general"]
    assert (last["computed"], last["rescored"]) == (0, 3)
    newest = load_rows(run_dir)
    assert newest[ENGINE_COLUMNS].equals(rows[ENGINE_COLUMNS])
    assert not newest["metric_bertscore_f1"].equals(fixed["metric_bertscore_f1"])
    scores, notes = read_scores(run_dir)
    assert len(scores) == 3 and any("set aside" in note for note in notes)
