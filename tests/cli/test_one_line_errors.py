"""Every check before work, each a single line and an exit status, never a traceback: bad
selections, an unwritable output folder, an unknown model kind, unknown choices listed, a
value that must be a list, a report folder that is a file, a full disk."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from clue_ray.cli import DISK_FULL, main

FAST = ["engine=simulated", "models=[test-general]", "tasks=[mednli]"]


@pytest.fixture
def run_args(conf_with_test_models, sweep_overrides, tmp_path, monkeypatch, ray_env):
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    return [*sweep_overrides(tmp_path / "results"), *FAST]


def one_line_error(capsys) -> str:
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error, error
    return error


@pytest.mark.parametrize(("overrides", "message"), [
    (["limit=0"], "error: limit must be 1 or more, got 0$"),
    (["limit=-1"], "error: limit must be 1 or more, got -1$"),
    (["cluster.models_at_once=0"], "error: cluster.models_at_once must be 1 or more, got 0$"),
    (["tasks=[]"], r"no tasks selected \(available: mednli, meqsum"),
    (["tasks=[mednli,mednli]"], "tasks names mednli more than once"),
    (["models=[test-general,test-general]"], "models names test-general more than once"),
    (["engine.decoding=engine_defaults", "seeds=[1,1]"], "seeds names 1 more than once"),
    (["experiment=nonexistent"], r"unknown experiment 'nonexistent' \(available: clue, demo,"),
    (["engine=typo"], r"unknown engine 'typo' \(available: openai, simulated, transformers, "),
    (["models=test-general"], r"models must be a list: write models=\[a,b\]"),
])
def test_run_refuses_in_one_line(run_args, capsys, tmp_path, overrides, message):
    assert main(["run", *run_args, *overrides]) == 2
    assert re.search(message, one_line_error(capsys))
    assert not list(tmp_path.rglob("*.parquet"))


def test_unwritable_output_folder_is_found_before_anything_runs(run_args, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["run", *run_args, f"output_dir={blocker / 'results'}"]) == 2
    assert re.search(r"output_dir=.*a-file/results is not writable \(Not a directory\)",
                     one_line_error(capsys))


def test_unknown_model_kind_is_refused_with_the_allowed_values(run_args, capsys,
                                                               conf_with_test_models,
                                                               tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(conf_with_test_models, conf)
    entry = conf / "model" / "test-general.yaml"
    entry.write_text(entry.read_text().replace("kind: general", "kind: biomedicl"))
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf))
    assert main(["run", *run_args]) == 2
    assert re.search(r"test-general.yaml: kind 'biomedicl' is not one of general, biomedical, "
                     "baseline", one_line_error(capsys))


def test_report_into_a_file_is_refused(capsys, tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "report.html").write_text("")
    assert main(["report", f"results={tmp_path / 'results'}",
                 f"out={tmp_path / 'report.html'}"]) == 2
    assert "is a file: the report is a folder" in one_line_error(capsys)


@pytest.fixture
def tiny_disk(tmp_path):
    """An 8 KiB tmpfs, full after a few writes (skipped where mounting is not allowed)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()[:80]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_one_line(capsys, synthetic_data_dir, tiny_disk):
    assert main(["prompts", "task=meqsum", f"data_dir={synthetic_data_dir}",
                 f"out={tiny_disk / 'prompts.jsonl'}"]) == DISK_FULL
    assert "no space left while writing" in one_line_error(capsys)
    assert not list(tiny_disk.iterdir())  # no half file left behind
