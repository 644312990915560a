"""Long-running commands stop on SIGTERM as on Ctrl-C (real signals to this process)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from clue_ray.commands.stop_signals import stop_signals, wait_until_set


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_sets_the_stop_and_the_old_handlers_come_back(sig):
    before = signal.getsignal(sig)
    with stop_signals() as stop:
        threading.Timer(0.2, os.kill, (os.getpid(), sig)).start()
        wait_until_set(stop)  # returns only once the handler has set it
        assert stop.is_set()
    assert signal.getsignal(sig) is before
