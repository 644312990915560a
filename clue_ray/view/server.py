"""The view's app served by uvicorn in this process, on a thread of its own, so the caller
keeps the main thread (and its signal handlers) and stops the server when it wants.

uvicorn's access log is off: a request's URL holds what a user filtered by, which may be a
passage of a credentialed text."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from clue_ray.errors import ConfigError

STARTUP_TIMEOUT_S = 30.0


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one); ConfigError when the
    address cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise ConfigError(f"host={host} port={port}: cannot listen there ({err.strerror}); "
                          "choose another port (port=0: a free one)") from None
    sock.listen(128)
    return sock


def base_url(sock: socket.socket) -> str:
    """http://host:port of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class ViewServer:
    """uvicorn serving an app on a bound socket, started and stopped from the caller."""

    def __init__(self, app: FastAPI, sock: socket.socket) -> None:
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       name="clue-ray-view", daemon=True)

    def start(self) -> None:
        """Serve, returning once the server accepts requests."""
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError("the view's server did not start (see the lines above)")
            time.sleep(0.05)

    def stop(self) -> None:
        """Finish the requests in flight, then close."""
        self.server.should_exit = True
        self.thread.join(timeout=STARTUP_TIMEOUT_S)
        self.sock.close()
