"""Resume cost: a full demo run vs a rerun of the finished run (target: rerun <= 5%).

    .venv/bin/python bench/resume.py [--engine transformers|simulated]

Both runs are `clue-ray demo` processes into the same fresh output folder, timed end to end
(process start, config, checks, Ray, inference, scoring, shards, manifest).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_demo(output_dir: Path, engine: str) -> float:
    """Seconds of one `clue-ray demo` process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clue_ray.cli", "demo", f"engine={engine}",
                    f"output_dir={output_dir}"], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return time.perf_counter() - started


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="transformers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full = timed_demo(Path(tmp), args.engine)
        rerun = timed_demo(Path(tmp), args.engine)
    print(f"{'run':<10}{'seconds':>10}")
    print(f"{'full':<10}{full:>10.1f}")
    print(f"{'rerun':<10}{rerun:>10.1f}")
    print(f"resume: rerun/full={rerun / full:.3f} (target <= 0.05)")


if __name__ == "__main__":
    main()
