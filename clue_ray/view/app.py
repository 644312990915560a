"""The view's HTTP edge: a FastAPI app of the serve layer's kind (`serve.http.api`: every
route checks the bearer token first when one is set, errors are one line of JSON, a request
that fails validation is answered 400 without repeating what was sent), with the pages and
their data as JSON:

    GET /              the samples, filtered (model, task, subtask, flag, metric range, text)
    GET /sample        one sample (model, task, sample_id, seed)
    GET /paired        a model against another on the same samples (model, base, task, show)
    GET /api/facets    the values the filters choose from, and each model with its base
    GET /api/samples   GET /api/sample   GET /api/paired: what the pages show, as JSON

Every answer is marked not to be stored (`Cache-Control: no-store`), sends no referrer, and
allows no script to run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from clue_ray.serve.http import TOKEN, api, error
from clue_ray.view.filters import Filters, Order, ViewError
from clue_ray.view.pages import paired_page, sample_page, samples_page
from clue_ray.view.paired import PairedView, PairQuery, Show, paired_view
from clue_ray.view.prompts import PromptRebuilder
from clue_ray.view.store import SampleStore

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
NO_SAMPLE = "sample: no such row in these results (model, task, sample_id and seed name one)"
Text = Annotated[str | None, Query()]
PageNumber = Annotated[int, Query(ge=1)]


@dataclass(frozen=True)
class Guard:
    """What the serve layer's routes check: the token (None: none), the body cap (the view
    takes no body: none is read)."""

    token: str | None
    max_body_bytes: int = 0


def given(value: str | None) -> str | None:
    """An empty form field as no value."""
    return value if value else None


def decimal(name: str, value: str | None) -> float | None:
    """A number from a form field (empty: none); refused without repeating it."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ViewError(f"{name}: not a number") from None


def view_app(store: SampleStore, rebuilder: PromptRebuilder, token: str | None) -> FastAPI:
    """The app over an opened store; `token`: the bearer token every route requires."""
    app = api()
    app.state.guard = Guard(token)
    subtitle = f"{store.root}: {store.row_count():,} rows"

    async def refused(request: Request, exc: ViewError) -> JSONResponse:
        return error(str(exc), 400)

    async def secured(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                      ) -> Response:
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    app.add_exception_handler(ViewError, refused)  # type: ignore[arg-type]  # as in http.api
    app.middleware("http")(secured)

    def filters(model: str | None, task: str | None, subtask: str | None, flag: str | None,
                metric: str | None, low: str | None, high: str | None, text: str | None,
                order: Order, page: int) -> Filters:
        return Filters(given(model), given(task), given(subtask), given(flag), given(metric),
                       decimal("low", low), decimal("high", high), given(text), order, page)

    def pair_query(model: str | None, base: str | None, task: str | None, show: Show,
                   page: int) -> PairQuery | None:
        model, base = given(model), given(base)
        if model is None:
            if base is not None:
                raise ViewError("model: choose the model to compare with the base")
            if not store.facets().pairs:
                return None
            model, base = store.facets().pairs[0]
        if base is None:
            base = dict(store.facets().pairs).get(model)
            if base is None:
                raise ViewError("base: that model's base model is not in these results: "
                                "choose the model to compare it with")
        return PairQuery(model, base, given(task), show, page)

    def one_sample(model: str, task: str, sample_id: str, seed: int
                   ) -> tuple[dict[str, Any], Any] | None:
        row = store.sample(model, task, sample_id, seed)
        return None if row is None else (row, rebuilder.rebuild(row))

    @app.get("/", dependencies=[TOKEN])
    def samples(model: Text = None, task: Text = None, subtask: Text = None, flag: Text = None,
                metric: Text = None, low: Text = None, high: Text = None, text: Text = None,
                order: Order = Order.key, page: PageNumber = 1) -> HTMLResponse:
        """The filtered samples."""
        chosen = filters(model, task, subtask, flag, metric, low, high, text, order, page)
        return HTMLResponse(samples_page(store.facets(), chosen, store.samples(chosen),
                                         subtitle))

    @app.get("/sample", dependencies=[TOKEN])
    def sample(model: str, task: str, sample_id: str, seed: int) -> Response:
        """One sample."""
        found = one_sample(model, task, sample_id, seed)
        if found is None:
            return error(NO_SAMPLE, 404)
        row, rebuilt = found
        definition = store.tasks.get(task)
        info = store.results.models.get(model)
        base = info.base_model if info and info.base_model in store.facets().models else None
        return HTMLResponse(sample_page(
            row, rebuilt, store.other_models(task, sample_id, seed),
            definition.headline_metric if definition else None, base, subtitle))

    @app.get("/paired", dependencies=[TOKEN])
    def paired(model: Text = None, base: Text = None, task: Text = None, show: Show = Show.all,
               page: PageNumber = 1) -> HTMLResponse:
        """A model against another on the same samples."""
        query = pair_query(model, base, task, show, page)
        view: PairedView | None = paired_view(store, query) if query else None
        return HTMLResponse(paired_page(store.facets(), query, view, subtitle))

    @app.get("/api/facets", dependencies=[TOKEN])
    def facets() -> JSONResponse:
        """The filters' choices."""
        return JSONResponse(store.facets().as_json())

    @app.get("/api/samples", dependencies=[TOKEN])
    def samples_json(model: Text = None, task: Text = None, subtask: Text = None,
                     flag: Text = None, metric: Text = None, low: Text = None,
                     high: Text = None, text: Text = None, order: Order = Order.key,
                     page: PageNumber = 1) -> JSONResponse:
        """The filtered samples as JSON."""
        chosen = filters(model, task, subtask, flag, metric, low, high, text, order, page)
        return JSONResponse(store.samples(chosen).as_json())

    @app.get("/api/sample", dependencies=[TOKEN])
    def sample_json(model: str, task: str, sample_id: str, seed: int) -> JSONResponse:
        """One sample as JSON, its rebuilt prompt under `prompt`."""
        found = one_sample(model, task, sample_id, seed)
        if found is None:
            return error(NO_SAMPLE, 404)
        row, rebuilt = found
        return JSONResponse({**row, "prompt": rebuilt.as_json()})

    @app.get("/api/paired", dependencies=[TOKEN])
    def paired_json(model: Text = None, base: Text = None, task: Text = None,
                    show: Show = Show.all, page: PageNumber = 1) -> JSONResponse:
        """The paired view as JSON (null when the results hold no model with its base and
        none was chosen)."""
        query = pair_query(model, base, task, show, page)
        if query is None:
            return JSONResponse(None)
        return JSONResponse({"model": query.model, "base": query.base,
                             **paired_view(store, query).as_json()})

    return app
