"""Atomic writes: whole files only, with the permissions a plain open() would give."""

from __future__ import annotations

import os

from clue_ray.fileio import write_atomic


def test_written_files_get_the_umask_permissions_and_no_leftovers(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out" / "report.csv", "a,b\n1,2\n")
    finally:
        os.umask(previous)
    path = tmp_path / "out" / "report.csv"
    assert path.read_text() == "a,b\n1,2\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["report.csv"]
