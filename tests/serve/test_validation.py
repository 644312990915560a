"""Scoring requests are checked field by field (one message naming the field, never the
value sent), bodies are read under the size cap as UTF-8 JSON, the token rule holds before
anything starts, and a batch mixing tasks answers each request as alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from clue_ray.cli import main
from clue_ray.errors import ConfigError
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.serve.auth import is_loopback, resolve_token
from clue_ray.serve.batch_scoring import answer, reference_index, score_jobs
from clue_ray.serve.http import CappedRequest
from clue_ray.serve.score_request import ScoreJob, ScoreRequest, request_error, score_job
from clue_ray.tasks.registry import CLUE

SECRET = "ZQX-credentialed-text"


def parse_score_request(payload: Any, references) -> ScoreJob:
    """The request model, then the check against the references (as `POST /score` does)."""
    return score_job(ScoreRequest.model_validate(payload), references, CLUE)


def capped(body: bytes, limit: int, chunk: int) -> tuple[CappedRequest, list[dict]]:
    """A request whose body arrives in chunks (no Content-Length), read as `POST /score`
    reads it, and the messages of the body not received yet."""
    chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    return CappedRequest(request, limit), messages


def parse_json(body: bytes, limit: int = 1 << 20, chunk: int = 1 << 16) -> Any:
    return asyncio.run(capped(body, limit, chunk)[0].json())


@pytest.fixture(scope="module")
def references(synthetic_data_dir):
    return reference_index(["meqsum", "longhealth", "mednli"], synthetic_data_dir)


def ids(references, task, n):
    return list(references[task])[:n]


def refused(payload, references) -> str:
    try:
        job = parse_score_request(payload, references)
    except ValidationError as err:
        message = request_error(err.errors())
    except HTTPException as err:
        assert err.status_code == 400
        message = err.detail
    else:
        pytest.fail(f"accepted: {job}")
    assert SECRET not in message
    return message


def test_each_kind_of_bad_request_names_its_field(references):
    first, second = ids(references, "meqsum", 2)
    item = {"sample_id": first, "prediction": SECRET}
    cases = {
        "body: expected a JSON object": [item],
        "task: required": {"items": [item]},
        "task: expected a string, got a number": {"task": 3, "items": [item]},
        "task: unknown task 'nope' (served: meqsum, longhealth, mednli)":
            {"task": "nope", "items": [item]},
        "items: required": {"task": "meqsum"},
        "items: expected a list, got an object": {"task": "meqsum", "items": {}},
        "items: expected a non-empty list": {"task": "meqsum", "items": []},
        "items[1]: expected an object": {"task": "meqsum", "items": [item, SECRET]},
        "items[1].prediction: required": {"task": "meqsum",
                                          "items": [item, {"sample_id": second}]},
        "items[1].prediction: expected a string, got a number":
            {"task": "meqsum", "items": [item, {"sample_id": second, "prediction": 5}]},
        "items[1].sample_id: expected a string, got a number":
            {"task": "meqsum", "items": [item, {"sample_id": 7, "prediction": "x"}]},
        "items[1].sample_id: unknown sample id '99999' for task meqsum":
            {"task": "meqsum", "items": [item, {"sample_id": "99999", "prediction": "x"}]},
        f"items[2].sample_id: '{first}' appears twice (also items[0])":
            {"task": "meqsum", "items": [item, {"sample_id": second, "prediction": "x"}, item]},
        "items[0].extra: unknown field (expected sample_id, prediction)":
            {"task": "meqsum", "items": [{**item, "extra": 1}]},
        "unknown field (expected task, items)": {"task": "meqsum", "items": [item], "x": 1},
        "items[1]: give sample_id or reference, not both":
            {"task": "meqsum", "items": [item, {"prediction": "a", "reference": "b"}]},
        "items[0].reference: expected a string, got null":
            {"task": "meqsum", "items": [{"prediction": "a", "reference": None}]},
        "items[0].subtask: required":
            {"task": "longhealth", "items": [{"prediction": "a", "reference": "B"}]},
        "items[0].subtask: expected one of task1, task2, task3":
            {"task": "longhealth",
             "items": [{"prediction": "a", "reference": "B", "subtask": "task9"}]},
        "items[0].subtask: unknown field":
            {"task": "mednli",
             "items": [{"prediction": "a", "reference": "entailment", "subtask": "task1"}]},
    }
    for expected, payload in cases.items():
        assert expected in refused(payload, references), expected


def test_invalid_json_is_named_with_its_position():
    with pytest.raises(HTTPException, match=r"body: invalid JSON \(Expecting value at line 1 "
                                            r"column 9\)"):
        parse_json(b'{"task":')
    with pytest.raises(HTTPException, match="body: not UTF-8 text"):
        parse_json(b"\xff\xfe")


def test_a_body_over_the_cap_is_refused_after_reading_up_to_the_cap_again():
    body = b'{"task": "meqsum", "items": []} '  # 32 bytes, the cap
    assert parse_json(body, limit=32) == {"task": "meqsum", "items": []}
    # sent in 4-byte chunks: 64 bytes are read whole; of 160, 68 (past twice the cap)
    for padding, unread_chunks in ((32, 0), (128, 40 - 17)):
        request, messages = capped(body + b" " * padding, 32, chunk=4)
        with pytest.raises(HTTPException) as caught:
            asyncio.run(request.json())
        assert caught.value.status_code == 413
        assert caught.value.detail == "body: larger than serve.max_body_bytes=32 bytes"
        assert len(messages) == unread_chunks


def test_items_by_id_come_back_in_the_data_order(references):
    first, second, third = ids(references, "meqsum", 3)
    job = parse_score_request({"task": "meqsum", "items": [
        {"sample_id": third, "prediction": "c"}, {"sample_id": first, "prediction": "a"},
        {"sample_id": second, "prediction": "b"}]}, references)
    assert [name for _, name in job.names] == [first, second, third]
    assert [item.prediction for item in job.items] == ["a", "b", "c"]
    assert job.items[0].reference == references["meqsum"][first][1].reference


def test_a_batch_mixing_tasks_answers_each_request_as_if_alone(references, scoring_settings):
    scorer = TaskScorer(scoring_settings, CLUE.pick(["mednli", "longhealth"]))
    lh = ids(references, "longhealth", 4)
    jobs = [
        parse_score_request({"task": "mednli", "items": [
            {"prediction": "entailment", "reference": "entailment"},
            {"prediction": "neutral", "reference": "contradiction"}]}, references),
        parse_score_request({"task": "longhealth", "items": [
            {"sample_id": s, "prediction": "The correct answer is B: x"} for s in lh]},
            references),
        parse_score_request({"task": "mednli", "items": [
            {"prediction": "contradiction", "reference": "contradiction"}]}, references),
    ]
    together = score_jobs(scorer, jobs)
    alone = [answer(scorer.task(job.task), job, scorer.score(job.task, job.items),
                    scorer.answers(job.task, job.items)) for job in jobs]
    assert together == alone
    assert together[0] == {"samples": [
        {"index": 0, "answer": "entailment", "metrics": {"accuracy": 1.0}},
        {"index": 1, "answer": "neutral", "metrics": {"accuracy": 0.0}}],
        "aggregate": {"accuracy": 50.0}}
    assert set(together[1]["aggregate"]) >= {"accuracy"}
    assert {s["answer"] for s in together[1]["samples"]} == {"B"}


def test_loopback_rule_and_token_sources(monkeypatch, capsys):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    assert main(["serve", "experiment=demo", "serve.host=0.0.0.0"]) == 2
    error = capsys.readouterr().err
    assert "serve.host=0.0.0.0 is reachable from other machines: set a bearer token in the " \
           "environment variable CLUE_RAY_SERVE_TOKEN" in error and "Traceback" not in error
    from clue_ray.config import ServeCommand, compose

    cmd = compose("serve_command", ["serve.host=0.0.0.0"], ServeCommand)
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "s3cret")
    assert resolve_token(cmd.serve.token, cmd.serve.token_env, cmd.serve.host) == "s3cret"
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "  ")
    with pytest.raises(ConfigError, match="blank"):
        resolve_token(cmd.serve.token, cmd.serve.token_env, cmd.serve.host)
