"""Prompts rebuilt for the sample page. Prompts are never stored: a row keeps the SHA-256 of
its prompt, and the view rebuilds the prompt from `data_dir` with the pipeline's own prompt
builder, under the settings the run recorded in its manifest (the model's registry entry as
run, the tasks' options). The rebuilt prompt's digest is then compared with the row's.

Every import of clue_ray.pipeline in the view is in this module."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from clue_ray.errors import ClueError
from clue_ray.models import ModelKind, ModelSettings
from clue_ray.pipeline.control.plan import file_sha256
from clue_ray.pipeline.stages.prompt_rows import PromptBuilder
from clue_ray.tasks.options import parse_options
from clue_ray.tasks.registry import CLUE, TaskSet

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # the digest of a row without a prompt


class Rebuilt(StrEnum):
    """What the rebuild found."""

    same = "same"              # the rebuilt prompt's digest equals the row's
    differs = "differs"        # it does not: this is not the prompt the model was given
    unverified = "unverified"  # a row without a rendered prompt (the rule-based baseline):
                               # its conversation is rebuilt; rows keep no digest of it
    unavailable = "unavailable"  # no data_dir, or the rebuild failed (the note says why)


@dataclass(frozen=True)
class RebuiltPrompt:
    """The outcome, the rebuilt text (the conversation as JSON for a row without a prompt),
    its digest, and one line saying what was compared."""

    status: Rebuilt
    text: str | None
    sha256: str | None
    note: str

    def as_json(self) -> dict[str, Any]:
        """The rebuild as a JSON object."""
        return {"status": self.status.value, "text": self.text, "sha256": self.sha256,
                "note": self.note}


def model_from_manifest(entry: dict[str, Any]) -> ModelSettings:
    """A model's registry entry as the run recorded it (KeyError/TypeError: not recorded)."""
    known = {f.name for f in fields(ModelSettings)}
    values = {k: v for k, v in entry.items() if k in known}
    return ModelSettings(**(values | {"kind": ModelKind(values["kind"])}))


class PromptRebuilder:
    """Rebuilds rows' prompts from `data_dir` (None: prompts are not shown). A builder per
    run, model and kind of row is kept: its tokenizer and task data load once."""

    def __init__(self, data_dir: Path | None, manifests: list[dict[str, Any]],
                 tasks: TaskSet = CLUE) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.manifests = {str(m.get("run_id")): m for m in manifests}
        self.tasks = tasks
        self._builders: dict[tuple[str, str, bool], PromptBuilder] = {}
        self._data_sha256: dict[str, str] = {}
        self._lock = threading.Lock()

    def rebuild(self, row: dict[str, Any]) -> RebuiltPrompt:
        """The prompt of a stored row (its run_id, model, task, sample_id, seed,
        prompt_sha256 and prompt_tokens)."""
        data_dir = self.data_dir
        if data_dir is None:
            return RebuiltPrompt(Rebuilt.unavailable, None, None,
                                 "prompts are shown when the view is given data_dir=DIR")
        rendered = not (row.get("prompt_sha256") == EMPTY_SHA256 and not row.get("prompt_tokens"))
        try:
            with self._lock:  # one rebuild at a time: builders are not shared across threads
                built = self._builder(row, rendered, data_dir).rows(
                    str(row["task"]), [(str(row["sample_id"]), int(row["seed"]))])
                data_note = self._data_note(str(row["run_id"]), str(row["task"]))
        except (ClueError, OSError, ValueError, KeyError, TypeError) as err:
            return RebuiltPrompt(Rebuilt.unavailable, None, None,
                                 f"prompt not rebuilt: {' '.join(str(err).split())}")
        if not built:
            return RebuiltPrompt(Rebuilt.unavailable, None, None,
                                 f"prompt not rebuilt: data_dir={data_dir} has no sample "
                                 f"of that id for task {row['task']}{data_note}")
        if not rendered:
            return RebuiltPrompt(Rebuilt.unverified, _conversation(built[0]["messages"]), None,
                                 "no rendered prompt: the rule-based baseline reads the "
                                 "conversation, rebuilt here (rows keep no digest of it)"
                                 + data_note)
        text, digest = str(built[0]["prompt"]), str(built[0]["prompt_sha256"])
        if digest == row.get("prompt_sha256"):
            return RebuiltPrompt(Rebuilt.same, text, digest,
                                 "rebuilt: its SHA-256 equals the row's prompt_sha256")
        return RebuiltPrompt(Rebuilt.differs, text, digest,
                             "rebuilt, but its SHA-256 differs from the row's prompt_sha256: "
                             "this is not the prompt the model was given" + data_note)

    def _builder(self, row: dict[str, Any], rendered: bool, data_dir: Path) -> PromptBuilder:
        run, model_name = str(row["run_id"]), str(row["model"])
        key = (run, model_name, rendered)
        if key not in self._builders:
            manifest = self.manifests.get(run)
            if manifest is None:
                raise KeyError(f"run {run} has no manifest.json: its settings are unknown")
            entry = next((m for m in manifest.get("models", []) if m.get("name") == model_name),
                         None)
            if entry is None or "hf_id" not in entry:
                raise KeyError(f"the manifest of run {run} does not record model {model_name}")
            config = manifest.get("config", {})
            raw = {k: v for k, v in config.get("task_options", {}).items() if k in self.tasks}
            options = parse_options(raw, self.tasks, [t for t in self.tasks if t in raw])
            self._builders[key] = PromptBuilder(run, model_from_manifest(entry), data_dir,
                                                options, token_ids=False, cache_dir=None,
                                                rendered=rendered, tasks=self.tasks)
        return self._builders[key]

    def _data_note(self, run: str, task: str) -> str:
        """"" when the task's file under data_dir is the one the run read (or the run did
        not record it), else a note saying it is not."""
        recorded = self.manifests.get(run, {}).get("dataset_sha256", {}).get(task)
        if recorded is None or self.data_dir is None:
            return ""
        if task not in self._data_sha256:
            self._data_sha256[task] = file_sha256(self.tasks[task].source_path(self.data_dir))
        if self._data_sha256[task] == recorded:
            return ""
        return f" (data_dir's {self.tasks[task].source_file} is not the file the run read)"


def _conversation(messages: object) -> str:
    """The conversation, indented as JSON."""
    try:
        return json.dumps(json.loads(str(messages)), indent=1, ensure_ascii=False)
    except json.JSONDecodeError:
        return str(messages)
