"""Synthetic data of the worked example `discharge_triage` (docs/tasks.md, "Adding a task"): short
discharge notes made from templates, each labelled `urgent` when it holds a finding that needs
a visit within two days, else `routine`. No patient's data: every note is drawn from the lists
below with a seeded random generator, so the file is the same on every run.

    python examples/tasks/discharge_triage/generate.py OUT_DIR [--records N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

FILE_NAME = "discharge_triage.jsonl"  # the task's source_file
ADMISSIONS = (
    "community-acquired pneumonia", "cellulitis of the left leg", "an exacerbation of COPD",
    "decompensated heart failure", "a urinary tract infection", "new atrial fibrillation",
    "an elective knee replacement", "dehydration after gastroenteritis",
)
TREATMENTS = (
    "intravenous antibiotics, switched to oral on day 3", "diuresis with furosemide",
    "nebulisers and a five-day course of prednisolone", "rate control with bisoprolol",
    "fluids and antiemetics", "physiotherapy and analgesia",
)
STABLE = (
    "Observations stable on the ward for 48 hours.", "Mobilising independently.",
    "Eating and drinking normally.", "Pain controlled on oral analgesia.",
    "Renal function back to baseline.",
)
# (the finding, whether it needs a visit within two days)
FINDINGS = (
    ("Potassium 6.1 mmol/L on the morning of discharge, repeat not yet done.", True),
    ("INR 5.4 on warfarin; dose withheld, recheck needed.", True),
    ("New oxygen requirement overnight, discharged at the family's request.", True),
    ("Wound edges red and warm; swab sent, result pending.", True),
    ("Creatinine rising (142 to 198 umol/L) on the new ACE inhibitor.", True),
    ("Blood pressure well controlled on the current regimen.", False),
    ("Inflammatory markers falling; afebrile for three days.", False),
    ("Weight down 3 kg with diuresis, now at target weight.", False),
    ("Sutures to be removed at the practice in ten days.", False),
    ("Routine bloods unremarkable.", False),
)
AGES = range(34, 92)


def note(rng: random.Random) -> tuple[str, str]:
    """One synthetic discharge note and its label."""
    finding, urgent = rng.choice(FINDINGS)
    text = (f"{rng.choice(AGES)}-year-old {rng.choice(('man', 'woman'))} admitted with "
            f"{rng.choice(ADMISSIONS)}. Treated with {rng.choice(TREATMENTS)}. "
            f"{' '.join(rng.sample(STABLE, 2))} {finding}")
    return text, "urgent" if urgent else "routine"


def records(count: int, seed: int) -> list[dict[str, str]]:
    """`count` records with `note_id`, `note` and `label`."""
    rng = random.Random(seed)
    found = []
    for index in range(count):
        text, label = note(rng)
        found.append({"note_id": f"n{index:03d}", "note": text, "label": label})
    return found


def write(out_dir: Path, count: int = 40, seed: int = 13) -> Path:
    """Write the task's JSONL file under out_dir (the run's data_dir); its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    lines = [json.dumps(record) for record in records(count, seed)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="the folder to pass as data_dir")
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    print(f"wrote {args.records} notes to {write(args.out_dir, args.records, args.seed)}")


if __name__ == "__main__":
    main()
