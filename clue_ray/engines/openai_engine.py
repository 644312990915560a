"""An OpenAI-compatible completions endpoint (a self-hosted vLLM or Ray Serve server).

The rendered prompt is sent as token ids (`prompt` as a list of ints), so the server adds no
second BOS and applies no template of its own. Requests run in parallel threads; a request
that still fails after its retries, or has no answer within its total `deadline_s`, becomes
that row's `engine_error`.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clue_ray.engines.base import Generation, PromptRow, row_seed
from clue_ray.engines.settings import OpenAISettings
from clue_ray.models import ModelSettings
from clue_ray.tasks.render import load_tokenizer

RETRYABLE_STATUS = (408, 429, 500, 502, 503, 504)


class OpenAIEngine:
    """Completions over HTTP, one request per row."""

    def __init__(self, model: ModelSettings, settings: OpenAISettings, decoding: str) -> None:
        self.settings = settings
        self.greedy = decoding == "greedy"
        self.served_model = settings.served_model or model.hf_id
        self.tokenizer = load_tokenizer(model.source, model.revision)
        key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self.url = settings.base_url.rstrip("/") + "/completions"

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Completions in row order."""
        with ThreadPoolExecutor(max_workers=self.settings.parallel_requests) as pool:
            return list(pool.map(self._one, rows))

    def request_body(self, row: PromptRow) -> dict[str, Any]:
        """The JSON body of one completions request."""
        body: dict[str, Any] = {
            "model": self.served_model,
            "prompt": self.tokenizer.encode(row.prompt, add_special_tokens=False),
            "max_tokens": row.max_tokens,
        }
        if self.greedy:
            body["temperature"] = 0.0
        else:
            body["seed"] = row_seed(row.seed, row.sample_id)
        return body

    def _one(self, row: PromptRow) -> Generation:
        if row.context_overflow:
            return Generation.overflow()
        started = time.perf_counter()
        deadline = started + self.settings.deadline_s
        data = json.dumps(self.request_body(row)).encode()
        error = "no attempt made"
        for attempt in range(self.settings.max_retries + 1):
            left = deadline - time.perf_counter()
            if left <= 0:
                error = f"no answer within deadline_s={self.settings.deadline_s:g} ({error})"
                break
            try:
                reply = self._post(data, min(self.settings.timeout_s, left))
                choice = reply["choices"][0]
                usage = reply.get("usage") or {}
                return Generation(
                    prediction=str(choice.get("text") or ""),
                    output_tokens=int(usage.get("completion_tokens", 0)),
                    finish_reason=str(choice.get("finish_reason") or "stop"),
                    engine_error=None,
                    latency_s=time.perf_counter() - started,
                    engine_prompt_tokens=usage.get("prompt_tokens"),
                )
            except urllib.error.HTTPError as err:
                error = f"HTTP {err.code}: {err.read()[:200].decode(errors='replace')}"
                if err.code not in RETRYABLE_STATUS:
                    break
            except (urllib.error.URLError, http.client.HTTPException, TimeoutError,
                    ConnectionError) as err:
                error = f"{type(err).__name__}: {err}"
            except (KeyError, IndexError, TypeError, AttributeError, ValueError) as err:
                error = f"malformed reply: {type(err).__name__}: {err}"
                break
            if attempt < self.settings.max_retries:
                time.sleep(min(2.0**attempt * 0.1, 5.0, max(deadline - time.perf_counter(), 0)))
        return Generation.failed(error, time.perf_counter() - started)

    def _post(self, data: bytes, timeout_s: float) -> dict[str, Any]:
        request = urllib.request.Request(self.url, data=data, headers=self.headers,
                                         method="POST")
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read())
