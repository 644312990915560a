"""`clue-ray prompts`: write every evaluated prompt of one task as JSON lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clue_ray.conf_files import chat_template_text
from clue_ray.config import PromptsCommand
from clue_ray.errors import ConfigError
from clue_ray.fileio import write_jsonl
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.options import parse_options
from clue_ray.tasks.render import ChatRenderer, load_tokenizer
from clue_ray.tasks.sample import Sample
from clue_ray.tasks.user_tasks import task_set

PROGRESS_EVERY_S = 5.0


def run_prompts(cmd: PromptsCommand) -> int:
    """Build the task's prompts (rendered when a tokenizer is given) and write them; the task
    may be one of `user_tasks`."""
    tasks = task_set(cmd.user_tasks)
    task, options = tasks[cmd.task], parse_options(cmd.task_options, tasks, [cmd.task])
    renderer = _renderer(cmd, task)
    max_context = cmd.max_context or (renderer.max_context if renderer else None)
    started = time.perf_counter()
    samples = task.samples(Path(cmd.data_dir), renderer, options.get(cmd.task), max_context)
    count = write_jsonl(Path(cmd.out), _records(samples, renderer))
    elapsed = time.perf_counter() - started
    print(
        f"wrote {count} {cmd.task} prompts to {cmd.out} in {elapsed:.1f} s "
        f"({count / max(elapsed, 1e-9):.0f} prompts/s)",
        file=sys.stderr,
    )
    return 0


def _renderer(cmd: PromptsCommand, task: TaskDefinition) -> ChatRenderer | None:
    if cmd.tokenizer is None:
        if task.needs_tokenizer:
            raise ConfigError(f"{cmd.task} prompts need a tokenizer: pass tokenizer=DIR")
        return None
    return ChatRenderer(load_tokenizer(cmd.tokenizer),
                        chat_template=chat_template_text(cmd.chat_template))


def _records(samples: list[Sample], renderer: ChatRenderer | None) -> Iterator[dict[str, Any]]:
    last = time.perf_counter()
    for done, sample in enumerate(samples, start=1):
        record = sample.to_record()
        if renderer is not None:
            rendered = renderer.render(sample.messages)
            record.update(
                prompt=rendered.text,
                prompt_tokens=rendered.prompt_tokens,
                system_folded=rendered.system_folded,
            )
        now = time.perf_counter()
        if now - last >= PROGRESS_EVERY_S:
            print(f"  rendered {done}/{len(samples)} prompts", file=sys.stderr)
            last = now
        yield record
