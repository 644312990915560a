"""Synthetic data for all six CLUE tasks, in the official formats under the official names.

`synthetic_records` builds the records in memory (the tokenizer corpus reuses it);
`write_datasets` writes them as the official files. Everything is deterministic in `seed`."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clue_ray.demo.corpus import (
    DISCHARGE_MEDICATIONS,
    concept_alias,
    consumer_question,
    discharge_letter,
    nli_pair,
    objective_section,
    paragraph,
    patient_name,
    plan,
)
from clue_ray.demo.vocabulary import CONCEPTS, FINDINGS, MEDICATIONS, Concept
from clue_ray.tasks.spec import task_spec

LABELS = ("entailment", "neutral", "contradiction")
TASK_KEYS = ("mednli", "meqsum", "problem_summary", "longhealth", "medisumqa", "medisumcode")
MEQSUM_COLUMNS = ("File", "CHQ", "Summary")
PROBLEM_SUMMARY_COLUMNS = (
    "File ID", "Assessment", "Subjective Sections", "Objective Sections", "Summary"
)
Record = dict[str, Any]


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
    longhealth_sentences: int = 12  # per section of a document (two sections)

    @classmethod
    def demo(cls) -> DatasetSizes:
        """The larger sizes of the offline demo sweep."""
        return cls(40, 40, 30, 20, 20, 4, 4, 4)


def dataset_paths(out_dir: Path) -> dict[str, Path]:
    """Task key -> official file path under out_dir (nothing is written)."""
    return {task: Path(out_dir) / task_spec(task).source_file for task in TASK_KEYS}


def synthetic_records(sizes: DatasetSizes | None = None, seed: int = 0) -> dict[str, Any]:
    """Task key -> its records as written to the file (LongHealth: the patients object)."""
    sizes = sizes or DatasetSizes()

    def rng(task: str) -> random.Random:
        return random.Random(f"{seed}/{task}")

    return {
        "mednli": _mednli(rng("mednli"), sizes.mednli),
        "meqsum": _meqsum(rng("meqsum"), sizes.meqsum),
        "problem_summary": _problem_summary(rng("problem_summary"), sizes.problem_summary),
        "longhealth": _longhealth(rng("longhealth"), sizes),
        "medisumqa": _medisumqa(rng("medisumqa"), sizes.medisumqa),
        "medisumcode": _medisumcode(rng("medisumcode"), sizes.medisumcode),
    }


def write_datasets(
    out_dir: Path, sizes: DatasetSizes | None = None, seed: int = 0
) -> dict[str, Path]:
    """Write all six official files under out_dir; returns task key -> path."""
    records = synthetic_records(sizes, seed)
    paths = dataset_paths(out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    _write_jsonl(paths["mednli"], records["mednli"])
    _write_xlsx(paths["meqsum"], MEQSUM_COLUMNS, records["meqsum"])
    _write_csv(paths["problem_summary"], PROBLEM_SUMMARY_COLUMNS, records["problem_summary"])
    for task in ("longhealth", "medisumqa", "medisumcode"):
        _write_json(paths[task], records[task])
    return paths


def _concepts(rng: random.Random, k: int) -> list[Concept]:
    return rng.sample(list(CONCEPTS), k)


def _mednli(rng: random.Random, n: int) -> list[Record]:
    records = []
    for i in range(n):
        label = LABELS[i % len(LABELS)]
        premise, hypothesis = nli_pair(rng, label)
        records.append({
            "sentence1": premise,
            "sentence2": hypothesis,
            "gold_label": label,
            "pairID": f"{rng.getrandbits(64):016x}-synthetic-{i}",
            "sentence1_parse": "(ROOT (S ...))",
            "sentence2_parse": "(ROOT (S ...))",
        })
    return records


def _meqsum(rng: random.Random, n: int) -> list[Record]:
    records = []
    for i in range(n):
        question, summary = consumer_question(rng)
        records.append({"File": f"{i + 1}-{rng.randint(10**8, 10**9)}.xml.txt",
                        "CHQ": question, "Summary": summary})
    return records


def _problem_summary(rng: random.Random, n: int) -> list[Record]:
    """The Summary is ';'-separated; every fourth record ends with a stray ';'."""
    records = []
    for i in range(n):
        concepts = _concepts(rng, rng.randint(2, 4))
        problems = ";".join(concept_alias(rng, c) for c in concepts)
        records.append({
            "File ID": f"{rng.randint(10000, 99999)}.txt",
            "Assessment": f"{paragraph(rng, 2, concepts)} {plan(rng)}",
            "Subjective Sections": f"CHIEF COMPLAINT: {rng.choice(FINDINGS)}\n"
                                   f"HPI: {paragraph(rng, 3, concepts)}",
            "Objective Sections": objective_section(rng),
            "Summary": problems + (";" if i % 4 == 3 else ""),
        })
    return records


def _medisumqa(rng: random.Random, n: int) -> list[Record]:
    records = []
    for _ in range(n):
        concepts = _concepts(rng, 2)
        letter = discharge_letter(rng, concepts)
        med = letter.split(DISCHARGE_MEDICATIONS, 1)[1].split(",", 1)[0]
        records.append({
            "discharge_summary": letter,
            "Question": f"Why was I in the hospital and what should I do about "
                        f"{concept_alias(rng, concepts[0])}?",
            "Answer": f"You were treated for {concepts[0].canonical_name.lower()} and "
                      f"{concepts[1].canonical_name.lower()}. Keep taking {med} and see "
                      f"your doctor in {rng.randint(1, 4)} weeks.",
        })
    return records


def _medisumcode(rng: random.Random, n: int) -> list[Record]:
    records = []
    for _ in range(n):
        concepts = _concepts(rng, rng.randint(1, 4))
        records.append({
            "hadm_id": rng.randint(20_000_000, 29_999_999),
            "text": discharge_letter(rng, concepts),
            "icd_codes": [{"code": c.icd10} for c in concepts],
        })
    return records


def _longhealth(rng: random.Random, sizes: DatasetSizes) -> dict[str, Record]:
    return {f"patient_{p + 1:02d}": _longhealth_patient(rng, sizes)
            for p in range(sizes.longhealth_patients)}


def _longhealth_patient(rng: random.Random, sizes: DatasetSizes) -> Record:
    """Documents with one inserted fact line per answer location; positions are measured
    on the final texts."""
    concepts = _concepts(rng, 3)
    n_texts = sizes.longhealth_texts
    length = sizes.longhealth_sentences
    lines = {f"text_{t}": discharge_letter(rng, _concepts(rng, 3), length).split("\n")
             for t in range(n_texts)}
    questions, facts = [], []
    for q in range(sizes.longhealth_questions):
        question, answer, statements = _longhealth_question(rng, q, concepts)
        text_ids = [f"text_{q % n_texts}"]
        if q % 3 == 2 and n_texts > 1:
            text_ids.append(f"text_{(q + 1) % n_texts}")
        located = list(zip(text_ids, statements, strict=False))
        for text_id, fact in located:
            lines[text_id].insert(rng.randint(1, len(lines[text_id])), fact)
        questions.append({"No": q + 1, **question, "correct": answer})
        facts.append(located)
    texts = {text_id: "\n".join(doc) for text_id, doc in lines.items()}
    for question, located in zip(questions, facts, strict=True):
        question["answer_location"] = {tid: _span(texts[tid], fact) for tid, fact in located}
    return {
        "name": patient_name(rng),
        "birthday": f"{rng.randint(1935, 1975)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "diagnosis": concepts[0].canonical_name,
        "texts": texts,
        "questions": questions,
    }


def _longhealth_question(
    rng: random.Random, q: int, concepts: list[Concept]
) -> tuple[Record, str, tuple[str, str]]:
    """Question fields, the correct option's text and two statements that give it away."""
    if q % 2 == 0:
        concept = concepts[(q // 2) % len(concepts)]
        options = rng.sample(MEDICATIONS, 5)
        answer = options[rng.randrange(5)]
        text = f"Which medication was started for {concept.canonical_name.lower()}?"
        alias = concept_alias(rng, concept)
        statements = (f"For {alias} the team started {answer}.",
                      f"At follow-up {answer} was continued for {alias}.")
    else:
        options = rng.sample(FINDINGS, 5)
        answer = options[rng.randrange(5)]
        date = f"2019-{q % 12 + 1:02d}-{rng.randint(10, 28)}"
        text = f"Which symptom did the patient present with on {date}?"
        statements = (f"On {date} the patient presented with {answer}.",
                      f"The {answer} first noted on {date} had resolved.")
    fields = {f"answer_{letter}": option for letter, option in zip("abcde", options, strict=True)}
    return {"question": text, **fields}, answer, statements


def _span(text: str, fact: str) -> dict[str, list[float]]:
    start = text.index(fact)
    return {"start": [round(start / len(text), 4)],
            "end": [round((start + len(fact)) / len(text), 4)]}


def _write_jsonl(path: Path, records: list[Record]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _write_csv(path: Path, columns: tuple[str, ...], records: list[Record]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)


def _write_xlsx(path: Path, columns: tuple[str, ...], records: list[Record]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.worksheets[0]  # a new workbook's one (and active) sheet
    sheet.title = "Sheet1"
    sheet.append(list(columns))
    for record in records:
        sheet.append([record[c] for c in columns])
    book.save(path)
