"""LongHealth prompt building at real-size budgets: prompts per second.

Synthetic patients shaped like LongHealth's (20 questions per patient, about ten long
documents each) and a locally trained byte-level BPE tokenizer; task1 uses its fixed 8,140
token budget, task2/task3 the budget of the given context length. Each prompt is selected,
rendered with the chat template and counted, as `clue-ray prompts` does.

    .venv/bin/python bench/longhealth_prompts.py [--patients 4] [--contexts 8192 32768]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from clue_ray.demo.datasets import DatasetSizes, write_datasets
from clue_ray.demo.tokenizer import build_tokenizer
from clue_ray.tasks.longhealth import SUBTASKS, LongHealthBuilder
from clue_ray.tasks.longhealth_data import load_patients
from clue_ray.tasks.render import ChatRenderer, load_tokenizer
from clue_ray.tasks.settings import LongHealthSettings

SETTINGS = LongHealthSettings(seed=0, fit_to_context=False, reserve_template_tokens=True,
                              max_reserve=1000)


def measure(builder: LongHealthBuilder, renderer: ChatRenderer, subtask: str
            ) -> tuple[int, float, float]:
    """(prompts, seconds, mean prompt tokens) for one subtask, selection plus rendering."""
    ids = builder.sample_ids([subtask])
    started = time.perf_counter()
    tokens = 0
    for sample_id in ids:
        tokens += renderer.render(builder.sample(sample_id).messages).prompt_tokens
    return len(ids), time.perf_counter() - started, tokens / len(ids)


def main() -> None:
    """Print prompts per second per subtask and context length."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument("--texts", type=int, default=10)
    parser.add_argument("--sentences", type=int, default=50,
                        help="sentences per document section (50: about 1,500 tokens)")
    parser.add_argument("--contexts", type=int, nargs="+", default=[8192, 32768])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = replace(DatasetSizes(), longhealth_patients=max(args.patients, 2),
                        longhealth_questions=20, longhealth_texts=args.texts,
                        longhealth_sentences=args.sentences)
        paths = write_datasets(Path(tmp) / "data", sizes)
        tokenizer_dir = build_tokenizer(Path(tmp) / "tok", model_max_length=max(args.contexts))
        renderer = ChatRenderer(load_tokenizer(tokenizer_dir))
        patients = load_patients(paths["longhealth"])
        doc_tokens = sum(renderer.count(t) for p in patients for t in p.texts.values())
        print(f"{len(patients)} patients, {sum(len(p.texts) for p in patients)} documents, "
              f"{doc_tokens / sum(len(p.texts) for p in patients):.0f} tokens per document")
        print(f"{'context':>8} {'subtask':>8} {'prompts':>8} {'seconds':>8} {'prompts/s':>10} "
              f"{'tokens/prompt':>14}")
        for context in args.contexts:
            builder = LongHealthBuilder(patients, renderer, SETTINGS, context)
            for subtask in SUBTASKS:
                count, seconds, mean_tokens = measure(builder, renderer, subtask)
                print(f"{context:>8} {subtask:>8} {count:>8} {seconds:>8.2f} "
                      f"{count / seconds:>10.1f} {mean_tokens:>14.0f}")


if __name__ == "__main__":
    main()
