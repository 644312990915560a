"""Progress off a terminal: one compact line per model and interval (rows per task, rate,
ETA, prompts, engine busy share, failures), and a notice when no row has finished for a
while, at doubling intervals, starting over once a row finishes."""

from __future__ import annotations

import io
import time

from clue_ray.pipeline.control.progress import Progress


def test_idle_notices_double_and_start_over_when_a_row_finishes():
    out = io.StringIO()
    with Progress("m", {"mednli": 3}, interval_s=0.2, stream=out) as progress:
        time.sleep(1.7)  # notices at about 0.2, 0.4, 0.8 and 1.6 s: not one per interval
        progress.update("mednli", 1)
        time.sleep(0.5)  # then again at 0.2 and 0.4 s
    notices = [line for line in out.getvalue().splitlines() if "no row finished" in line]
    waiting = [line for line in notices if "(0/3 done; loading, or waiting" in line]
    assert 3 <= len(waiting) <= 4
    assert 1 <= len(notices) - len(waiting) <= 2
    assert all("(1/3 done" in line for line in notices[len(waiting):])


def test_lines_show_prompt_building_and_cache_hits():
    out = io.StringIO()
    answers = iter([(3, 0), (5, 4), None])
    with Progress("m", {"mednli": 9}, interval_s=0.1, stream=out,
                  counter_poll_s=0) as progress:
        progress.watch_prompts(lambda: next(answers, None), total=9)
        time.sleep(0.15)  # one idle notice: 3 of 9 prompts built
        progress.update("mednli", 2)  # its line: 9 of 9 prompts, 4 read from the cache
    progress.report()  # the counter does not answer: the line leaves prompts out
    lines = out.getvalue().splitlines()
    assert "(0/9 done, prompts 3/9; loading, or waiting on the engine)" in lines[0]
    totals = [line for line in lines if "rows/s" in line]
    assert totals[0].endswith(", prompts 9/9 (4 from the cache)")
    assert "prompts" not in totals[-1]


def test_one_compact_line_per_model_with_tasks_engine_and_failures():
    out = io.StringIO()
    progress = Progress("m", {"mednli": 9, "discharge_triage_long_name": 4}, interval_s=60,
                        stream=out)
    progress.watch_engine(lambda: 0.634)
    progress.update("mednli", 3, failed=1)
    progress.update("discharge_triage_long_name", 4)
    progress.report()
    (line,) = out.getvalue().splitlines()
    assert line.startswith("  m: 7/13 rows (mednli 3/9, discharge_triage_long_name 4/4), ")
    assert " rows/s, ETA " in line and line.endswith(", engine busy 63%, 1 failed")
    assert progress.eta_text("discharge_triage_long_name") == "done"


def test_under_the_live_display_nothing_is_printed():
    out = io.StringIO()
    with Progress("m", {"mednli": 2}, interval_s=0.05, stream=out, printing=False) as progress:
        time.sleep(0.2)
        progress.update("mednli", 1)
    assert out.getvalue() == ""
    assert progress.ended is not None and progress.idle_s() == 0.0
