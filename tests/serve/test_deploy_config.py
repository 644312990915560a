"""jobs/serve.yaml is a valid Serve config whose apps build from conf/ with its own
overrides: the routes it mounts are the configured ones, replicas are placed as configured,
and nothing builds without a token when the server listens beyond loopback."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from clue_ray.config import ServeCommand, compose
from clue_ray.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def deploy_config() -> dict:
    return yaml.safe_load((REPO / "jobs" / "serve.yaml").read_text(encoding="utf-8"))


def test_serve_yaml_validates_and_mounts_the_configured_routes():
    config = deploy_config()
    ServeDeploySchema.model_validate(config)
    apps = {app["name"]: app for app in config["applications"]}
    assert set(apps) == {"scoring", "results"}
    for app in apps.values():
        module, name = app["import_path"].split(":")
        assert callable(getattr(importlib.import_module(module), name))
    cmd = compose("serve_command", apps["scoring"]["args"]["overrides"], ServeCommand)
    assert apps["scoring"]["route_prefix"] == cmd.serve.scoring.route
    assert apps["results"]["route_prefix"] == cmd.serve.page.route
    assert config["http_options"]["host"] == cmd.serve.host == "0.0.0.0"
    cluster = yaml.safe_load((REPO / "jobs" / "cluster.yaml").read_text(encoding="utf-8"))
    declared = {key for node in cluster["available_node_types"].values()
                for key in node.get("resources", {})}
    assert set(cmd.serve.scoring.resources) <= declared


def test_builders_need_a_token_beyond_loopback_and_place_replicas(
        monkeypatch, synthetic_data_dir, scoring_settings, tmp_path):
    from clue_ray.serve.app import results_app, scoring_app

    bert, spacy = scoring_settings.bertscore, scoring_settings.scispacy
    overrides = ["experiment=demo", "serve=cluster", f"data_dir={synthetic_data_dir}",
                 f"output_dir={tmp_path}", f"scoring.bertscore.model={bert.model}",
                 f"scoring.scispacy.spacy_model={spacy.spacy_model}",
                 f"scoring.scispacy.kb_dir={spacy.kb_dir}"]
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    for builder in (scoring_app, results_app):
        with pytest.raises(ConfigError, match="serve.host=0.0.0.0 is reachable"):
            builder({"overrides": overrides})
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "cluster-token")
    scoring = scoring_app({"overrides": overrides})._bound_deployment
    assert scoring.ray_actor_options == {"num_cpus": 4.0, "num_gpus": 0,
                                         "resources": {"scoring_node": 0.001}}
    page = results_app({"overrides": overrides})._bound_deployment
    assert page.ray_actor_options["resources"] == {"node:__internal_head__": 0.001}
    with pytest.raises(ConfigError, match=r"args must be \{overrides"):
        scoring_app({"overrides": "experiment=demo"})
