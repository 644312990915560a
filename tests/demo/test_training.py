"""Teaching the demo model the answer formats: targets, masking, and that training learns."""

from __future__ import annotations

import shutil

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from clue_ray.demo.training import encode, target_text, teach_answer_formats
from clue_ray.tasks.render import ChatRenderer
from clue_ray.tasks.sample import Sample


def sample(task: str, reference: str, user: str = "question") -> Sample:
    return Sample(task, "0", ({"role": "user", "content": user},), reference, 20)


def test_targets_are_the_references_in_the_answer_format():
    assert target_text(sample("mednli", "neutral")) == "neutral"
    assert target_text(sample("medisumcode", "I10, E119")) == "ICD-10 Codes: I10, E119"
    question = "Which drug?\nA: aspirin\nB: metformin 500 mg\nF: Question cannot be answered"
    assert target_text(sample("longhealth", "B", question)) == (
        "The correct answer is B: metformin 500 mg")


def test_only_the_answer_is_learned_and_long_prompts_keep_their_end(tiny_lm_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_dir)
    renderer = ChatRenderer(tokenizer)
    ids, start = encode(sample("mednli", "entailment"), renderer, tokenizer)
    assert ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids[start:-1]) == "entailment"
    long_ids, long_start = encode(sample("meqsum", "short", "word " * 5000), renderer, tokenizer)
    assert len(long_ids) <= 1536 and tokenizer.decode(long_ids[long_start:-1]) == "short"


def test_training_lowers_the_loss_and_changes_the_saved_weights(tiny_lm_dir, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_lm_dir, model_dir)
    before = AutoModelForCausalLM.from_pretrained(model_dir).state_dict()
    losses = teach_answer_formats(model_dir, epochs=2, max_examples=48)
    assert losses[1] < losses[0]
    after = AutoModelForCausalLM.from_pretrained(model_dir).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
