"""Users' own tasks without Ray: the worked example's YAML and Python forms load and build their
prompts through `clue-ray prompts`; each kind of fault in a task's file or data stops with one
line naming the file; and the example touches nothing under clue_ray/."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clue_ray.cli import main
from clue_ray.config import RunCommand, compose
from clue_ray.errors import ConfigError, DatasetError
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.tasks import mednli
from clue_ray.tasks.fewshot import shuffled_order
from clue_ray.tasks.registry import BUILT_IN, CLUE, TaskSet
from clue_ray.tasks.user_tasks import load_user_tasks

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tasks" / "discharge_triage"
TASK_YAML = EXAMPLE / "task.yaml"
TASK_PY = EXAMPLE / "strict_task.py"


@pytest.fixture(scope="module")
def example_data(tmp_path_factory) -> Path:
    """The example's data, made by its generator as a user runs it."""
    folder = tmp_path_factory.mktemp("example-data")
    subprocess.run([sys.executable, str(EXAMPLE / "generate.py"), str(folder), "--records", "12"],
                   check=True, capture_output=True, timeout=60)
    return folder


def clue(*args: str) -> tuple[int, str]:
    """The entry point in this process; its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def written_task(tmp_path: Path, **changes: object) -> Path:
    """The example's YAML with some keys changed (None: removed), as a file of its own."""
    entry = yaml.safe_load(TASK_YAML.read_text())
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(entry))
    return path


def test_the_example_lives_outside_clue_ray_and_is_unknown_until_loaded():
    package = REPO / "clue_ray"
    for path in EXAMPLE.rglob("*"):
        assert package not in path.resolve().parents
    assert "discharge_triage" not in CLUE
    assert not any("discharge_triage" in p.read_text() for p in package.rglob("*.py"))
    (yaml_task, module_task) = load_user_tasks([str(TASK_YAML), str(TASK_PY)])
    tasks = TaskSet([yaml_task, module_task])
    assert list(tasks)[-2:] == ["discharge_triage", "discharge_triage_strict"]
    assert tasks.levels() == (1, 2, 3) and tasks.user_tasks == (yaml_task, module_task)
    assert tuple(CLUE) == BUILT_IN and CLUE.levels() == (1, 2)  # CLUE's set is unchanged


@pytest.mark.parametrize(("form", "task"), [(TASK_YAML, "discharge_triage"),
                                            (TASK_PY, "discharge_triage_strict")])
def test_each_form_builds_its_prompts_through_the_prompts_command(form, task, example_data,
                                                                  tmp_path):
    out = tmp_path / "prompts.jsonl"
    code, err = clue("prompts", f"task={task}", f"data_dir={example_data}", f"out={out}",
                     f"user_tasks=[{form}]")
    assert code == 0, err
    prompts = [json.loads(line) for line in out.read_text().splitlines()]
    notes = [json.loads(line) for line in (example_data / "discharge_triage.jsonl").open()]
    order = shuffled_order(len(notes))  # the CLUE protocol: k shots, then every other record
    assert [p["sample_id"] for p in prompts] == [str(i) for i in order[2:]]
    assert [p["reference"] for p in prompts] == [notes[i]["label"] for i in order[2:]]
    first = prompts[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user", "assistant",
                                          "user"]
    assert first[2]["content"] == notes[order[0]]["label"]
    assert notes[order[2]]["note"] in first[-1]["content"]
    assert {p["max_tokens"] for p in prompts} == {8}
    assert tuple(CLUE) == BUILT_IN  # the command's tasks are gone after it


def test_the_yaml_form_scores_with_mednli_accuracy_and_flags_an_answer_without_a_label():
    (task,) = load_user_tasks([str(TASK_YAML)])
    assert task.score_sample is mednli.score_sample
    assert task.score_sample("Urgent.", "urgent") == {"accuracy": 1.0}
    assert task.answer_followed is not None
    assert task.answer_followed("ROUTINE") and not task.answer_followed("see the GP")
    assert task.level == 3 and task.headline_metric == "accuracy" and not task.credentialed


