"""The samples of a results folder in an in-memory DuckDB table, read once when the view
opens: the score rows as the report reads them (`results.load`: each run's newest scoring,
a key stored twice counted once, the newest run of a model/task), joined with their
inference rows (prediction, reference, engine facts) read by DuckDB from the shards, plus
each row's headline value (the task's headline metric) and its texts lower-cased (a text
search is then a plain substring search). Filters then run over that one table: a query
over thousands of small shards would open every file each time.

Texts stay in this process: they leave it only in the answers the view serves, and DuckDB
is given no temporary folder, so it never writes them to disk (a query beyond its memory
fails instead)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from clue_ray.metrics.failures import ALL_FLAGS
from clue_ray.results.load import ModelInfo, ResultSet, load_results
from clue_ray.results.samples import headline_column
from clue_ray.rows import INFERENCE_STORED, METRIC_PREFIX, SCORE_STORED, column_type
from clue_ray.storage.run_folder import RunFolder, score_files_by_run
from clue_ray.tasks.registry import CLUE, TaskSet
from clue_ray.view.filters import ORDER_SQL, Facets, Filters, check, condition, quoted

KEY = ("run_id", "model", "task", "sample_id", "seed")
# What the inference shards add to a score row (the rest of their columns the scores hold).
INFERENCE_ADDED = tuple(c for c in INFERENCE_STORED if c not in SCORE_STORED)
LISTED = ("model", "task", "subtask", "sample_id", "seed", "headline", "flags", "answer")
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Page:
    """One page of matching samples: how many match, which page, how many pages, its rows
    (each with the first EXCERPT_CHARS characters of its prediction)."""

    total: int
    page: int
    pages: int
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The page as a JSON object."""
        return {"total": self.total, "page": self.page, "pages": self.pages, "rows": self.rows}


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the last query as dicts (NULL and NaN as None)."""
    names = [d[0] for d in cursor.description or []]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def score_table(frame: pd.DataFrame) -> pa.Table:
    """The score rows as Arrow, each column typed as the row contract types it (a missing
    metric is null, not NaN)."""
    arrays, names = [], []
    for column in frame.columns:
        kind = column_type(column) if column != "flags" else pa.list_(pa.string())
        values = frame[column]
        if column == "flags":
            arrays.append(pa.array(values.tolist(), type=kind))
        else:
            arrays.append(pa.Array.from_pandas(values, type=kind))
        names.append(str(column))
    return pa.Table.from_arrays(arrays, names=names)


def inference_shards(results: Path) -> list[str]:
    """The inference shards of every run folder whose scores the view reads."""
    files: list[str] = []
    for run_dir in sorted(score_files_by_run(results)):
        files.extend(str(p) for p in RunFolder(run_dir).inference_files())
    return files


class SampleStore:
    """The `samples` table of a results folder and the queries the view runs on it. Each
    query uses a cursor of its own (the server answers requests on several threads)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, results: ResultSet,
                 root: Path, page_rows: int) -> None:
        self._connection = connection
        self.results = results
        self.root = root
        self.page_rows = page_rows
        self.tasks = results.tasks
        self._facets = self._read_facets()

    @classmethod
    def open(cls, results: Path, registry: Callable[[str], ModelInfo | None],
             tasks: TaskSet = CLUE, page_rows: int = 50) -> SampleStore:
        """Read a results folder (ConfigError when it holds no score rows, or a model whose
        kind nobody knows, as for the report)."""
        loaded = load_results(Path(results), registry, tasks=tasks)
        connection = duckdb.connect(":memory:")
        connection.execute("SET enable_progress_bar = false")
        connection.execute("SET temp_directory = ''")  # never spill texts to disk
        scores = score_table(loaded.rows)
        connection.register("score_rows", scores)
        inference, params = _inference_select(connection, inference_shards(Path(results)))
        headline, cases = _headline_case(scores.column_names, loaded.tasks)
        added = ", ".join(f"i.{quoted(c)}" for c in INFERENCE_ADDED)
        connection.execute(
            f"CREATE TABLE samples AS SELECT row_number() OVER (ORDER BY s.model, s.task, "
            f"s.sample_id, s.seed) AS n, s.*, {headline} AS headline, {added}, "
            f"lower(i.prediction) AS prediction_lower, lower(i.reference) AS reference_lower "
            f"FROM score_rows s LEFT JOIN ({inference}) i USING ({', '.join(KEY)})",
            params | cases)
        connection.unregister("score_rows")
        return cls(connection, loaded, Path(results), page_rows)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own on the table."""
        return self._connection.cursor()

    def row_count(self) -> int:
        """Rows in the table."""
        found = self.cursor().execute("SELECT count(*) FROM samples").fetchone()
        return int(found[0]) if found else 0

    def facets(self) -> Facets:
        """The choices of every filter."""
        return self._facets

    def metric_columns(self) -> list[str]:
        """The table's `metric_*` columns."""
        return [METRIC_PREFIX + m for m in self._facets.metrics]

    def samples(self, filters: Filters) -> Page:
        """One page of the samples matching the filters, in the filters' order."""
        check(filters, self._facets)
        where, params = condition(filters)
        cursor = self.cursor()
        counted = cursor.execute(f"SELECT count(*) FROM samples WHERE {where}", params).fetchone()
        total = int(counted[0]) if counted else 0
        pages = max(1, math.ceil(total / self.page_rows))
        listed = ", ".join(LISTED)
        cursor.execute(
            f"SELECT {listed}, left(prediction, {EXCERPT_CHARS}) AS prediction_start, "
            f"length(prediction) AS prediction_chars FROM samples WHERE {where} "
            f"ORDER BY {ORDER_SQL[filters.order]} LIMIT {self.page_rows} "
            f"OFFSET {(filters.page - 1) * self.page_rows}", params)
        return Page(total, filters.page, pages, records(cursor))

    def sample(self, model: str, task: str, sample_id: str, seed: int) -> dict[str, Any] | None:
        """Every stored column of one row (metrics under `metrics`, null ones left out)."""
        cursor = self.cursor()
        cursor.execute("SELECT * EXCLUDE (n, prediction_lower, reference_lower) FROM samples "
                       "WHERE model = $model AND task = $task AND sample_id = $sample_id "
                       "AND seed = $seed",
                       {"model": model, "task": task, "sample_id": sample_id, "seed": seed})
        found = records(cursor)
        if not found:
            return None
        row = {k: v for k, v in found[0].items() if not k.startswith(METRIC_PREFIX)}
        row["metrics"] = {k[len(METRIC_PREFIX):]: v for k, v in found[0].items()
                          if k.startswith(METRIC_PREFIX) and v is not None}
        return row

    def other_models(self, task: str, sample_id: str, seed: int) -> list[dict[str, Any]]:
        """Every model's headline value and flags on one sample (same task, id and seed)."""
        cursor = self.cursor()
        cursor.execute("SELECT model, headline, flags FROM samples WHERE task = $task AND "
                       "sample_id = $sample_id AND seed = $seed ORDER BY model",
                       {"task": task, "sample_id": sample_id, "seed": seed})
        return records(cursor)

    def _read_facets(self) -> Facets:
        cursor = self.cursor()

        def distinct(sql: str) -> list[str]:
            return [str(r[0]) for r in cursor.execute(sql).fetchall() if r[0] is not None]

        models = distinct("SELECT DISTINCT model FROM samples ORDER BY model")
        present = set(distinct("SELECT DISTINCT task FROM samples"))
        tasks = [t for t in self.tasks if t in present] + sorted(present - set(self.tasks))
        flags = set(distinct("SELECT DISTINCT unnest(flags) FROM samples"))
        columns = [str(r[0]) for r in cursor.execute("DESCRIBE samples").fetchall()]
        infos = self.results.models
        pairs = [(m, str(infos[m].base_model)) for m in models
                 if m in infos and infos[m].base_model in models]
        return Facets(
            models=models, tasks=tasks,
            subtasks=distinct("SELECT DISTINCT subtask FROM samples ORDER BY subtask"),
            flags=[f for f in ALL_FLAGS if f in flags] + sorted(flags - set(ALL_FLAGS)),
            metrics=[c[len(METRIC_PREFIX):] for c in columns if c.startswith(METRIC_PREFIX)],
            pairs=pairs)


