"""OpenAIEngine against a real local completions server (HTTP on loopback, no mocks)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from engines.completions_server import CompletionsServer
from transformers import AutoTokenizer

from clue_ray.engines.base import PromptRow, row_seed
from clue_ray.engines.openai_engine import OpenAIEngine, OpenAISettings
from clue_ray.engines.stop_tokens import model_stop_ids
from clue_ray.models import ModelSettings


@pytest.fixture(scope="module")
def model(tiny_lm_dir) -> ModelSettings:
    return ModelSettings(name="test-general", hf_id="clue-ray/test-general", revision="main",
                         kind="general", base_model=None, params_b=0.0001,
                         tensor_parallel_size=1, instruction_tuned=True, system_role=True,
                         chat_template=None, max_context=None, path=str(tiny_lm_dir))


@pytest.fixture(scope="module")
def tokenizer(tiny_lm_dir):
    return AutoTokenizer.from_pretrained(tiny_lm_dir)


def settings(base_url: str, **changes) -> OpenAISettings:
    values = dict(base_url=base_url, served_model=None, api_key_env=None, timeout_s=10.0,
                  deadline_s=30.0, max_retries=2, max_in_flight=4, stop_token_ids=True,
                  batch_size=16, allow_credentialed_data=False)
    return OpenAISettings(**(values | changes))


def row(sample_id="s1", prompt="Question: which?", max_tokens=32, seed=-1, overflow=False):
    return PromptRow(sample_id, "meqsum", prompt, 10, max_tokens, seed, overflow)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more


def test_sends_the_rendered_prompt_as_token_ids_greedy(model, tokenizer):
    prompt = tokenizer.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}],
        tokenize=False, add_generation_prompt=True)
    assert prompt.startswith(tokenizer.bos_token)
    server = CompletionsServer()
    with server as url:
        engine = OpenAIEngine(model, settings(url), "greedy")
        (out,) = engine.generate([row(prompt=prompt, max_tokens=17)])
    (body,) = server.requests
    expected = tokenizer.encode(prompt, add_special_tokens=False)
    assert body["prompt"] == expected
    assert body["prompt"].count(tokenizer.bos_token_id) == 1  # no second BOS
    assert body["prompt"][0] == tokenizer.bos_token_id
    assert body["max_tokens"] == 17
    assert body["model"] == "clue-ray/test-general"  # hf_id when served_model is null
    assert body["temperature"] == 0.0
    assert "seed" not in body
    assert body["stop_token_ids"] == list(model_stop_ids(model, tokenizer))  # as engine=vllm
    assert "Authorization" not in server.headers[0]
    assert (out.prediction, out.finish_reason, out.engine_error) == (
        "The correct answer is A: ok", "stop", None)
    assert out.output_tokens == 6
    assert out.latency_s > 0


def test_served_model_name_and_sampled_seed(model):
    server = CompletionsServer()
    rows = [row(sample_id="a", seed=7), row(sample_id="b", seed=7), row(sample_id="a", seed=8)]
    with server as url:
        engine = OpenAIEngine(model, settings(url, served_model="served-name"),
                              "engine_defaults")
        outputs = engine.generate(rows)
    assert all(o.engine_error is None for o in outputs)
    bodies = server.requests
    assert {b["model"] for b in bodies} == {"served-name"}
    assert all("temperature" not in b for b in bodies)  # the server's own sampling defaults
    assert sorted(b["seed"] for b in bodies) == sorted(
        [row_seed(7, "a"), row_seed(7, "b"), row_seed(8, "a")])
    assert len({b["seed"] for b in bodies}) == 3


def test_parallel_requests_come_back_in_row_order(model):
    n = 8
    all_arrived = threading.Barrier(n)

    def crossing_delay(body: dict) -> float:
        """Hold every reply until all n requests are in flight, then answer row i after
        (n - i) * 30 ms: later rows are answered first, so the replies cross."""
        all_arrived.wait(timeout=30)
        return (n - (body["max_tokens"] - 100)) * 0.03

    server = CompletionsServer(answer=lambda body: f"row {body['max_tokens'] - 100}",
                               delay_s=crossing_delay)
    rows = [row(sample_id=str(i), max_tokens=100 + i) for i in range(n)]
    with server as url:
        outputs = OpenAIEngine(model, settings(url, max_in_flight=n), "greedy").generate(rows)
    assert [o.prediction for o in outputs] == [f"row {i}" for i in range(n)]
    assert all(o.engine_error is None for o in outputs)
    assert sorted(b["max_tokens"] - 100 for b in server.requests) == list(range(n))
    assert server.peak_in_flight == n  # all overlapped (a serial client breaks the barrier)


def test_batches_given_at_once_share_max_in_flight(model):
    """Two batches handed over at once (as the engine stage does) keep exactly
    max_in_flight requests in flight, never more; no stop ids when switched off."""
    server = CompletionsServer(delay_s=lambda body: 0.2)
    batches = [[row(sample_id=f"{b}-{i}") for i in range(6)] for b in range(2)]
    with server as url:
        engine = OpenAIEngine(model, settings(url, max_in_flight=4, stop_token_ids=False),
                              "greedy")
        results: dict[int, list] = {}
        threads = [threading.Thread(target=lambda b=b: results.__setitem__(
            b, engine.generate(batches[b]))) for b in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert server.peak_in_flight == 4
    assert len(server.requests) == 12 and all("stop_token_ids" not in b
                                                for b in server.requests)
    assert all(o.engine_error is None for b in range(2) for o in results[b])


def test_a_503_is_retried_and_succeeds(model):
    server = CompletionsServer(fail_first=1, fail_status=503)
    with server as url:
        (out,) = OpenAIEngine(model, settings(url, max_retries=2), "greedy").generate([row()])
    assert len(server.requests) == 2
    assert server.requests[0] == server.requests[1]  # the same request, resent
    assert (out.prediction, out.engine_error) == ("The correct answer is A: ok", None)


def test_a_reply_cut_short_is_retried_and_succeeds(model):
    server = CompletionsServer(truncate_first=1)
    with server as url:
        (out,) = OpenAIEngine(model, settings(url, max_retries=2), "greedy").generate([row()])
    assert len(server.requests) == 2
    assert (out.prediction, out.engine_error) == ("The correct answer is A: ok", None)


def test_replies_always_cut_short_become_the_row_error(model):
    server = CompletionsServer(truncate_first=10)
    with server as url:
        (out,) = OpenAIEngine(model, settings(url, max_retries=1), "greedy").generate([row()])
    assert len(server.requests) == 2
    assert out.prediction is None
    assert out.engine_error.startswith("IncompleteRead")


def test_retries_are_bounded_by_max_retries(model):
    server = CompletionsServer(fail_first=10, fail_status=429)
    with server as url:
        (out,) = OpenAIEngine(model, settings(url, max_retries=2), "greedy").generate([row()])
    assert len(server.requests) == 3  # one try plus two retries
    assert out.prediction is None
    assert out.engine_error.startswith("HTTP 429")


def test_a_400_is_not_retried_and_becomes_the_row_error(model):
    server = CompletionsServer(always_fail=400)
    with server as url:
        engine = OpenAIEngine(model, settings(url, max_retries=3), "greedy")
        bad, = engine.generate([row()])
    assert len(server.requests) == 1
    assert bad.prediction is None
    assert bad.finish_reason == "error"
    assert bad.output_tokens == 0
    assert "400" in bad.engine_error and "configured to fail" in bad.engine_error


def test_an_unreachable_server_becomes_the_row_error_after_retries(model):
    engine = OpenAIEngine(model, settings(closed_port_url(), max_retries=1, timeout_s=2.0),
                          "greedy")
    started = time.perf_counter()
    outputs = engine.generate([row(sample_id="1"), row(sample_id="2")])
    assert time.perf_counter() - started < 5
    for out in outputs:
        assert out.prediction is None
        assert out.finish_reason == "error"
        assert out.engine_error.startswith("URLError")
        assert "refused" in out.engine_error.lower()


@pytest.mark.parametrize("raw", [True, b"[]", b'{"choices": []}', b'{"choices": ["x"]}',
                                 b'{"choices": [{"text": "x"}], "usage": "n/a"}'],
                         ids=["not-json", "list", "no-choice", "choice-not-object",
                              "usage-not-object"])
def test_a_malformed_reply_becomes_the_row_error(model, raw):
    server = CompletionsServer(malformed=raw)
    with server as url:
        engine = OpenAIEngine(model, settings(url, max_retries=3), "greedy")
        outputs = engine.generate([row(sample_id="1"), row(sample_id="2")])
    assert len(server.requests) == 2  # a malformed reply is not retried
    for out in outputs:
        assert out.prediction is None
        assert out.finish_reason == "error"
        assert out.engine_error.startswith("malformed reply")


def test_context_overflow_rows_are_never_sent(model):
    server = CompletionsServer()
    with server as url:
        engine = OpenAIEngine(model, settings(url), "greedy")
        outputs = engine.generate([row(sample_id="long", overflow=True),
                                   row(sample_id="ok", max_tokens=5)])
        assert len(server.requests) == 1
        assert server.requests[0]["max_tokens"] == 5
        (alone,) = engine.generate([row(sample_id="long", overflow=True)])
    assert len(server.requests) == 1
    overflow, ok = outputs
    assert (overflow.prediction, overflow.finish_reason, overflow.engine_error) == (
        "", "context_overflow", None)
    assert alone == overflow
    assert ok.prediction == "The correct answer is A: ok"


def test_the_api_key_goes_out_as_a_bearer_token(model, monkeypatch):
    monkeypatch.setenv("CLUE_TEST_OPENAI_KEY", "sk-test-123")
    server = CompletionsServer()
    with server as url:
        engine = OpenAIEngine(model, settings(url, api_key_env="CLUE_TEST_OPENAI_KEY"),
                              "greedy")
        engine.generate([row(sample_id="1"), row(sample_id="2")])
    assert [h.get("Authorization") for h in server.headers] == ["Bearer sk-test-123"] * 2
    assert all(h.get("Content-Type") == "application/json" for h in server.headers)


def test_an_unset_api_key_variable_sends_no_authorization(model, monkeypatch):
    monkeypatch.delenv("CLUE_TEST_OPENAI_KEY", raising=False)
    server = CompletionsServer()
    with server as url:
        engine = OpenAIEngine(model, settings(url, api_key_env="CLUE_TEST_OPENAI_KEY"),
                              "greedy")
        engine.generate([row()])
    assert "Authorization" not in server.headers[0]


def test_a_hanging_server_costs_a_row_at_most_its_deadline(model):
    with CompletionsServer(delay_s=lambda body: 30.0) as url:
        engine = OpenAIEngine(model, settings(url, timeout_s=1.0, deadline_s=2.5,
                                              max_retries=10), "greedy")
        started = time.perf_counter()
        (generation,) = engine.generate([row()])
        took = time.perf_counter() - started
    assert generation.engine_error.startswith("no answer within deadline_s=2.5")
    assert 2.0 <= took < 5.0
