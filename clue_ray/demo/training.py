"""Teach a demo model the answer formats: a short supervised fine-tune on synthetic records
drawn with another seed than the demo's data (no demo sample is ever trained on).

Random weights only emit noise, so every demo score would be 0 and every comparison empty.
After a few hundred steps the tiny model answers in each task's format (a MedNLI label,
"The correct answer is X: ...", "ICD-10 Codes: ...", a short summary) with some content right
by chance or by pattern, which gives the report real differences to measure.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from clue_ray.demo.datasets import DatasetSizes, write_datasets
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.render import ChatRenderer
from clue_ray.tasks.sample import Sample
from clue_ray.tasks.settings import LongHealthSettings

TRAIN_DATA_SEED = 1           # the demo's data uses seed 0
MAX_PROMPT_TOKENS = 1536      # LongHealth training prompts are fitted to this context
FIRST_REPEAT = "0"  # tokenizer-dependent (LongHealth) ids end in /<repeat>: one of five is enough
EPOCHS = 8
LEARNING_RATE = 3e-3


def target_text(sample: Sample) -> str:
    """What the model should answer: the reference in the task's answer format."""
    return CLUE[sample.task].ideal_answer(sample)


def training_samples(data_dir: Path, renderer: ChatRenderer) -> list[Sample]:
    """Every sample of the tasks that need no tokenizer, and the first repeat of each sample
    of those that do (LongHealth), fitted to the training context."""
    settings = LongHealthSettings(seed=TRAIN_DATA_SEED, fit_to_context=True,
                                  reserve_template_tokens=True, max_reserve=256)
    samples = [s for task in CLUE.values() if not task.needs_tokenizer
               for s in task.samples(data_dir)]
    for task in (task for task in CLUE.values() if task.needs_tokenizer):
        builder = task.builder(data_dir, renderer, settings, MAX_PROMPT_TOKENS)
        samples += [builder.sample(i) for i in builder.sample_ids()
                    if i.rsplit("/", 1)[1] == FIRST_REPEAT]
    return samples


def encode(sample: Sample, renderer: ChatRenderer, tokenizer: Any) -> tuple[list[int], int]:
    """Prompt + answer + EOS token ids (the prompt cut from the left to fit), and where the
    answer starts."""
    prompt = tokenizer.encode(renderer.render(sample.messages).text, add_special_tokens=False)
    answer = tokenizer.encode(target_text(sample), add_special_tokens=False)
    answer = answer + [tokenizer.eos_token_id]
    prompt = prompt[-max(1, MAX_PROMPT_TOKENS - len(answer)):]
    return prompt + answer, len(prompt)


def teach_answer_formats(model_dir: Path, seed: int = 0, epochs: int = EPOCHS,
                         max_examples: int | None = None) -> list[float]:
    """Fine-tune the model saved in `model_dir` in place (CPU, about a minute and a half; on
    `max_examples` of the training examples drawn with `seed` when given); returns the mean
    training loss of each epoch."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    renderer = ChatRenderer(tokenizer)
    with tempfile.TemporaryDirectory() as tmp:
        write_datasets(Path(tmp), DatasetSizes.demo(), seed=TRAIN_DATA_SEED)
        samples = training_samples(Path(tmp), renderer)
        if max_examples is not None and max_examples < len(samples):
            samples = random.Random(seed).sample(samples, max_examples)
        examples = [encode(s, renderer, tokenizer) for s in samples]
    torch.manual_seed(seed)
    order = random.Random(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    model.train()
    started, steps, losses = time.perf_counter(), 0, []
    for epoch in range(epochs):
        order.shuffle(examples)
        total = 0.0
        for ids, answer_start in examples:
            inputs = torch.tensor([ids])
            labels = inputs.clone()
            labels[0, :answer_start] = -100  # learn the answers, not the prompts
            loss = model(input_ids=inputs, labels=labels).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
            total += float(loss.detach())
            steps += 1
        losses.append(total / len(examples))
        print(f"demo: teaching answer formats, epoch {epoch + 1}/{epochs}: mean loss "
              f"{losses[-1]:.3f} ({steps} steps, {time.perf_counter() - started:.0f} s)",
              file=sys.stderr, flush=True)
    model.eval()
    model.save_pretrained(model_dir)
    return losses
