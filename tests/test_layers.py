"""Layers point inward, read from the source: every import of every module under clue_ray/
counts, those inside functions too (and `importlib.import_module("...")` calls).

The rules:
- tasks/ and metrics/ import neither Ray, vLLM, Hydra nor OmegaConf, nor an outer layer
  (engines, pipeline, planning, results, serve, demo, commands, cli, config), not even
  through a module they import; metrics/ imports nothing of tasks/ (scoring is handed the
  tasks' declarations);
- only engines/, pipeline/, serve/ and commands/ import ray or vllm themselves;
- storage/ (the run folder's layout and shards) imports no framework and no outer layer: the
  pipeline, results, serve and the view all reach run folders through it;
- results/ imports no pipeline/ (nor engines, planning, serve, commands, cli, config), not even
  through a module it imports;
- serve/ imports no commands/ (nor cli), not even through a module it imports: what a command
  and a deployment share lives below both;
- view/ imports no commands/ (nor cli), not even through a module it imports; it reads results/
  and tasks/, reuses serve/'s HTTP edge, and only one of its modules (view/prompts.py, which
  rebuilds prompts) imports pipeline/; loading it loads no Ray (browsing needs none);
- the row contract (clue_ray/rows.py) imports no other module of clue_ray.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import clue_ray

PACKAGE_DIR = Path(clue_ray.__file__).parent
FRAMEWORKS = ("ray", "vllm", "hydra", "omegaconf")
OUTER = tuple(f"clue_ray.{layer}" for layer in (
    "engines", "pipeline", "planning", "results", "serve", "demo", "commands", "cli", "config"))
RAY_LAYERS = ("engines", "pipeline", "serve", "commands")
# (the layers a rule holds for, the imports it forbids, whether imports of imports count)
RULES = (
    (("tasks", "metrics", "storage"), FRAMEWORKS + OUTER, True),
    (("metrics",), ("clue_ray.tasks",), True),  # a task comes with its scorer, not the reverse
    (("results",), tuple(m for m in OUTER if m != "clue_ray.results") + ("ray", "vllm"), True),
    (("serve",), ("clue_ray.commands", "clue_ray.cli"), True),
    (("view",), ("clue_ray.commands", "clue_ray.cli"), True),
    (("rows",), ("clue_ray",), True),
)
FORBIDDEN = FRAMEWORKS + OUTER  # for the import check at run time


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, module: str) -> set[str]:
    """Every module name a file imports, anywhere in it (`from a import b` gives a and a.b)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", None)) in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names.add(node.args[0].value)
    return names


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """Module name -> the names it imports, for every .py file of the package."""
    graph = {}
    for path in sorted(package_dir.rglob("*.py")):
        module = module_name(path, package_dir)
        graph[module] = imported_names(path, module)
    return graph


def layer_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def matches(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def reached(graph: dict[str, set[str]], start: str) -> set[str]:
    """The names `start` imports, and those its clue_ray imports import, to the end."""
    seen, todo = set(), [start]
    while todo:
        for name in graph.get(todo.pop(), set()) - seen:
            seen.add(name)
            if name in graph:
                todo.append(name)
    return seen


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Each forbidden import as 'module -> name'."""
    found = []
    for module, names in graph.items():
        layer = layer_of(module)
        if layer not in RAY_LAYERS:
            found += [f"{module} -> {n}" for n in sorted(names) if matches(n, ("ray", "vllm"))]
        for layers, forbidden, transitive in RULES:
            if layer in layers:
                seen = reached(graph, module) if transitive else names
                found += [f"{module} -> {n}" for n in sorted(seen)
                          if matches(n, forbidden) and not matches(n, [f"clue_ray.{layer}"])]
    return sorted(set(found))


def test_every_layer_imports_only_inward():
    graph = import_graph()
    assert {"clue_ray.rows", "clue_ray.tasks.registry", "clue_ray.results.load",
            "clue_ray.storage.run_folder", "clue_ray.pipeline.control.run"} <= set(graph)
    assert violations(graph) == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """A forbidden import hidden in a function, or reached through a neutral module, is found."""
    (tmp_path / "clue_ray" / "results").mkdir(parents=True)
    (tmp_path / "clue_ray" / "tasks").mkdir()
    (tmp_path / "clue_ray" / "errors.py").write_text("import ray\n")
    (tmp_path / "clue_ray" / "rows.py").write_text("from clue_ray import errors\n")
    (tmp_path / "clue_ray" / "results" / "load.py").write_text(
        "def f():\n    from clue_ray.pipeline.control.run import run_sweep\n")
    (tmp_path / "clue_ray" / "tasks" / "spec.py").write_text(
        "from clue_ray.errors import ConfigError\n"
        "def g():\n    import importlib\n    importlib.import_module('hydra')\n")
    assert violations(import_graph(tmp_path / "clue_ray")) == [
        "clue_ray.errors -> ray",
        "clue_ray.results.load -> clue_ray.pipeline.control.run",
        "clue_ray.results.load -> clue_ray.pipeline.control.run.run_sweep",
        "clue_ray.rows -> clue_ray",
        "clue_ray.rows -> clue_ray.errors",
        "clue_ray.tasks.spec -> hydra",
        "clue_ray.tasks.spec -> ray",
    ]


def _modules(subpackage: str) -> list[str]:
    path = PACKAGE_DIR / subpackage
    return [f"clue_ray.{subpackage}.{m.name}" for m in pkgutil.iter_modules([str(path)])]


def test_pure_layers_load_no_outer_module_at_run_time():
    """What importing tasks/, metrics/ and storage/ loads, third-party imports included."""
    modules = _modules("tasks") + _modules("metrics") + _modules("storage") + ["clue_ray.rows"]
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


def test_the_view_imports_the_pipeline_in_one_module():
    graph = import_graph()
    importers = sorted(module for module, names in graph.items()
                       if layer_of(module) == "view" and any(
                           matches(name, ["clue_ray.pipeline"]) for name in names))
    assert importers == ["clue_ray.view.prompts"]


def test_the_view_command_loads_no_ray():
    """What `clue-ray view` imports before it serves (Ray and vLLM are not among them)."""
    modules = _modules("view") + ["clue_ray.commands.view"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in ('ray', 'vllm'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert len(modules) >= 8 and result.stdout.strip() == ""


def test_no_module_is_over_400_lines():
    long = {p.name: n for p in PACKAGE_DIR.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
