"""A headless Chromium driven over the DevTools protocol (its own websocket, no driver
package): open a page, run a line of script in it as a user's action, wait for the next
page, take a screenshot. Nothing is downloaded: the Chromium on PATH is used."""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

LISTENING = re.compile(r"DevTools listening on (ws://[^\s]+)")


class Browser:
    """One headless Chromium with one page."""

    def __init__(self, binary: str, width: int = 1400, height: int = 1000) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="clue-ray-chromium-")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile.name}",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        endpoint = self._endpoint()
        port = endpoint.split(":")[2].split("/")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            pages = [t for t in json.load(answer) if t["type"] == "page"]
        self.socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=None,
                              open_timeout=30)
        self.ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _endpoint(self) -> str:
        deadline = time.monotonic() + 60
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = LISTENING.search(line)
            if found:
                return found.group(1)
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("Chromium did not open its DevTools endpoint")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events arriving meanwhile are dropped)."""
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        """A script expression's value in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait(self, condition: str, timeout_s: float = 60.0) -> None:
        """Until a script condition holds in a fully loaded page."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(f"document.readyState === 'complete' && Boolean({condition})"):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {condition} at {self.location()}")

    def open(self, url: str) -> None:
        """Load a page."""
        self.send("Page.navigate", url=url)
        self.wait(f"location.href === {json.dumps(url)} || location.href.startsWith("
                  f"{json.dumps(url)})")

    def act(self, action: str, then: str) -> None:
        """Do something a user does (a line of script: choose, click), then wait until the
        page it leads to is loaded and `then` holds there."""
        before = self.location()
        self.evaluate(action)
        self.wait(f"location.href !== {json.dumps(before)} && ({then})")

    def location(self) -> str:
        return str(self.evaluate("location.href"))

    def text(self, selector: str) -> str:
        """The text of the first element matching a CSS selector ('' when none does)."""
        found = self.evaluate(f"(document.querySelector({json.dumps(selector)}) || "
                              "{innerText: ''}).innerText")
        return str(found)

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page."""
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.profile.cleanup()
