"""Deterministic synthetic clinical text from the invented vocabulary (no real records).

Every function takes a `random.Random`, so the same seed always gives the same text."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from clue_ray.demo.vocabulary import (
    CONCEPTS,
    FINDINGS,
    FIRST_NAMES,
    LAST_NAMES,
    MEDICATIONS,
    SYMPTOM_QUESTIONS,
    Concept,
)

SENTENCES = (
    "Patient reports {finding} for {days} days.",
    "History of {alias}, treated with {med}.",
    "Started on {med} {dose} mg daily for {alias}.",
    "On examination there was {finding}; vital signs were stable.",
    "Labs were notable for {alias}, which improved with {med}.",
    "The patient denies {finding} and was discharged home in good condition.",
    "Follow up with the clinic in {days} days to review {alias}.",
    "Given {alias}, the dose of {med} was reduced to {dose} mg.",
    "Temperature {temp} C, heart rate {pulse}, blood pressure {sys}/{dia}.",
)
CONCEPT_SENTENCES = tuple(s for s in SENTENCES if "{alias}" in s)
NLI_HYPOTHESES = {
    "entailment": "The patient has {alias}.",
    "neutral": "The patient will need {med} after discharge.",
    "contradiction": "The patient has no history of {alias}.",
}
DISCHARGE_MEDICATIONS = "Discharge medications: "
PLAN_STEPS = ("continue {med}", "hold {med}", "monitor for {finding}", "start {med} {dose} mg")


def concept_alias(rng: random.Random, concept: Concept) -> str:
    """One of the concept's aliases."""
    return rng.choice(concept.aliases)


def sentence(
    rng: random.Random, concept: Concept | None = None, templates: Sequence[str] = SENTENCES
) -> str:
    """One clinical sentence from `templates`; {alias} is the concept's (random when not
    given); pass CONCEPT_SENTENCES for a sentence that surely mentions it."""
    concept = concept or rng.choice(CONCEPTS)
    return rng.choice(templates).format(
        finding=rng.choice(FINDINGS), days=rng.randint(2, 14), alias=concept_alias(rng, concept),
        med=rng.choice(MEDICATIONS), dose=rng.choice((5, 10, 20, 40, 500)),
        temp=rng.choice(("36.8", "37.4", "38.2", "38.9")), pulse=rng.randint(58, 118),
        sys=rng.randint(100, 170), dia=rng.randint(55, 100),
    )


def paragraph(
    rng: random.Random, n_sentences: int, concepts: Sequence[Concept] | None = None
) -> str:
    """Sentences joined by spaces; cycles through `concepts` when given."""
    picks = list(concepts or [rng.choice(CONCEPTS) for _ in range(n_sentences)])
    return " ".join(sentence(rng, picks[i % len(picks)]) for i in range(n_sentences))


def patient_name(rng: random.Random) -> str:
    """An invented name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def discharge_letter(
    rng: random.Random, concepts: Sequence[Concept], n_sentences: int = 6
) -> str:
    """A discharge-letter-like document with the usual sections, one section per line."""
    diagnoses = "\n".join(f"- {c.canonical_name.lower()}" for c in concepts)
    return (
        f"Name: {patient_name(rng)}\n"
        f"Chief complaint: {rng.choice(FINDINGS)}\n"
        f"History of present illness: {paragraph(rng, n_sentences, concepts)}\n"
        f"Hospital course: {paragraph(rng, n_sentences, concepts)}\n"
        f"{DISCHARGE_MEDICATIONS}{', '.join(rng.sample(MEDICATIONS, 3))}\n"
        f"Discharge diagnoses:\n{diagnoses}"
    )


def consumer_question(rng: random.Random) -> tuple[str, str]:
    """A long consumer health question and its one-line summary."""
    concept = rng.choice(CONCEPTS)
    summary = rng.choice(SYMPTOM_QUESTIONS).format(
        finding=rng.choice(FINDINGS), med=rng.choice(MEDICATIONS),
        condition=concept_alias(rng, concept),
    )
    summary = summary[0].upper() + summary[1:] + "?"
    question = (f"SUBJECT: question about {concept_alias(rng, concept)}\n"
                f"MESSAGE: Hello, {paragraph(rng, 2, [concept]).lower()} {summary} "
                "Thank you for any help.")
    return question, summary


def nli_pair(rng: random.Random, label: str) -> tuple[str, str]:
    """A premise sentence and a hypothesis whose relation to it is `label` (MedNLI style)."""
    concept = rng.choice(CONCEPTS)
    hypothesis = NLI_HYPOTHESES[label].format(
        alias=concept_alias(rng, concept), med=rng.choice(MEDICATIONS)
    )
    return sentence(rng, concept, CONCEPT_SENTENCES), hypothesis


def plan(rng: random.Random) -> str:
    """A short quoted plan line (commas and quotes inside one CSV field)."""
    steps = [step.format(med=rng.choice(MEDICATIONS), finding=rng.choice(FINDINGS),
                         dose=rng.choice((5, 10, 20))) for step in rng.sample(PLAN_STEPS, 2)]
    return f'Plan: "{steps[0]}, then {steps[1]}".'


def objective_section(rng: random.Random) -> str:
    """Vital signs and labs, over two lines."""
    return (f"Vitals: T {rng.choice(('36.9', '37.6', '38.4'))} C, HR {rng.randint(60, 115)}, "
            f"BP {rng.randint(100, 165)}/{rng.randint(55, 95)}\n"
            f"Labs: hemoglobin {rng.randint(80, 150) / 10}, creatinine "
            f"{rng.randint(6, 30) / 10}, sodium {rng.randint(130, 146)}")


def iter_strings(value: Any) -> Iterator[str]:
    """Every string inside nested dicts and lists (dict keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from iter_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_strings(item)


def tokenizer_training_text(seed: int = 0, n_paragraphs: int = 300) -> list[str]:
    """Text covering what the synthetic datasets can contain and every prompt string of
    clue-prompts.json, for training the tiny tokenizers (deterministic in seed)."""
    from clue_ray.demo.datasets import DatasetSizes, synthetic_records
    from clue_ray.tasks.spec import raw_prompts

    rng = random.Random(seed)
    texts = [paragraph(rng, 4) for _ in range(n_paragraphs)]
    texts += [template.format(alias=alias, condition=alias, finding=finding, med=med, days=7,
                              dose=20, temp="37.2", pulse=80, sys=120, dia=80)
              for template in (*SENTENCES, *NLI_HYPOTHESES.values(), *SYMPTOM_QUESTIONS)
              for alias, finding, med in _vocabulary_triples()]
    for offset in range(2):
        texts += iter_strings(synthetic_records(DatasetSizes.demo(), seed + offset))
    texts += iter_strings(raw_prompts())
    texts += [c.canonical_name for c in CONCEPTS] + [c.icd10 for c in CONCEPTS]
    texts += ["ICD-10 Codes: " + ", ".join(c.icd10 for c in CONCEPTS)]
    texts += [f"The correct answer is {letter}: " for letter in "ABCDEF"]
    return texts


def _vocabulary_triples() -> list[tuple[str, str, str]]:
    """Every alias once, paired with findings and medications in turn."""
    aliases = [alias for concept in CONCEPTS for alias in concept.aliases]
    return [(alias, FINDINGS[i % len(FINDINGS)], MEDICATIONS[i % len(MEDICATIONS)])
            for i, alias in enumerate(aliases)]
