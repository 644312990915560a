"""The parameterless baseline: each task's fixed, deterministic rule (its declaration's
`baseline`, see tasks/baselines.py), no model. It answers the registry's baseline model
whatever engine the run selects (engines/registry.py `engine_for`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clue_ray.engines.actor_pool import ActorPoolEngine
from clue_ray.engines.base import Engine, Generation, PromptRow
from clue_ray.engines.plugin import Capabilities
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ModelKind, ModelSettings
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import CLUE, TaskSet


def baseline_answer(task: TaskDefinition, messages: Sequence[dict[str, str]]) -> str:
    """The task's rule's answer for one conversation."""
    return task.baseline(messages)


def answered_by_rule(model: ModelSettings) -> bool:
    """Whether the model is the parameterless baseline (a rule answers it, no engine)."""
    return model.kind == ModelKind.baseline


class BaselineEngine:
    """Applies each row's task's rule (`tasks`: the run's tasks)."""

    def __init__(self, tasks: Mapping[str, TaskDefinition] = CLUE) -> None:
        self.tasks = tasks

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Answers in order; overflowing rows are answered too (the rule needs no context)."""
        results = []
        for row in rows:
            answer = baseline_answer(self.tasks[row.task], row.messages)
            results.append(Generation(answer, len(answer.split()), "stop", None, 0.0))
        return results


class BaselinePlugin(ActorPoolEngine):
    """The rule's declaration: no model, no settings section; rows carry their messages."""

    name = "baseline"
    capabilities = Capabilities(runs_a_model=False)

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return BaselineEngine(tasks)


RULE_ENGINE = BaselinePlugin()  # not an `engine.kind`: chosen by the model's kind
