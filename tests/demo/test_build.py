"""Demo artefacts are rebuilt when stale: models by their registry revision, data by the
digest of the generator's records."""

from __future__ import annotations

import shutil
from dataclasses import replace

from clue_ray.config import load_model
from clue_ray.demo.build import DATA_STAMP, REVISION_STAMP, ensure_data, ensure_models


def test_models_are_rebuilt_when_their_revision_changes(tiny_lm_dir, tmp_path):
    general = replace(load_model("demo-general"), path=str(tmp_path / "general"))
    biomedical = replace(load_model("demo-biomedical"), path=str(tmp_path / "biomedical"))
    baseline = replace(load_model("demo-baseline"), path=str(tmp_path / "general"))
    shutil.copytree(tiny_lm_dir, general.path)
    (tmp_path / "general" / REVISION_STAMP).write_text(general.revision + "\n")

    ensure_models([general, biomedical, baseline])  # the general model is current: kept
    stamp = tmp_path / "biomedical" / REVISION_STAMP
    assert stamp.read_text().strip() == biomedical.revision
    built = (tmp_path / "biomedical" / "config.json").stat().st_mtime_ns
    ensure_models([general, biomedical, baseline])
    assert (tmp_path / "biomedical" / "config.json").stat().st_mtime_ns == built

    ensure_models([general, replace(biomedical, revision="recipe-2")])
    assert stamp.read_text().strip() == "recipe-2"
    assert (tmp_path / "biomedical" / "config.json").stat().st_mtime_ns != built
    assert (tmp_path / "general" / REVISION_STAMP).read_text().strip() == general.revision


def test_data_is_rewritten_when_its_records_differ(tmp_path):
    data = tmp_path / "data"
    ensure_data(data)
    mednli = data / "mli_test_v1.jsonl"
    written = mednli.stat().st_mtime_ns
    ensure_data(data)
    assert mednli.stat().st_mtime_ns == written
    (data / DATA_STAMP).write_text("records of an older generator\n")
    mednli.write_text("stale\n")
    ensure_data(data)
    assert mednli.read_text() != "stale\n"
