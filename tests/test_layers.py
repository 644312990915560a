"""Layers point inward: tasks/ and metrics/ import nothing from Ray, vLLM, Hydra or outer layers."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import clue_ray

FORBIDDEN = ("ray", "vllm", "hydra", "omegaconf", "clue_ray.engines", "clue_ray.pipeline",
             "clue_ray.cli", "clue_ray.commands", "clue_ray.config")
PACKAGE_DIR = Path(clue_ray.__file__).parent


def _modules(subpackage: str) -> list[str]:
    path = PACKAGE_DIR / subpackage
    return [f"clue_ray.{subpackage}.{m.name}" for m in pkgutil.iter_modules([str(path)])]


def test_pure_layers_import_no_outer_module():
    modules = _modules("tasks") + _modules("metrics")
    assert len(modules) >= 12
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r} "
        f"or n.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_no_module_is_over_400_lines():
    long = {p.name: n for p in PACKAGE_DIR.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
