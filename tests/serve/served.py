"""`clue-ray serve` as a user runs it (a subprocess on a free port, on its own local Ray),
and a plain HTTP client for it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)$")


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names), body text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def call(url: str, method: str = "GET", body: bytes | None = None, token: str | None = None,
         timeout: float = 60.0, content_type: str = "application/json") -> Answer:
    """One request (no retries); an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, {k.lower(): v for k, v in response.headers.items()},
                          response.read().decode())
    except urllib.error.HTTPError as err:
        return Answer(err.code, {k.lower(): v for k, v in err.headers.items()},
                      err.read().decode())


@dataclass
class Server:
    """A running `clue-ray serve` process, everything it printed, and its token."""

    process: subprocess.Popen
    token: str
    output: list[str] = field(default_factory=list)
    _url: str | None = None

    @property
    def url(self) -> str:
        """The base URL, once the command printed it (waits for the applications)."""
        deadline = time.monotonic() + 240
        while self._url is None:
            for line in list(self.output):
                if URL_LINE.match(line.strip()):
                    self._url = line.strip()
            if self._url is None:
                if self.process.poll() is not None:
                    pytest.fail(f"clue-ray serve ended (exit {self.process.returncode}):\n"
                                + "".join(self.output[-40:]))
                if time.monotonic() > deadline:
                    pytest.fail("clue-ray serve printed no URL within 240 s:\n"
                                + "".join(self.output[-40:]))
                time.sleep(0.2)
        return self._url

    def score(self, payload: Any, token: str | None = "default") -> Answer:
        """POST /v1/score (with the server's token unless told otherwise)."""
        return call(f"{self.url}/v1/score", "POST", json.dumps(payload).encode(),
                    self.token if token == "default" else token)

    def stop(self) -> int:
        """Ctrl-C, then the exit status (idempotent)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(overrides: list[str], token: str) -> Server:
    """Start `clue-ray serve` with these overrides, a free port and the token in the
    environment variable conf/serve names; its output is collected as it comes."""
    env = {**os.environ, "CLUE_RAY_SERVE_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "clue_ray.cli", "serve", *overrides, "serve.port=0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True)
    server = Server(process, token)

    def collect() -> None:
        for line in process.stdout:
            server.output.append(line)

    threading.Thread(target=collect, daemon=True).start()
    return server


def ray_logs(ray_tmpdir: Path) -> list[Path]:
    """Every log file of every Ray session under a Ray temp dir."""
    return [p for p in ray_tmpdir.rglob("logs/**/*") if p.is_file()]


CHROMIUM = next((name for name in ("chromium", "chromium-browser", "google-chrome",
                                   "headless_shell") if shutil.which(name)), None)


@contextmanager
def token_proxy(target: str, token: str) -> Iterator[str]:
    """A local proxy that adds the bearer token to every GET (a browser cannot be told to
    send a header); yields its base URL."""

    class Forward(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the handler API's name)
            answer = call(target + self.path, token=token)
            body = answer.text.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def dump_dom(url: str, wait_ms: int = 3000) -> str:
    """The page's DOM after a headless Chromium loaded it and ran its script."""
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                             f"--virtual-time-budget={wait_ms}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
