"""Deterministic synthetic clinical text from the invented vocabulary (no real records)."""

from __future__ import annotations

import random

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
)


def concept_alias(rng: random.Random, concept: Concept) -> str:
    """One of the concept's aliases."""
    return rng.choice(concept.aliases)


def sentence(rng: random.Random, concept: Concept | None = None) -> str:
    """One clinical sentence mentioning a concept (random when not given)."""
    concept = concept or rng.choice(CONCEPTS)
    return rng.choice(SENTENCES).format(
        finding=rng.choice(FINDINGS), days=rng.randint(2, 14), alias=concept_alias(rng, concept),
        med=rng.choice(MEDICATIONS), dose=rng.choice((5, 10, 20, 40, 500)),
    )


def paragraph(rng: random.Random, n_sentences: int, concepts: list[Concept] | None = None) -> str:
    """Sentences joined by spaces; cycles through `concepts` when given."""
    picks = concepts or [rng.choice(CONCEPTS) for _ in range(n_sentences)]
    return " ".join(sentence(rng, picks[i % len(picks)]) for i in range(n_sentences))


def patient_name(rng: random.Random) -> str:
    """An invented name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def discharge_letter(rng: random.Random, concepts: list[Concept], n_sentences: int = 6) -> str:
    """A discharge-letter-like document with the usual sections."""
    diagnoses = "\n".join(f"- {c.canonical_name.lower()}" for c in concepts)
    return (
        f"Name: {patient_name(rng)}\n"
        f"Chief complaint: {rng.choice(FINDINGS)}\n"
        f"History of present illness: {paragraph(rng, n_sentences, concepts)}\n"
        f"Hospital course: {paragraph(rng, n_sentences, concepts)}\n"
        f"Discharge medications: {', '.join(rng.sample(MEDICATIONS, 3))}\n"
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


def tokenizer_training_text(seed: int = 0, n_paragraphs: int = 400) -> list[str]:
    """Text covering the synthetic data and every prompt string, for tokenizer training."""
    from clue_ray.tasks.spec import raw_prompts

    rng = random.Random(seed)
    texts = [paragraph(rng, 4) for _ in range(n_paragraphs)]
    texts += [discharge_letter(rng, rng.sample(list(CONCEPTS), 3)) for _ in range(50)]
    texts += [consumer_question(rng)[0] for _ in range(50)]
    for entry in raw_prompts().values():
        if isinstance(entry, dict):
            texts += [v for v in entry.values() if isinstance(v, str)]
    texts += [c.canonical_name for c in CONCEPTS] + [a for c in CONCEPTS for a in c.aliases]
    texts += [c.icd10 for c in CONCEPTS] + ["The correct answer is A: B: C: D: E: F:"]
    return texts
