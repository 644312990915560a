"""Prompt construction shared by the five file-based tasks (protocol: shuffle, k shots, rest)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.tasks.sample import Message, Reference, Sample
from clue_ray.tasks.spec import TaskSpec

SHUFFLE_SEED = 1

Record = Mapping[str, str]


@dataclass(frozen=True)
class FewShotFile:
    """The reader of a few-shot task's file: its spec, record reader and reference field."""

    spec: TaskSpec
    load_records: Callable[[Path], list[Record]]
    reference_field: str

    def samples(self, data_dir: Path) -> list[Sample]:
        """All evaluated samples, in the protocol's shuffled order."""
        path = Path(data_dir) / self.spec.source_file
        records = self.load_records(path)
        return build_fewshot_samples(self.spec, records, self.reference_field, path)

    def references(self, data_dir: Path) -> list[Reference]:
        """The reference of every evaluated sample."""
        return [Reference(s.sample_id, s.subtask, s.reference) for s in self.samples(data_dir)]


def shuffled_order(n_records: int) -> list[int]:
    """The permutation `random.Random(1).shuffle` applies to a list of n records."""
    order = list(range(n_records))
    random.Random(SHUFFLE_SEED).shuffle(order)
    return order


def build_fewshot_samples(
    spec: TaskSpec, records: Sequence[Record], reference_field: str, path: Path
) -> list[Sample]:
    """Shots are the first k shuffled records; every other record is one sample."""
    k = spec.few_shot
    if len(records) <= k:
        raise DatasetError(
            path, f"needs more than {k} records ({k} become few-shot examples), got {len(records)}"
        )
    order = shuffled_order(len(records))
    prefix: list[Message] = [{"role": "system", "content": spec.system}]
    for index in order[:k]:
        prefix.append({"role": "user", "content": spec.user_template.format(**records[index])})
        assistant = spec.assistant_template or ""
        prefix.append({"role": "assistant", "content": assistant.format(**records[index])})
    return [
        Sample(
            task=spec.name,
            sample_id=str(index),
            messages=(
                *prefix,
                {"role": "user", "content": spec.user_template.format(**records[index])},
            ),
            reference=records[index][reference_field],
            max_tokens=spec.max_tokens,
        )
        for index in order[k:]
    ]
