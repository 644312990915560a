"""Scoring a batch of checked requests: items of the same task, from any request, are scored
in one call of the same `TaskScorer` that `clue-ray score` uses, then each request gets its
own samples and aggregate (`aggregate_task`), exactly as `clue-ray score` writes them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clue_ray.fileio import json_safe
from clue_ray.metrics.aggregate import aggregate_task
from clue_ray.metrics.scored_task import Metrics, ScoredTask
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.serve.score_request import ReferenceIndex, ScoreJob
from clue_ray.tasks.registry import CLUE, TaskSet


def reference_index(tasks: Sequence[str], data_dir: Path, known: TaskSet = CLUE
                    ) -> ReferenceIndex:
    """For each task, every sample id with its position in the data and its reference."""
    return {task: {ref.sample_id: (position, ref)
                   for position, ref in enumerate(known.references(task, data_dir))}
            for task in tasks}


class ScoringFailed(Exception):
    """A scorer failed on a batch of a task (its error's type only: the message of a library
    error may quote the text it choked on)."""


def score_jobs(scorer: TaskScorer, jobs: Sequence[ScoreJob]
               ) -> list[dict[str, Any] | ScoringFailed]:
    """The answer of each request, `{"samples": [...], "aggregate": {...}}`, in job order;
    each task of the batch is scored in one call, and a task whose scoring fails fails only
    its own requests."""
    answers: list[dict[str, Any] | ScoringFailed] = [ScoringFailed("not scored")] * len(jobs)
    for task in dict.fromkeys(job.task for job in jobs):
        members = [i for i, job in enumerate(jobs) if job.task == task]
        items = [item for i in members for item in jobs[i].items]
        try:
            metrics = scorer.score(task, items)
            extracted = scorer.answers(task, items)
        except Exception as err:  # answered as one line, the server goes on
            failed = ScoringFailed(f"scoring: {task} failed ({type(err).__name__})")
            for i in members:
                answers[i] = failed
            continue
        start = 0
        for i in members:
            end = start + len(jobs[i].items)
            answers[i] = answer(scorer.task(task), jobs[i], metrics[start:end],
                                extracted[start:end])
            start = end
    return answers


def answer(task: ScoredTask, job: ScoreJob, metrics: Sequence[Metrics],
           extracted: Sequence[str | None]) -> dict[str, Any]:
    """One request's samples (named by sample_id or index, each with the answer its task
    extracts, as score rows keep it) and their aggregate."""
    samples = [{key: value, "answer": a, "metrics": m}
               for (key, value), a, m in zip(job.names, extracted, metrics, strict=True)]
    aggregate = aggregate_task(task, metrics, [item.subtask for item in job.items])
    return json_safe({"samples": samples, "aggregate": aggregate})
