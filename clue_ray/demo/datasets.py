"""Synthetic data for all six CLUE tasks, in the official formats under the official names."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from clue_ray.demo.corpus import concept_alias, consumer_question, discharge_letter, paragraph
from clue_ray.demo.vocabulary import CONCEPTS, MEDICATIONS, Concept
from clue_ray.tasks.spec import task_spec

LABELS = ("entailment", "neutral", "contradiction")
TASK_KEYS = ("mednli", "meqsum", "problem_summary", "longhealth", "medisumqa", "medisumcode")


@dataclass(frozen=True)
class DatasetSizes:
    """Records per file-based task; LongHealth patients, questions and texts per patient."""

    mednli: int = 12
    meqsum: int = 10
    problem_summary: int = 9
    medisumqa: int = 6
    medisumcode: int = 6
    longhealth_patients: int = 3
    longhealth_questions: int = 3
    longhealth_texts: int = 3

    @classmethod
    def demo(cls) -> DatasetSizes:
        """The sizes `make demo` uses."""
        return cls(40, 40, 30, 20, 20, 4, 4, 4)


def dataset_paths(out_dir: Path) -> dict[str, Path]:
    """Task key -> official file path under out_dir."""
    return {task: Path(out_dir) / task_spec(task).source_file for task in TASK_KEYS}


def write_datasets(out_dir: Path, sizes: DatasetSizes | None = None, seed: int = 0
                   ) -> dict[str, Path]:
    """Write all six files (deterministic in seed); returns task key -> path."""
    sizes = sizes or DatasetSizes()
    paths = dataset_paths(out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    _write_jsonl(paths["mednli"], _mednli(random.Random(f"{seed}/mednli"), sizes.mednli))
    _write_meqsum(paths["meqsum"], random.Random(f"{seed}/meqsum"), sizes.meqsum)
    _write_problem_summary(paths["problem_summary"], random.Random(f"{seed}/ps"),
                           sizes.problem_summary)
    _write_json(paths["medisumqa"], _medisumqa(random.Random(f"{seed}/qa"), sizes.medisumqa))
    _write_json(paths["medisumcode"],
                _medisumcode(random.Random(f"{seed}/code"), sizes.medisumcode))
    _write_json(paths["longhealth"], _longhealth(random.Random(f"{seed}/lh"), sizes))
    return paths


def _concepts(rng: random.Random, k: int) -> list[Concept]:
    return rng.sample(list(CONCEPTS), k)


def _mednli(rng: random.Random, n: int) -> list[dict]:
    records = []
    for i in range(n):
        concept = rng.choice(CONCEPTS)
        records.append({
            "sentence1": paragraph(rng, 1, [concept]),
            "sentence2": f"The patient has {concept_alias(rng, concept)}.",
            "gold_label": LABELS[i % 3],
            "pairID": f"synthetic-{i}",
            "sentence1_parse": "(ROOT (S ...))",
        })
    return records


def _write_meqsum(path: Path, rng: random.Random, n: int) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["File", "CHQ", "Summary"])
    for i in range(n):
        question, summary = consumer_question(rng)
        sheet.append([f"{i + 1}-synthetic.txt", question, summary])
    book.save(path)


def _write_problem_summary(path: Path, rng: random.Random, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["File ID", "Assessment", "Subjective Sections", "Objective Sections",
                         "Summary"])
        for i in range(n):
            concepts = _concepts(rng, 3)
            writer.writerow([
                f"{1000 + i}.txt",
                f"{paragraph(rng, 2, concepts)} Plan: \"continue {MEDICATIONS[i % 10]}\"",
                f"Subjective:\n{paragraph(rng, 3, concepts)}",
                "Objective: vital signs stable, labs pending.",
                "; ".join(concept_alias(rng, c) for c in concepts),
            ])


def _medisumqa(rng: random.Random, n: int) -> list[dict]:
    records = []
    for _ in range(n):
        concepts = _concepts(rng, 2)
        records.append({
            "discharge_summary": discharge_letter(rng, concepts),
            "Question": f"Why was I in the hospital and what should I do about "
                        f"{concept_alias(rng, concepts[0])}?",
            "Answer": f"You were treated for {concepts[0].canonical_name.lower()} and "
                      f"{concepts[1].canonical_name.lower()}; keep taking your medicines.",
        })
    return records


def _medisumcode(rng: random.Random, n: int) -> list[dict]:
    records = []
    for i in range(n):
        concepts = _concepts(rng, 3)
        records.append({
            "hadm_id": 20000000 + i,
            "text": discharge_letter(rng, concepts),
            "icd_codes": [{"code": c.icd10} for c in concepts],
        })
    return records


def _longhealth(rng: random.Random, sizes: DatasetSizes) -> dict:
    patients = {}
    for p in range(sizes.longhealth_patients):
        texts = {f"text_{t}": discharge_letter(rng, _concepts(rng, 3), n_sentences=12)
                 for t in range(sizes.longhealth_texts)}
        questions = []
        for q in range(sizes.longhealth_questions):
            text_id = f"text_{q % sizes.longhealth_texts}"
            concept, options = rng.choice(CONCEPTS), rng.sample(MEDICATIONS, 5)
            answer = options[q % 5]
            fact = f" For {concept_alias(rng, concept)} the team started {answer}."
            start = len(texts[text_id]) / (len(texts[text_id]) + len(fact))
            texts[text_id] += fact
            questions.append({
                "No": q + 1,
                "question": f"Which medication was started for {concept.canonical_name.lower()}?",
                **{f"answer_{letter}": med for letter, med in zip("abcde", options, strict=True)},
                "correct": answer,
                "answer_location": {text_id: {"start": [round(start, 4)], "end": [1.0]}},
            })
        patients[f"patient_{p + 1:02d}"] = {
            "name": f"Synthetic Patient {p + 1}", "birthday": "1950-01-01",
            "diagnosis": CONCEPTS[p % len(CONCEPTS)].canonical_name, "texts": texts,
            "questions": questions,
        }
    return patients


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
