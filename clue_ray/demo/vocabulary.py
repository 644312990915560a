"""Invented clinical vocabulary shared by the synthetic datasets, the tiny tokenizers and the
tiny UMLS knowledge base. Nothing here comes from a real patient record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """A knowledge-base concept: a made-up CUI, its canonical name, aliases and an ICD-10 code."""

    cui: str
    canonical_name: str
    aliases: tuple[str, ...]
    icd10: str


CONCEPTS: tuple[Concept, ...] = (
    Concept("C9000001", "Pneumonia", ("pneumonia", "lung infection"), "J189"),
    Concept("C9000002", "Hypertensive disease", ("hypertension", "high blood pressure"), "I10"),
    Concept(
        "C9000003", "Diabetes mellitus type 2", ("type 2 diabetes", "diabetes mellitus"), "E119"
    ),
    Concept("C9000004", "Atrial fibrillation", ("atrial fibrillation", "afib"), "I4891"),
    Concept("C9000005", "Acute kidney injury", ("acute kidney injury", "aki"), "N179"),
    Concept("C9000006", "Congestive heart failure", ("heart failure", "chf"), "I509"),
    Concept("C9000007", "Urinary tract infection", ("urinary tract infection", "uti"), "N390"),
    Concept("C9000008", "Anemia", ("anemia", "low hemoglobin"), "D649"),
    Concept("C9000009", "Sepsis", ("sepsis", "septicemia"), "A419"),
    Concept(
        "C9000010", "Chronic obstructive lung disease", ("copd", "chronic bronchitis"), "J449"
    ),
    Concept("C9000011", "Coronary artery disease", ("coronary artery disease", "cad"), "I2510"),
    Concept("C9000012", "Hypothyroidism", ("hypothyroidism", "underactive thyroid"), "E039"),
)

MEDICATIONS: tuple[str, ...] = (
    "metoprolol", "lisinopril", "metformin", "apixaban", "furosemide", "ceftriaxone",
    "levothyroxine", "atorvastatin", "insulin glargine", "albuterol",
)

FINDINGS: tuple[str, ...] = (
    "shortness of breath", "fever", "chest pain", "fatigue", "productive cough", "leg swelling",
    "dysuria", "palpitations", "dizziness", "poor appetite", "weight gain", "confusion",
)

SYMPTOM_QUESTIONS: tuple[str, ...] = (
    "what causes {finding} after starting {med}",
    "is {finding} a side effect of {med}",
    "how long does {finding} last with {condition}",
    "can {condition} be treated without {med}",
    "what is the best treatment for {condition}",
)

FIRST_NAMES: tuple[str, ...] = ("Alex", "Sam", "Robin", "Jordan", "Casey", "Morgan", "Riley")
LAST_NAMES: tuple[str, ...] = ("Miller", "Keller", "Novak", "Silva", "Berg", "Lindqvist")
