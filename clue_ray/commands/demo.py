"""`clue-ray demo`: build the local artefacts the demo experiment needs, then run it."""

from __future__ import annotations

from pathlib import Path

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.demo.build import ensure_bert, ensure_data, ensure_models, ensure_umls
from clue_ray.pipeline.control.run import run_sweep


def run_demo(overrides: list[str]) -> int:
    """Everything comes from the composed config (experiment=demo unless overridden)."""
    if not any(o.startswith("experiment=") for o in overrides):
        overrides = ["experiment=demo", *overrides]
    cmd = compose("run", overrides, RunCommand)
    ensure_models([load_model(name) for name in cmd.models])
    ensure_bert(Path(cmd.scoring.bertscore.model))
    if cmd.scoring.umls == "enabled" and cmd.scoring.scispacy.kb_dir:
        ensure_umls(Path(cmd.scoring.scispacy.spacy_model), Path(cmd.scoring.scispacy.kb_dir))
    ensure_data(Path(cmd.data_dir))
    run_sweep(cmd)
    return 0
