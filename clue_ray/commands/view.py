"""`clue-ray view`: browse the samples of a results folder in a local web app, until Ctrl-C
or SIGTERM. Served on loopback unless told otherwise; any other address needs a bearer token
(the serve layer's rule, `serve.auth.resolve_token`)."""

from __future__ import annotations

import sys
from pathlib import Path

from clue_ray.commands.stop_signals import stop_signals, wait_until_set
from clue_ray.config import ViewCommand, registry_info
from clue_ray.errors import ConfigError
from clue_ray.serve.auth import resolve_token
from clue_ray.tasks.user_tasks import task_set
from clue_ray.view.app import view_app
from clue_ray.view.prompts import PromptRebuilder
from clue_ray.view.server import ViewServer, base_url, bound_socket
from clue_ray.view.store import SampleStore


def run_view(cmd: ViewCommand) -> int:
    """Check the settings and the token, read the folder, serve, print the URL, wait for a
    stop signal, then stop the server."""
    token = resolve_token(cmd.token, cmd.token_env, cmd.host, prefix="")
    results = Path(cmd.results)
    if not results.is_dir():
        raise ConfigError(f"results={results}: no such folder")
    data_dir = Path(cmd.data_dir) if cmd.data_dir is not None else None
    if data_dir is not None and not data_dir.is_dir():
        raise ConfigError(f"data_dir={data_dir}: no such folder")
    tasks = task_set(cmd.user_tasks)
    sock = bound_socket(cmd.host, cmd.port)  # before the folder is read: a busy port stops now
    try:
        print(f"reading {results} ...", file=sys.stderr, flush=True)
        store = SampleStore.open(results, registry_info, tasks, cmd.page_rows)
        for note in store.results.notes:
            print(f"note: {note}", file=sys.stderr)
        app = view_app(store, PromptRebuilder(data_dir, store.results.manifests, tasks), token)
        server = ViewServer(app, sock)
        with stop_signals() as stop:
            server.start()
            url = base_url(sock)
            print(f"{store.row_count():,} rows of {results} at {url}"
                  + ("; bearer token required" if token else "")
                  + ("" if data_dir else "; prompts not shown (data_dir=DIR shows them)"))
            print(url, flush=True)
            wait_until_set(stop)
            server.stop()
    finally:
        sock.close()
    print("stopped", flush=True)
    return 0
