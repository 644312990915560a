"""A tiny hand-written benchmark_v5.json: three patients, short word documents."""

from __future__ import annotations

import json
from pathlib import Path


def question(correct: str, location: list[str]) -> dict:
    return {
        "No": 1,
        "question": "Which drug was given?",
        "answer_a": "aspirin",
        "answer_b": "heparin 5000 units",
        "answer_c": "metformin",
        "answer_d": "heparin",
        "answer_e": "none",
        "correct": correct,
        "answer_location": {tid: {"start": [0.1], "end": [0.2]} for tid in location},
    }


def benchmark() -> dict:
    return {
        "patient_01": {
            "name": "A", "birthday": "1950-01-01", "diagnosis": "x",
            "texts": {"text_0": "p1 doc zero words here", "text_1": "p1 doc one",
                      "text_2": "p1 doc two has five"},
            "questions": [question("heparin", ["text_1"]),
                          question("metformin", ["text_2", "text_0"])],
        },
        "patient_02": {
            "texts": {"text_0": "p2 doc zero", "text_1": "p2 doc one"},
            "questions": [question("aspirin", ["text_0"])],
        },
        "patient_03": {
            "texts": {"text_0": "p3 doc zero"},
            "questions": [],
        },
    }


def write_benchmark(directory: Path, data: dict | None = None) -> Path:
    path = directory / "benchmark_v5.json"
    path.write_text(json.dumps(benchmark() if data is None else data), encoding="utf-8")
    return path
