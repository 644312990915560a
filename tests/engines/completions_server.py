"""A small, real OpenAI-compatible completions server for tests.

This is a test server, not a mock of our client: it listens on a loopback TCP port and speaks
HTTP, so `OpenAIEngine` (in this process or in a Ray worker on this machine) talks to it
exactly as it would to a vLLM or Ray Serve endpoint: JSON over `POST /v1/completions`, real
status codes, real connection handling.

    server = CompletionsServer(answer=lambda body: "B")
    with server as base_url:          # http://127.0.0.1:PORT/v1
        ...                           # point engine.openai.base_url at it
    server.requests                   # every request body received, in arrival order
    server.peak_in_flight             # the most requests it was answering at once

It binds 127.0.0.1 on an ephemeral port only, reads at most `MAX_BODY_BYTES` per request,
times idle connections out, serves from daemon threads and stops when the `with` block ends.
The failure modes (`fail_first`, `always_fail`, `malformed`, `truncate_first`) are plain
attributes and may be switched between runs while the server keeps its port (and so the
engine its base URL).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_ANSWER = "The correct answer is A: ok"
MALFORMED_JSON = b'{"choices": [{"text": "unterminated'
MAX_BODY_BYTES = 4 << 20
IDLE_TIMEOUT_S = 10.0

Answer = Callable[[dict[str, Any]], str]


class CompletionsServer:
    """`POST /v1/completions` on 127.0.0.1:<ephemeral>; a context manager yielding the base URL.

    answer: the completion text as a function of the request body (deterministic).
    fail_first: the first K requests are answered with HTTP `fail_status` (e.g. 503).
    always_fail: when set, every request is answered with this HTTP status (e.g. 400, 500).
    malformed: when set (True or raw bytes), a 200 reply whose body is not a valid completion.
    truncate_first: the first K requests get a 200 reply cut short: the connection closes
        before the promised Content-Length arrives (a server dying mid-reply).
    delay_s: seconds to wait before answering, as a function of the request body.
    """

    def __init__(
        self,
        answer: Answer | None = None,
        *,
        fail_first: int = 0,
        fail_status: int = 503,
        always_fail: int | None = None,
        malformed: bool | bytes = False,
        truncate_first: int = 0,
        delay_s: Callable[[dict[str, Any]], float] | None = None,
    ) -> None:
        self.answer = answer or (lambda body: DEFAULT_ANSWER)
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.always_fail = always_fail
        self.malformed = malformed
        self.truncate_first = truncate_first
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._active = 0
        self._peak = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what was received ------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request body received (JSON-decoded), in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def headers(self) -> list[dict[str, str]]:
        """The headers of every request, in the same order as `requests` (a copy)."""
        with self._lock:
            return list(self._headers)

    @property
    def peak_in_flight(self) -> int:
        """The most requests this server was answering at one time."""
        with self._lock:
            return self._peak

    def _enter(self) -> None:
        with self._lock:
            self._active += 1
            self._peak = max(self._peak, self._active)

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1` (only while running)."""
        if self._httpd is None:
            raise RuntimeError("the completions server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> str:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="completions-server", daemon=True)
        self._thread.start()
        return self.base_url

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    # -- one request ------------------------------------------------------------------------

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> int:
        """Store the request; returns its 0-based arrival index."""
        with self._lock:
            self._requests.append(body)
            self._headers.append(headers)
            return len(self._requests) - 1

    def _respond(self, body: dict[str, Any], index: int) -> tuple[int, bytes]:
        if self.always_fail is not None:
            return self.always_fail, _error(self.always_fail, "configured to fail")
        if index < self.fail_first:
            return self.fail_status, _error(self.fail_status, f"failing request {index}")
        if index < self.truncate_first:
            return 200, b""  # the handler sends a cut-short reply
        if self.delay_s is not None:
            threading.Event().wait(max(0.0, float(self.delay_s(body))))
        if self.malformed:
            raw = self.malformed if isinstance(self.malformed, bytes) else MALFORMED_JSON
            return 200, raw
        text = self.answer(body)
        reply = {
            "id": f"cmpl-{index}",
            "object": "text_completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": len(body.get("prompt") or []),
                "completion_tokens": len(text.split()),
                "total_tokens": len(body.get("prompt") or []) + len(text.split()),
            },
        }
        return 200, json.dumps(reply).encode()


def _error(status: int, message: str) -> bytes:
    return json.dumps({"error": {"message": message, "code": status}}).encode()


def _handler_for(server: CompletionsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_TIMEOUT_S  # a silent client does not hold a thread forever

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path.rstrip("/") != "/v1/completions":
                self._send(404, _error(404, f"no route {self.path}"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                self._send(413 if length > 0 else 400, _error(400, "bad Content-Length"))
                return
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, _error(400, "request body is not JSON"))
                return
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), list):
                self._send(400, _error(400, "expected a JSON object with a token-id prompt"))
                return
            index = server._record(body, {k: v for k, v in self.headers.items()})
            server._enter()
            try:
                status, payload = server._respond(body, index)
            finally:
                server._leave()
            if status == 200 and not payload:
                self._send_truncated()
                return
            self._send(status, payload)

        def do_GET(self) -> None:  # noqa: N802
            self._send(404, _error(404, "only POST /v1/completions"))

        def _send(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_truncated(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"choices": [{"te')
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output quiet

    return Handler
