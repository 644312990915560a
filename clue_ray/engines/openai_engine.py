"""An OpenAI-compatible completions endpoint (a self-hosted vLLM or Ray Serve server).

The rendered prompt is sent as token ids (`prompt` as a list of ints), so the server adds no
second BOS and applies no template of its own; with `stop_token_ids` the model's end-of-turn
ids go along (a vLLM extension), so a served model stops where `engine=vllm` stops. One engine
keeps at most `max_in_flight` requests in flight, shared by every batch it is given at once
(the engine stage hands it the next batch while one drains), so the server always has that
many requests to batch and never more. A request that still fails after its retries, or has no
answer within its total `deadline_s`, becomes that row's `engine_error`.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any

from clue_ray.engines.actor_pool import ActorPoolEngine
from clue_ray.engines.base import Engine, Generation, PromptRow, row_seed
from clue_ray.engines.plugin import Capabilities
from clue_ray.engines.settings import EngineSettings
from clue_ray.engines.stop_tokens import model_stop_ids
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.setting import Setting
from clue_ray.tasks.registry import TaskSet
from clue_ray.tasks.render import load_tokenizer

RETRYABLE_STATUS = (408, 429, 500, 502, 503, 504)


@dataclass
class OpenAISettings:
    """`engine.openai`: an OpenAI-compatible completions endpoint (conf/engine/openai.yaml)."""

    base_url: Annotated[str, Setting("the API's base URL, e.g. http://127.0.0.1:8000/v1")]
    served_model: Annotated[str | None, Setting(
        "the model's name on the server (null: the model's hf_id)")]
    api_key_env: Annotated[str | None, Setting(
        "environment variable holding the API key, sent as a bearer token (null: none)")]
    timeout_s: Annotated[float, Setting("seconds one attempt may take", gt=0)]
    deadline_s: Annotated[float, Setting(
        "seconds all attempts of one row may take; then it is an engine error", gt=0)]
    max_retries: Annotated[int, Setting("retries of a failed request", ge=0)]
    max_in_flight: Annotated[int, Setting(
        "requests one engine actor keeps in flight at once, across its batches", ge=1)]
    stop_token_ids: Annotated[bool, Setting(
        "send the model's end-of-turn ids (stop_token_ids, a vLLM extension)")]
    batch_size: Annotated[int, Setting("rows per batch handed to an engine actor", ge=1)]
    allow_credentialed_data: Annotated[bool, Setting(
        "let credentialed data leave the cluster (PhysioNet's agreement forbids it)")]


class OpenAIEngine:
    """Completions over HTTP, one request per row, at most `max_in_flight` at once."""

    def __init__(self, model: ModelSettings, settings: OpenAISettings, decoding: str) -> None:
        self.settings = settings
        self.greedy = decoding == "greedy"
        self.served_model = settings.served_model or model.hf_id
        self.tokenizer = load_tokenizer(model.source, model.revision)
        self.stop_ids = model_stop_ids(model, self.tokenizer) if settings.stop_token_ids else ()
        self._encoding = threading.Lock()  # one tokenizer, batches arriving on several threads
        self._requests = ThreadPoolExecutor(max_workers=settings.max_in_flight,
                                            thread_name_prefix="openai-request")
        key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self.url = settings.base_url.rstrip("/") + "/completions"

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Completions in row order; calls made at once share the `max_in_flight` bound."""
        bodies = [None if row.context_overflow else json.dumps(self.request_body(row)).encode()
                  for row in rows]
        futures = [None if data is None else self._requests.submit(self._one, data)
                   for data in bodies]
        return [Generation.overflow() if future is None else future.result()
                for future in futures]

    def request_body(self, row: PromptRow) -> dict[str, Any]:
        """The JSON body of one completions request."""
        with self._encoding:
            ids = self.tokenizer.encode(row.prompt, add_special_tokens=False)
        body: dict[str, Any] = {"model": self.served_model, "prompt": ids,
                                "max_tokens": row.max_tokens}
        if self.stop_ids:
            body["stop_token_ids"] = list(self.stop_ids)
        if self.greedy:
            body["temperature"] = 0.0
        else:
            body["seed"] = row_seed(row.seed, row.sample_id)
        return body

    def _one(self, data: bytes) -> Generation:
        started = time.perf_counter()
        deadline = started + self.settings.deadline_s
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


class OpenAIPlugin(ActorPoolEngine):
    """The openai engine's declaration: prompts leave the cluster (the credentialed-data
    rule), and one actor takes enough batches to keep `max_in_flight` requests going."""

    name = "openai"
    settings_type = OpenAISettings
    capabilities = Capabilities(reports_prompt_tokens=True, sends_prompts_away=True)

    def check_tasks(self, section: OpenAISettings, credentialed: Sequence[str]) -> None:
        if credentialed and not section.allow_credentialed_data:
            raise ConfigError(
                f"the openai engine would send credentialed data ({', '.join(credentialed)}) "
                f"to {section.base_url}; PhysioNet's data use agreement forbids third-party "
                "services. Select public tasks only, or set "
                "engine.openai.allow_credentialed_data=true for a server you operate yourself")

    def calls_per_actor(self, section: OpenAISettings) -> int:
        """Enough batches to keep `max_in_flight` requests going, plus one whose rows wait
        while another drains (the engine's bound still holds)."""
        return math.ceil(section.max_in_flight / section.batch_size) + 1

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return OpenAIEngine(model, settings.section(), settings.decoding)


ENGINE = OpenAIPlugin()