def test_each_form_extracts_the_answer_its_rule_reads(tmp_path):
    yaml_task, module_task = load_user_tasks([str(TASK_YAML), str(TASK_PY)])
    assert yaml_task.extract_answer is not None and module_task.extract_answer is not None
    assert yaml_task.extract_answer("Urgent, not routine.") == "urgent, routine"  # labels named
    assert yaml_task.extract_answer("see the GP") == ""
    assert module_task.extract_answer("Urgent, not routine.") == "urgent"  # the first word
    assert module_task.extract_answer("...") == ""
    (unlabelled,) = load_user_tasks([str(written_task(tmp_path, labels=None))])
    assert unlabelled.extract_answer is None  # accuracy without labels reads no answer out
    codes_path = written_task(tmp_path, metrics="icd10", labels=None, headline_metric=None)
    (codes,) = load_user_tasks([str(codes_path)])
    assert codes.extract_answer is not None
    assert codes.extract_answer("I10 and E11.9") == "I10, E119"
    text_path = written_task(tmp_path, metrics="text", labels=None, headline_metric=None)
    (text,) = load_user_tasks([str(text_path)])
    assert text.extract_answer is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"metrics": "bleu"}, "unknown metrics 'bleu' (one of: accuracy, text, icd10)"),
    ({"headline_metric": "rougeL"}, "headline_metric 'rougeL' is not one of the task's metrics"),
    ({"name": "mednli"}, "name 'mednli' is a CLUE task's"),
    ({"name": "Triage!"}, "name 'Triage!' must be lower-case"),
    ({"level": 0}, "level must be a whole number, 1 or more"),
    ({"few_shot": -1}, "few_shot must be a whole number, 0 or more"),
    ({"max_tokens": "eight"}, "max_tokens must be a whole number, 1 or more"),
    ({"source_file": "notes.parquet"}, "source_file 'notes.parquet' must be a .jsonl or .csv"),
    ({"reference": None}, "missing key 'reference'"),
    ({"temperature": 0.2}, "unknown key 'temperature'"),
    ({"user_template": "NOTE: {note.text}"}, "user_template: '{note.text}' is not a plain"),
    ({"labels": ["urgent", "urgent"]}, "labels must be a list of distinct, non-empty texts"),
    ({"metrics": "text", "headline_metric": None}, "labels belong to metrics 'accuracy'"),
    ({"credentialed": "no"}, "credentialed must be true or false"),
    ({"obtain_from": 7}, "obtain_from must be text"),
])
def test_a_fault_in_the_task_file_is_one_config_error_naming_it(changes, message, tmp_path):
    path = written_task(tmp_path, **changes)
    with pytest.raises(ConfigError) as caught:
        load_user_tasks([str(path)])
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_missing_or_unreadable_task_files_and_a_task_named_twice(tmp_path):
    with pytest.raises(ConfigError, match=r"user_tasks: .*nope.yaml: no such file"):
        load_user_tasks([str(tmp_path / "nope.yaml")])
    (tmp_path / "task.txt").write_text("name: x\n")
    with pytest.raises(ConfigError, match=r"task.txt: expected a .yaml or .py file"):
        load_user_tasks([str(tmp_path / "task.txt")])
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not readable YAML"):
        load_user_tasks([str(tmp_path / "bad.yaml")])
    with pytest.raises(ConfigError, match="task 'discharge_triage' is declared twice"):
        load_user_tasks([str(TASK_YAML), str(TASK_YAML)])


