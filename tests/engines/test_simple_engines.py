"""The simulated engine's latency model and the baseline's rules."""

from __future__ import annotations

import time

from clue_ray.engines.base import PromptRow
from clue_ray.engines.baseline import BaselineEngine, baseline_answer
from clue_ray.engines.simulated import SimulatedEngine, SimulatedSettings
from clue_ray.tasks.registry import CLUE


def row(task="meqsum", prompt_tokens=100, max_tokens=512, overflow=False, messages=()):
    return PromptRow("1", task, "p", prompt_tokens, max_tokens, -1, overflow, messages)


def test_simulated_latency_is_per_prompt_plus_per_token():
    settings = SimulatedSettings(answer="a b c d", load_s=0.0, latency_per_prompt_s=0.01,
                                 latency_per_prompt_token_s=0.0001,
                                 latency_per_output_token_s=0.005, batch_size=4)
    engine = SimulatedEngine(settings)
    started = time.perf_counter()
    (out,) = engine.generate([row(prompt_tokens=100)])
    elapsed = time.perf_counter() - started
    # 0.01 + 100 x 0.0001 + 4 x 0.005 = 0.04 s
    assert 0.04 <= elapsed < 0.2
    assert out.latency_s >= 0.04
    assert (out.prediction, out.output_tokens, out.finish_reason) == ("a b c d", 4, "stop")
    (cut,) = engine.generate([row(max_tokens=2)])
    assert (cut.prediction, cut.output_tokens, cut.finish_reason) == ("a b", 2, "length")


def test_simulated_does_not_run_overflowing_prompts():
    settings = SimulatedSettings("x", 0.0, 1.0, 0.0, 0.0, 1)
    started = time.perf_counter()
    (out,) = SimulatedEngine(settings).generate([row(overflow=True)])
    assert time.perf_counter() - started < 0.5
    assert (out.prediction, out.finish_reason, out.engine_error) == ("", "context_overflow", None)


def conversation(*turns):
    roles = ["system"] + ["user", "assistant"] * 10
    return tuple({"role": r, "content": c} for r, c in zip(roles, turns, strict=False))


def test_baseline_rules():
    nli = conversation("sys", "q1", "NEUTRAL_SHOT", "q2", "contradiction", "q")
    assert baseline_answer(CLUE["mednli"], nli) == "NEUTRAL_SHOT"
    code = conversation("sys", "letter", "ICD-10 Codes: I10, E119", "letter2")
    assert baseline_answer(CLUE["medisumcode"], code) == "ICD-10 Codes: I10, E119"
    words = " ".join(f"w{i}" for i in range(40))
    summary = conversation("sys", f"--------------PATIENT INQUIRY--------------\n{words}\n"
                                  "--------------END PATIENT INQUIRY--------------")
    assert baseline_answer(CLUE["meqsum"], summary) == " ".join(f"w{i}" for i in range(30))
    lh = conversation("sys", "docs\n\nWhich?\nA: aspirin\nB: heparin\n\nPlease answer")
    assert baseline_answer(CLUE["longhealth"], lh) == "The correct answer is A: aspirin"


def test_baseline_engine_answers_every_row_in_order():
    rows = [row(task="mednli", messages=conversation("s", "q", "ENTAILMENT", "q")),
            row(task="longhealth", overflow=True, messages=conversation("s", "A: x"))]
    outputs = BaselineEngine().generate(rows)
    assert [o.prediction for o in outputs] == ["ENTAILMENT", "The correct answer is A: x"]
    assert all(o.engine_error is None for o in outputs)
