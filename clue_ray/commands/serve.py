"""`clue-ray serve`: the scoring service and the live results page on Ray Serve, on this
machine (or a joined cluster), until Ctrl-C or SIGTERM.

The applications come from `clue_ray.serve.app.applications`; another application (a served
model) joins by being added to that list, with its own route prefix from conf/serve/.
"""

from __future__ import annotations

from clue_ray.commands.stop_signals import stop_signals, wait_until_set
from clue_ray.config import ServeCommand
from clue_ray.errors import ClueError
from clue_ray.pipeline.control.ray_session import ensure_ray
from clue_ray.pipeline.control.run import root_cause
from clue_ray.serve.app import applications, check_scoring, prepare
from clue_ray.serve.settings import free_port


def run_serve(cmd: ServeCommand) -> int:
    """Check, start Ray and Serve, deploy, print the URL, wait for a stop signal, then shut
    down what was started here (on a joined cluster: only remove these applications)."""
    import ray
    from ray import serve
    from ray.serve.api import RunTarget

    cmd, token = prepare(cmd)
    check_scoring(cmd)
    apps = applications(cmd, token)
    host = cmd.serve.host
    port = cmd.serve.port or free_port(host)
    started_here = not ray.is_initialized()
    own_serve = ensure_ray(cmd.cluster) and started_here  # a local Ray of our own
    try:
        serve.start(http_options={"host": host, "port": port})
        try:  # every application at once: their replicas load side by side
            serve.run_many([RunTarget(a.app, a.name, a.route_prefix) for a in apps])
        except Exception as err:  # a replica that cannot start: one line, then shut down
            raise ClueError(f"the applications did not start: {root_cause(err)}") from None
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        print(f"serving {', '.join(cmd.tasks)} at {url}{cmd.serve.scoring.route.rstrip('/')}"
              f"/score; results of {cmd.serve.results} at {url}{cmd.serve.page.route}"
              + ("; bearer token required" if token else ""))
        print(url, flush=True)
        with stop_signals() as stop:
            wait_until_set(stop)
    finally:
        if own_serve:
            serve.shutdown()
        else:  # a joined cluster's Serve may run other applications: remove only ours
            for app in apps:
                serve.delete(app.name)
        if started_here:
            ray.shutdown()
    print("stopped", flush=True)
    return 0
