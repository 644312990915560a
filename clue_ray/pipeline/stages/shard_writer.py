"""The writing stage: one Ray Data actor, on the driver's node, that writes every batch of
finished rows as atomic Parquet shards (inference shard first, then its score shard) and
passes on only keys and engine timing, so no prompt, prediction or reference text ever
returns to the driver."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psutil

from clue_ray.rows import METRIC_PREFIX
from clue_ray.storage.run_folder import RunFolder

# What the driver gets back per written row: enough for progress, engine utilisation and
# the count of failed rows (an engine or scorer error: the flag, never the error's text).
RETURNED = ("task", "engine_actor", "engine_started_at", "engine_finished_at", "failed")


class ShardWriterStage:
    """Callable class for `Dataset.map_batches` (a pool of exactly one actor: one writer per
    run folder, as the run lock promises)."""

    def __init__(self, run_dir: str, model: str, metric_names: dict[str, list[str]],
                 scoring_id: str, inference: bool, owner_pid: int) -> None:
        self.owner_pid = owner_pid  # the run holding the folder's lock, on this node
        self.folder = RunFolder(Path(run_dir))
        self.model = model
        self.metric_names = metric_names
        self.scoring_id = scoring_id
        self.inference = inference

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Write the batch's rows, one shard pair per task; return their keys and timing.
        Refuses once the run that owns the folder has ended (a killed driver's stream must
        not go on writing beside the run that resumes it)."""
        if not psutil.pid_exists(self.owner_pid):
            raise RuntimeError(f"the run that started this writer (pid {self.owner_pid}) has "
                               f"ended: not writing into {self.folder.path}")
        for task, group in batch.groupby("task", sort=False):
            metrics = [METRIC_PREFIX + m for m in self.metric_names[str(task)]]
            self.folder.write_rows(self.model, str(task), group.reset_index(drop=True),
                                   metrics, self.scoring_id, self.inference)
        failed = pd.Series(False, index=batch.index)
        for column in ("engine_error", "scorer_error"):
            if column in batch:
                failed |= batch[column].notna()
        returned = batch.assign(failed=failed)
        return pd.DataFrame({c: returned[c].to_numpy() if c in returned else None
                             for c in RETURNED})
