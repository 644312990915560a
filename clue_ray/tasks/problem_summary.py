"""Problem Summary (Level 1, BioNLP 2023 task 1A): list a patient's diagnoses and problems.
Declared in clue_ray/data/tasks/problem_summary.yaml; here its reader (tasks/hooks.py)."""

from __future__ import annotations

from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_csv, require_columns
from clue_ray.tasks.task_yaml import packaged_task

SUBJECTIVES = "Subjectives"
SUBJECTIVES_ALIAS = "Subjective Sections"


def load_records(path: Path) -> list[Record]:
    """CSV rows as strings; `Summary` has every ';' replaced by ', ' (the reference's rule)."""
    rows = read_csv(path)
    header = rows[0].keys()
    if SUBJECTIVES not in header and SUBJECTIVES_ALIAS not in header:
        raise DatasetError(path, f"missing column '{SUBJECTIVES}' (the reference's name) or "
                                 f"'{SUBJECTIVES_ALIAS}' (the released file's) (found: "
                                 f"{', '.join(sorted(header)) or 'none'})", field=SUBJECTIVES)
    subjectives = SUBJECTIVES if SUBJECTIVES in header else SUBJECTIVES_ALIAS
    require_columns(path, header, ("Assessment", "Summary"))
    return [
        {
            SUBJECTIVES: row[subjectives],
            "Assessment": row["Assessment"],
            "Summary": row["Summary"].replace(";", ", "),
        }
        for row in rows
    ]


TASK = packaged_task("problem_summary")
