"""Each task parses and checks its own block of `task_options` (LongHealth's is its prompt
building options); a fault is one line naming the override."""

from __future__ import annotations

import pytest

from clue_ray.config import RunCommand, compose
from clue_ray.errors import ConfigError
from clue_ray.tasks.options import parse_block, parse_options
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.settings import LongHealthSettings

BLOCK = {"seed": 3, "fit_to_context": False, "reserve_template_tokens": True,
         "max_reserve": 1000}


def test_the_default_config_gives_longhealth_its_options():
    cmd = compose("run", ["experiment=demo"], RunCommand)
    options = parse_options(cmd.task_options, CLUE, cmd.tasks)
    assert list(options) == ["longhealth"]  # the one CLUE task that takes options
    assert options["longhealth"] == LongHealthSettings(seed=0, fit_to_context=False,
                                                       reserve_template_tokens=True,
                                                       max_reserve=1000)
    assert parse_options(cmd.task_options, CLUE, ["meqsum"]) == {}  # only the selected


@pytest.mark.parametrize(("block", "message"), [
    ({**BLOCK, "seed": "7"}, "task_options.longhealth.seed: Input should be a valid integer"),
    ({**BLOCK, "fit_to_context": 1},
     "task_options.longhealth.fit_to_context: Input should be a valid boolean"),
    ({**BLOCK, "max_resreve": 5}, "task_options.longhealth.max_resreve: Unexpected keyword"),
    ({k: v for k, v in BLOCK.items() if k != "seed"},
     "task_options.longhealth.seed: Field required"),
    (None, "task_options.longhealth: missing"),
])
def test_a_bad_block_is_one_line_naming_the_key(block, message):
    with pytest.raises(ConfigError) as err:
        parse_block(CLUE["longhealth"], block)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_a_block_for_no_task_or_a_task_without_options_is_refused():
    with pytest.raises(ConfigError, match=r"task_options.longhelth: no task of that name"):
        parse_options({"longhelth": BLOCK}, CLUE, ["longhealth"])
    with pytest.raises(ConfigError, match=r"task_options.meqsum: task meqsum takes no options"):
        parse_block(CLUE["meqsum"], {})


def test_an_override_reaches_the_task_and_a_bad_one_stops_before_anything_runs():
    cmd = compose("run", ["experiment=demo", "task_options.longhealth.seed=7"], RunCommand)
    assert parse_options(cmd.task_options, CLUE, ["longhealth"])["longhealth"].seed == 7
    bad = compose("run", ["experiment=demo", "task_options.longhealth.seed=x"], RunCommand)
    with pytest.raises(ConfigError, match="task_options.longhealth.seed"):
        parse_options(bad.task_options, CLUE, bad.tasks)


def test_a_deviation_is_declared_by_the_options():
    assert LongHealthSettings(**BLOCK).deviation() is None
    fitted = LongHealthSettings(**{**BLOCK, "fit_to_context": True})
    assert "not comparable" in (fitted.deviation() or "")
