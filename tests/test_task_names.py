"""No module outside clue_ray/tasks/ branches on a task's name: the outer modules ask the task's
declaration (clue_ray/tasks/registry.py). Read from the source with `ast`.

Exemption: clue_ray/demo/datasets.py, the demo's synthetic-data generator, writes one file per
task in that task's official format, keyed by task name (it decides nothing about a task).
"""

from __future__ import annotations

import ast
from pathlib import Path

import clue_ray
from clue_ray.tasks.registry import CLUE

PACKAGE_DIR = Path(clue_ray.__file__).parent
EXEMPT = ("demo/datasets.py",)
TASK_HOLDER = "task"  # `task == "x"`, `row.task != "x"`, `task in ("x", "y")`


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the constant nodes that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _holds_task(node: ast.AST) -> bool:
    name = getattr(node, "id", None) or getattr(node, "attr", None)
    return name == TASK_HOLDER


def _strings(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
        isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_strings(e) for e in node.elts))


def task_name_uses(source: str, names: set[str]) -> list[str]:
    """'line: what' for each task-name string literal and each comparison of a task with a
    string (docstrings excepted)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and node.value in names and id(node) not in skip):
            found.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_holds_task(s) for s in sides) and any(_strings(s) for s in sides):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return sorted(found)


def outer_uses(package_dir: Path = PACKAGE_DIR) -> dict[str, list[str]]:
    """Per module outside tasks/ (exemptions aside), its task-name uses."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir).as_posix()
        if relative.startswith("tasks/") or relative in EXEMPT:
            continue
        if uses := task_name_uses(path.read_text(encoding="utf-8"), set(CLUE)):
            found[relative] = uses
    return found


def test_no_module_outside_tasks_names_a_task():
    assert outer_uses() == {}


def test_the_check_finds_a_branch_on_a_task_name():
    source = (
        '"""mednli in a docstring is fine."""\n'
        'def f(task, row):\n'
        '    if task == "mednli":\n'
        '        return 1\n'
        '    if row.task in ("x", "y"):\n'
        '        return 2\n'
        '    return {"medisumcode": 3}\n'
    )
    assert task_name_uses(source, set(CLUE)) == [
        "3: 'mednli'", "3: task == 'mednli'", "5: row.task in ('x', 'y')", "7: 'medisumcode'"]
