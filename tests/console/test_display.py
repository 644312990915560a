"""The live display's content (rendered by rich as a terminal would show it) and when it is
drawn live."""

from __future__ import annotations

import io

from rich.console import Console

from clue_ray.console import DisplayMode
from clue_ray.pipeline.control.display import SweepDisplay, live_wanted


def rendered(display: SweepDisplay) -> list[str]:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(display)
    return [line.rstrip() for line in console.file.getvalue().splitlines() if line.strip()]


def test_a_line_per_model_and_task_with_state_and_scores():
    display = SweepDisplay(["general", "biomedical", "baseline"], interval_s=5, live=True)
    done = display.progress("general", {"mednli": 4, "meqsum": 2})
    done.watch_prompts(lambda: (4, 2), total=6)
    done.watch_engine(lambda: 0.5)
    with done:
        done.update("mednli", 4, failed=1)
        done.update("meqsum", 2)
    display.finished("general", {"mednli": "accuracy 50.0", "meqsum": "rougeL 31.2"})
    running = display.progress("biomedical", {"mednli": 4})
    running.update("mednli", 1)
    display.footer = lambda: "2 warnings from Ray and vLLM workers (see run/logs/)"
    lines = rendered(display)
    assert lines[0].split() == ["model", "task", "rows", "rows/s", "ETA", "prompts", "engine",
                                "failed", "state", "/", "score"]
    general = next(line for line in lines if line.startswith("general"))
    assert general.split()[1:3] == ["all", "6/6"] and "6/6 (2 from the cache)" in general
    assert "50%" in general and "done in" in general
    mednli = next(line for line in lines if line.split()[:1] == ["mednli"])
    assert mednli.split()[1] == "4/4" and mednli.endswith("accuracy 50.0")
    assert any("meqsum" in line and line.endswith("rougeL 31.2") for line in lines)
    biomedical = next(line for line in lines if line.startswith("biomedical"))
    assert "1/4" in biomedical and biomedical.endswith("running")
    assert next(line for line in lines if line.startswith("baseline")).endswith("queued")
    assert lines[-1].strip() == "2 warnings from Ray and vLLM workers (see run/logs/)"


def test_a_stopped_model_says_so():
    display = SweepDisplay(["m"], interval_s=5, live=True)
    display.progress("m", {"mednli": 2})
    display.stop("m", "OSError: no model")
    assert rendered(display)[1].endswith("stopped")


def test_live_only_on_a_terminal_unless_asked():
    assert live_wanted(DisplayMode.auto, is_terminal=True)
    assert not live_wanted(DisplayMode.auto, is_terminal=False)
    assert live_wanted(DisplayMode.live, is_terminal=False)
    assert not live_wanted(DisplayMode.lines, is_terminal=True)