def _inference_select(connection: duckdb.DuckDBPyConnection, files: list[str]
                      ) -> tuple[str, dict[str, Any]]:
    """A SELECT of the inference rows' keys and added columns, one row per key (the last
    written: shard names sort by the time they were written), null for a column no shard
    holds; an empty SELECT of those columns when there are no shards. Its parameters."""
    wanted = (*KEY, *INFERENCE_ADDED)
    if not files:
        nulls = ", ".join(f"NULL::{_sql_type(c)} AS {quoted(c)}" for c in wanted)
        return f"SELECT {nulls} WHERE FALSE", {}
    params = {"inference_files": files}
    source = "read_parquet($inference_files, union_by_name = true, filename = true)"
    described = connection.execute(f"DESCRIBE SELECT * FROM {source}", params).fetchall()
    have = {str(r[0]) for r in described}
    columns = ", ".join(quoted(c) if c in have else f"NULL::{_sql_type(c)} AS {quoted(c)}"
                        for c in wanted)
    return (f"SELECT {columns} FROM {source} QUALIFY row_number() OVER (PARTITION BY "
            f"{', '.join(KEY)} ORDER BY filename DESC) = 1"), params


SQL_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
             pa.bool_(): "BOOLEAN"}


def _sql_type(column: str) -> str:
    return SQL_TYPES[column_type(column)]


def _headline_case(columns: list[str], tasks: TaskSet) -> tuple[str, dict[str, Any]]:
    """A CASE giving each row its task's headline metric value (null for a task the view
    does not know, or whose headline column no shard holds)."""
    cases, params = [], {}
    for index, (name, definition) in enumerate(tasks.items()):
        column = headline_column(definition)
        if column in columns:
            cases.append(f"WHEN s.task = $headline_task{index} THEN s.{quoted(column)}")
            params[f"headline_task{index}"] = name
    if not cases:
        return "NULL::DOUBLE", params
    return f"CASE {' '.join(cases)} ELSE NULL END", params