@pytest.mark.parametrize(("source", "message"), [
    ("x = 1\n", "defines no TASK = TaskDefinition(...)"),
    ("raise RuntimeError('no data here')\n",
     "importing it failed: RuntimeError: no data here"),
    ("from clue_ray.tasks.meqsum import TASK\n", "TASK needs own_spec=TaskSpec(...)"),
    (TASK_PY.read_text().replace('metrics=("first_word_accuracy",)', 'metrics=("f1",)'),
     "headline_metric 'first_word_accuracy' is not one of the task's metrics (f1)"),
    (TASK_PY.read_text().replace("score_sample=score_sample,", ""),
     "unknown metric 'first_word_accuracy' (without score_sample"),
])
def test_a_fault_in_a_task_module_is_one_config_error_naming_it(source, message, tmp_path):
    path = tmp_path / "my_task.py"
    path.write_text(source)
    with pytest.raises(ConfigError) as caught:
        load_user_tasks([str(path)])
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_data_faults_name_the_data_file_the_column_and_the_task_file(example_data, tmp_path):
    (task,) = load_user_tasks([str(written_task(tmp_path, user_template="{note} {ward}"))])
    with pytest.raises(DatasetError) as caught:
        task.read_references(example_data)
    text = str(caught.value)
    assert text.startswith(str(example_data / "discharge_triage.jsonl"))
    assert "column 'ward', named by" in text and str(tmp_path / "task.yaml") in text
    with pytest.raises(DatasetError, match="file not found"):
        task.read_references(tmp_path)
    (task,) = load_user_tasks([str(written_task(tmp_path, labels=["routine", "soon"]))])
    with pytest.raises(DatasetError, match="expected one of routine, soon"):
        task.read_references(example_data)


def test_the_csv_form_reads_the_same_records(example_data, tmp_path):
    notes = [json.loads(line) for line in (example_data / "discharge_triage.jsonl").open()]
    lines = ["note_id,note,label"] + [
        ",".join(json.dumps(n[c]) for c in ("note_id", "note", "label")) for n in notes]
    (tmp_path / "triage.csv").write_text("\n".join(lines) + "\n")
    (from_csv,) = load_user_tasks([str(written_task(tmp_path, source_file="triage.csv"))])
    (from_jsonl,) = load_user_tasks([str(TASK_YAML)])
    assert from_csv.samples(tmp_path) == from_jsonl.samples(example_data)


def test_an_unknown_task_without_user_tasks_is_one_line(example_data, tmp_path):
    code, err = clue("prompts", "task=discharge_triage", f"data_dir={example_data}",
                     f"out={tmp_path / 'p.jsonl'}")
    assert code == 2
    assert err.strip().endswith("a task of your own is added with user_tasks=[FILE,...])")
    assert len(err.strip().splitlines()) == 1


def test_score_scores_a_user_task_by_its_metric_set(example_data, tmp_path):
    (task,) = load_user_tasks([str(TASK_YAML)])
    references = task.read_references(example_data)
    answers = [f"Follow-up: {r.reference}." if i % 2 else "unclear"
               for i, r in enumerate(references)]
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps({"sample_id": r.sample_id, "prediction": a}) + "\n"
                                   for r, a in zip(references, answers, strict=True)))
    out = tmp_path / "scores.json"
    code, err = clue("score", "task=discharge_triage", f"data_dir={example_data}",
                     f"predictions={predictions}", f"out={out}", f"user_tasks=[{TASK_YAML}]")
    assert code == 0, err
    scored = json.loads(out.read_text())
    right = sum(1 for i in range(len(references)) if i % 2)
    assert scored["aggregate"] == {"accuracy": pytest.approx(100 * right / len(references))}



def test_the_openai_engine_refuses_a_credentialed_user_task_as_it_refuses_physionet_data(
        tmp_path):
    path = written_task(tmp_path, credentialed=True)
    cmd = compose("run", ["experiment=clue", "models=[llama-3.1-8b-instruct]", "engine=openai",
                          "tasks=[discharge_triage]", f"user_tasks=[{path}]",
                          f"data_dir={tmp_path}"], RunCommand)
    with pytest.raises(ConfigError, match=r"would send credentialed data \(discharge_triage\)"):
        make_plan(cmd)
