"""Problem Summary (Level 1, BioNLP 2023 task 1A): list a patient's diagnoses and problems."""

from __future__ import annotations

from pathlib import Path

from clue_ray.tasks.fewshot import FileTask, Record
from clue_ray.tasks.readers import read_csv, require_columns

SUBJECTIVES_ALIAS = "Subjective Sections"


def load_records(path: Path) -> list[Record]:
    """CSV rows as strings; `Summary` has every ';' replaced by ', ' (the reference's rule)."""
    rows = read_csv(path)
    header = rows[0].keys()
    subjectives = "Subjectives" if "Subjectives" in header else SUBJECTIVES_ALIAS
    require_columns(path, header, (subjectives, "Assessment", "Summary"))
    return [
        {
            "Subjectives": row[subjectives],
            "Assessment": row["Assessment"],
            "Summary": row["Summary"].replace(";", ", "),
        }
        for row in rows
    ]


TASK = FileTask(name="problem_summary", load_records=load_records, reference_field="Summary",
                credentialed=True)
