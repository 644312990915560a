"""`clue-ray serve` end to end: one real server for the module (its own local Ray, Serve on
127.0.0.1 on a free port, a bearer token), checked over plain HTTP: scores equal to
`clue-ray score` on every task, 200 concurrent requests batched, every kind of bad request,
the token, the live page following new shards without serving a text, a killed replica, and
a clean Ctrl-C with nothing of the texts in any log."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from results_folder import (
    MARKER,
    add_meqsum,
    add_shard,
    build,
    points,
    report_board,
    report_bootstrap,
)
from served import CHROMIUM, call, dump_dom, ray_logs, start_server, token_proxy

from clue_ray.commands.score import run_score
from clue_ray.config import ScoreCommand
from clue_ray.tasks.registry import CLUE

TOKEN = "test-token-4f1c"
LABELS = ("entailment", "contradiction", "neutral")


def prediction(task: str, index: int, reference: str) -> str:
    """A deterministic prediction carrying the marker (never to be served or logged)."""
    if task == "mednli":
        return f"{LABELS[index % 3]} {MARKER}"
    if task == "longhealth":
        return f"The correct answer is {'ABCDE'[index % 5]}: {MARKER}"
    if index % 4 == 3:
        return ""
    words = reference.split()
    return [reference, " ".join(words[: len(words) // 2] + [MARKER]), MARKER][index % 3]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory, synthetic_data_dir):
    return build(tmp_path_factory.mktemp("served") / "results", synthetic_data_dir)


@pytest.fixture(scope="module")
def server(ray_env, synthetic_data_dir, scoring_settings, results_dir):
    bert, spacy = scoring_settings.bertscore, scoring_settings.scispacy
    started = start_server([
        "experiment=demo", f"data_dir={synthetic_data_dir}", f"output_dir={results_dir}",
        f"scoring.bertscore.model={bert.model}",
        f"scoring.bertscore.batch_size={bert.batch_size}",
        f"scoring.scispacy.spacy_model={spacy.spacy_model}",
        f"scoring.scispacy.kb_dir={spacy.kb_dir}",
        f"scoring.scispacy.linker_name={spacy.linker_name}",
        "cluster.num_cpus=2", "serve.scoring.autoscaling.max_replicas=1", "serve.refresh_s=0.5",
    ], TOKEN)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def predictions(synthetic_data_dir) -> dict[str, dict[str, str]]:
    return {task: {r.sample_id: prediction(task, i, r.reference)
                   for i, r in enumerate(CLUE.references(task, synthetic_data_dir))}
            for task in CLUE}


@pytest.fixture(scope="module")
def scored(server, predictions, synthetic_data_dir, scoring_settings, tmp_path_factory):
    """`clue-ray score` (in this process, while the server starts) on every task."""
    folder = tmp_path_factory.mktemp("scored")
    outputs = {}
    for task, by_id in predictions.items():
        source, out = folder / f"{task}.jsonl", folder / f"{task}.json"
        source.write_text("".join(json.dumps({"sample_id": s, "prediction": p}) + "\n"
                                  for s, p in by_id.items()))
        run_score(ScoreCommand(task, str(synthetic_data_dir), str(source), str(out),
                               scoring_settings))
        outputs[task] = json.loads(out.read_text())
    return outputs


def test_health_is_open_and_names_scorers_and_tasks(server):
    health = call(f"{server.url}/v1/health")
    assert health.status == 200
    assert health.json()["scorers"] == {"bertscore": True, "umls": True}
    assert health.json()["tasks"] == list(CLUE)


def test_scores_equal_clue_ray_score_on_every_task(server, scored, predictions,
                                                   synthetic_data_dir):
    for task, by_id in predictions.items():
        items = [{"sample_id": s, "prediction": p} for s, p in by_id.items()]
        random.Random(task).shuffle(items)  # answered in the data's order, as the file is
        answer = server.score({"task": task, "items": items})
        assert answer.status == 200, answer.text
        assert answer.json() == {"samples": scored[task]["samples"],
                                 "aggregate": scored[task]["aggregate"]}, task
    refs = CLUE.references("medisumqa", synthetic_data_dir)
    by_reference = server.score({"task": "medisumqa", "items": [
        {"prediction": predictions["medisumqa"][r.sample_id], "reference": r.reference}
        for r in refs]})
    assert [s["metrics"] for s in by_reference.json()["samples"]] == [
        s["metrics"] for s in scored["medisumqa"]["samples"]]
    assert [s["index"] for s in by_reference.json()["samples"]] == list(range(len(refs)))


def test_200_concurrent_requests_are_batched_and_all_answered(server, scored, predictions):
    expected = {task: {s["sample_id"]: s["metrics"] for s in out["samples"]}
                for task, out in scored.items()}
    tasks = list(CLUE)

    def one(n: int) -> tuple[str, list[str], object]:
        task = tasks[n % len(tasks)]
        ids = random.Random(n).sample(sorted(predictions[task]), 1 + n % 3)
        items = [{"sample_id": s, "prediction": predictions[task][s]} for s in ids]
        return task, ids, server.score({"task": task, "items": items})

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(one, range(200)))
    batch_sizes = []
    for task, ids, answer in answers:
        assert answer.status == 200, answer.text
        got = {s["sample_id"]: s["metrics"] for s in answer.json()["samples"]}
        assert set(got) == set(ids)
        for sample_id, metrics in got.items():
            assert metrics == pytest.approx(expected[task][sample_id], rel=1e-5, abs=1e-7)
        batch_sizes.append(int(answer.headers["x-clue-batch-requests"]))
    assert max(batch_sizes) > 1, batch_sizes
    health = call(f"{server.url}/v1/health").json()["replica"]
    assert health["largest_batch_requests"] == max(batch_sizes)


def test_bad_requests_get_one_message_naming_the_field(server, predictions):
    some_id = next(iter(predictions["meqsum"]))
    good = {"sample_id": some_id, "prediction": MARKER}
    url = f"{server.url}/v1/score"
    cases = [
        (call(url, "POST", b'{"task": "meqsum", "items": [', TOKEN), 400, "body: invalid JSON"),
        (server.score({"items": [good]}), 400, "task: required"),
        (server.score({"task": "meqsum"}), 400, "items: required"),
        (server.score({"task": "nope", "items": [good]}), 400, "task: unknown task 'nope'"),
        (server.score({"task": "meqsum", "items": [good, {**good, "prediction": 3}]}), 400,
         "items[1].prediction: expected a string, got a number"),
        (server.score({"task": "meqsum", "items": [{"sample_id": "x9", "prediction": "a"}]}),
         400, "items[0].sample_id: unknown sample id 'x9' for task meqsum"),
        (server.score({"task": "meqsum", "items": [good, good]}), 400,
         f"items[1].sample_id: '{some_id}' appears twice (also items[0])"),
        (call(url, "POST", b"{" + b" " * (1 << 20) + b"}", TOKEN), 413,
         "body: larger than serve.max_body_bytes=1048576 bytes"),
        (call(url, "GET", token=TOKEN), 405, "method: this route takes POST"),
        (call(f"{server.url}/v1/nothing"), 404, "path: no route /nothing"),
    ]
    for answer, status, message in cases:
        assert answer.status == status, (message, answer.text)
        body = answer.json()
        assert list(body) == ["error"] and message in body["error"], body
        assert "Traceback" not in answer.text and MARKER not in answer.text


def test_a_body_too_large_sent_slowly_gets_its_413(server):
    """A client still sending an oversized body reads the 413 (the body is read and dropped
    before the answer), not a reset connection."""
    limit = 1 << 20  # serve.max_body_bytes
    host, port = server.url.removeprefix("http://").split(":")
    body = b"{" + b" " * limit + b"}"
    head = (f"POST /v1/score HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head)
        step = len(body) // 8 + 1
        for start in range(0, len(body), step):
            time.sleep(0.1)  # the server has the headers, and time to answer, before the rest
            sock.sendall(body[start:start + step])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413", answer[:300]
    assert b"body: larger than serve.max_body_bytes=1048576 bytes" in rest


def test_the_token_is_required_everywhere_but_health(server, predictions):
    item = {"sample_id": next(iter(predictions["mednli"])), "prediction": "neutral"}
    for token in (None, "wrong-token"):
        refused = server.score({"task": "mednli", "items": [item]}, token=token)
        assert refused.status == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "authorization: missing or wrong bearer token" in refused.json()["error"]
        assert call(f"{server.url}/", token=token).status == 401
        assert call(f"{server.url}/api/leaderboard", token=token).status == 401
    assert server.score({"task": "mednli", "items": [item]}).status == 200


def test_routes_methods_and_the_token_come_before_the_body(server):
    """404 lists the routes (FastAPI's docs and OpenAPI schema are not served), 405 names the
    method in Allow, a request without the token is refused before its body is parsed, and a
    body sent as another Content-Type than JSON is named as such."""
    assert call(f"{server.url}/v1/nothing").json() == {
        "error": "path: no route /nothing (routes: POST /score, GET /health)"}
    assert call(f"{server.url}/nothing", token=TOKEN).json() == {
        "error": "path: no route /nothing (routes: GET /, GET /api/leaderboard)"}
    for path in ("/docs", "/openapi.json", "/v1/docs", "/v1/openapi.json", "/v1/score/"):
        assert call(server.url + path, token=TOKEN).status == 404, path
    for url, method, allowed in ((f"{server.url}/v1/health", "POST", "GET"),
                                 (f"{server.url}/api/leaderboard", "DELETE", "GET")):
        refused = call(url, method, b"{}", TOKEN)
        assert (refused.status, refused.headers["allow"]) == (405, allowed)
        assert refused.json() == {"error": f"method: this route takes {allowed}"}
    unread = call(f"{server.url}/v1/score", "POST", b"{not json " + MARKER.encode())
    assert unread.status == 401 and MARKER not in unread.text
    as_form = call(f"{server.url}/v1/score", "POST", b'{"task": "meqsum"}', TOKEN,
                   content_type="application/x-www-form-urlencoded")
    assert (as_form.status, as_form.json()) == (
        400, {"error": "body: send JSON (Content-Type: application/json)"})


def test_the_live_page_follows_new_shards_and_serves_no_text(server, results_dir,
                                                             synthetic_data_dir):
    api = f"{server.url}/api/leaderboard"
    first = call(api, token=TOKEN).json()
    assert points(first["leaderboard"]) == points(report_board(results_dir, report_bootstrap()))
    page = call(f"{server.url}/", token=TOKEN)
    assert page.status == 200 and "<table" in page.text and "m-general" in page.text
    add_meqsum(results_dir, synthetic_data_dir)
    second = call(api, token=TOKEN).json()
    assert second["version"] != first["version"]
    assert second["shards"]["reads"] == first["shards"]["reads"] + 1  # only the new shard
    assert points(second["leaderboard"]) == points(report_board(results_dir,
                                                                report_bootstrap()))
    assert points(second["leaderboard"]) != points(first["leaderboard"])
    for text in (json.dumps(first), json.dumps(second), page.text,
                 call(f"{server.url}/", token=TOKEN).text):
        assert MARKER not in text


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary on PATH (chromium, "
                    "chromium-browser, google-chrome, headless_shell); tests download nothing")
def test_the_live_page_in_a_headless_browser(server, results_dir, synthetic_data_dir):
    with token_proxy(server.url, TOKEN) as proxy:
        before = dump_dom(f"{proxy}/")
        assert "<table" in before and "m-general" in before and "problem_summary" not in before
        add_shard(results_dir, synthetic_data_dir, "m-general", "problem_summary", [0.4, 0.6])
        after = dump_dom(f"{proxy}/")
    assert "problem_summary" in after and MARKER not in before + after


def test_a_killed_replica_is_replaced_and_later_requests_are_answered(server, scored,
                                                                      predictions):
    pid = call(f"{server.url}/v1/health").json()["replica"]["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline, answer = time.monotonic() + 120, None
    items = [{"sample_id": s, "prediction": p} for s, p in predictions["meqsum"].items()]
    while time.monotonic() < deadline:
        answer = server.score({"task": "meqsum", "items": items})
        if answer.status == 200:
            break
        time.sleep(1)
    assert answer is not None and answer.status == 200, answer and answer.text
    assert call(f"{server.url}/v1/health").json()["replica"]["pid"] != pid
    for task in CLUE:
        again = server.score({"task": task, "items": [
            {"sample_id": s, "prediction": p} for s, p in predictions[task].items()]})
        assert again.status == 200
        assert again.json()["aggregate"] == pytest.approx(scored[task]["aggregate"], rel=1e-5)


def test_ctrl_c_stops_cleanly_and_no_log_holds_a_text(server, ray_env):
    url = server.url
    assert server.stop() == 0
    output = "".join(server.output)
    assert "stopped" in [line.strip() for line in server.output] and "Traceback" not in output
    assert MARKER not in output
    logs = ray_logs(Path(os.environ["RAY_TMPDIR"]))
    assert any("serve" in p.parts for p in logs)
    assert not [p for p in logs if MARKER.encode() in p.read_bytes()]
    with pytest.raises(OSError):
        call(f"{url}/v1/health", timeout=5)
