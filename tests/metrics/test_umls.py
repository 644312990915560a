"""UMLS P/R/F1 through the real `scispacy_linker` over the local knowledge base (no download)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import scispacy.file_cache
from scispacy.candidate_generation import DEFAULT_PATHS
from scispacy.linking import EntityLinker

from clue_ray.demo.umls_kb import UmlsKbPaths
from clue_ray.demo.vocabulary import CONCEPTS
from clue_ray.errors import ConfigError
from clue_ray.metrics.settings import ScispacySettings, ScoringSettings
from clue_ray.metrics.umls import INDEX_FILES, UmlsScorer


def _no_download(url: str, *args: object) -> str:
    raise AssertionError(f"scispaCy tried to download {url}")


@pytest.fixture(scope="module")
def scorer(scoring_settings: ScoringSettings) -> Iterator[UmlsScorer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scispacy.file_cache, "get_from_cache", _no_download)
        yield UmlsScorer(scoring_settings.scispacy)


def test_kb_layout(umls_kb: UmlsKbPaths):
    lines = (umls_kb.kb_dir / "kb.jsonl").read_text().splitlines()
    assert [json.loads(line)["concept_id"] for line in lines] == [c.cui for c in CONCEPTS]
    assert all((umls_kb.kb_dir / name).is_file() for name in INDEX_FILES)
    aliases = json.loads((umls_kb.kb_dir / "concept_aliases.json").read_text())
    assert {"Pneumonia", "lung infection", "afib", "septicemia"} <= set(aliases)


def test_real_linker_is_wired_to_the_local_kb(scorer: UmlsScorer, umls_kb: UmlsKbPaths,
                                              scoring_settings: ScoringSettings):
    name = scoring_settings.scispacy.linker_name
    linker = scorer.nlp.get_pipe("scispacy_linker")
    assert isinstance(linker, EntityLinker)
    assert scorer.nlp.pipe_names == ["entity_ruler", "scispacy_linker"]  # as the reference
    assert linker.resolve_abbreviations is True and linker.threshold == 0.7  # default
    assert DEFAULT_PATHS[name].ann_index == str(umls_kb.kb_dir / "nmslib_index.bin")
    assert len(linker.kb.cui_to_entity) == len(CONCEPTS)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Patient with pneumonia and high blood pressure.", {"Pneumonia", "Hypertensive disease"}),
        # zorbic syndrome is an entity without a KB candidate: no name
        ("Known CHF and zorbic syndrome.", {"Congestive heart failure"}),
        ("AFIB and Lung Infection", {"Atrial fibrillation", "Pneumonia"}),  # case-insensitive
        ("Sepsis and anemia", {"Sepsis", "Anemia"}),
        ("Septicemia.", {"Sepsis"}),  # alias -> canonical name
        ("No acute findings.", set()),
    ],
)
def test_entity_sets(scorer: UmlsScorer, text: str, names: set[str]):
    assert scorer.entity_sets([text]) == [names]


def test_abbreviation_linked_by_its_own_text(scorer: UmlsScorer):
    # The reference adds no abbreviation detector, so `resolve_abbreviations=True` has no
    # effect: "aki" is looked up as "aki" (an alias of acute kidney injury), never through the
    # long form the text defines ("atrial kidney issue", which resembles no alias).
    assert scorer.entity_sets(["atrial kidney issue (aki); aki resolved."]
                              ) == [{"Acute kidney injury"}]
    # "HTN" shares no character 3-gram with any alias: defined in the text or not, it links
    # nothing; the long form "Hypertension" links as an entity of its own.
    defined = "Hypertension (HTN) is controlled; HTN was diagnosed in 2010."
    htn = [ent for ent in scorer.nlp(defined).ents if ent.text == "HTN"]
    assert len(htn) == 2 and all(ent._.kb_ents == [] for ent in htn)
    assert scorer.entity_sets([defined, "Known HTN."]) == [{"Hypertensive disease"}, set()]


def test_prf_by_hand(scorer: UmlsScorer):
    predictions = ["Pneumonia with atrial fibrillation and glimmer fever.",
                   "No acute findings.", "Sepsis and anemia"]
    references = ["Lung infection, AFib and acute kidney injury (AKI).",
                  "Pneumonia.", "Septicemia."]
    # 1: {Pneumonia, Atrial fibrillation} vs {Pneumonia, Atrial fibrillation, Acute kidney
    #    injury}: P 2/2, R 2/3, F1 2*(2/3)/(5/3) = 4/5
    # 2: {} vs {Pneumonia}: P 0 (empty prediction set), R 0/1, F1 0
    # 3: {Sepsis, Anemia} vs {Sepsis}: P 1/2, R 1, F1 2*(1/2)/(3/2) = 2/3
    expected = [
        {"umls_p": 1.0, "umls_r": 2 / 3, "umls_f1": 4 / 5},
        {"umls_p": 0.0, "umls_r": 0.0, "umls_f1": 0.0},
        {"umls_p": 0.5, "umls_r": 1.0, "umls_f1": 2 / 3},
    ]
    got = scorer.score(predictions, references)
    assert len(got) == len(expected)
    for actual, wanted in zip(got, expected, strict=True):
        assert actual == pytest.approx(wanted, rel=1e-12)


def test_one_pipe_call_with_the_batch_size(scorer: UmlsScorer, monkeypatch):
    calls: list[tuple[int, int]] = []
    real = scorer.nlp.pipe

    def spy(texts, **kwargs):
        texts = list(texts)
        calls.append((len(texts), kwargs["batch_size"]))
        return real(texts, **kwargs)

    monkeypatch.setattr(scorer.nlp, "pipe", spy)
    scorer.score(["pneumonia", "sepsis"], ["anemia", "copd"])
    assert calls == [(4, 32)]


def _settings(umls_kb: UmlsKbPaths, **changes: str) -> ScispacySettings:
    values = {"spacy_model": str(umls_kb.spacy_model), "linker_name": "clue_error_umls",
              "kb_dir": str(umls_kb.kb_dir)}
    values.update(changes)
    return ScispacySettings(batch_size=32, **values)  # type: ignore[arg-type]


def test_missing_model_names_package_and_override(umls_kb: UmlsKbPaths, tmp_path: Path):
    with pytest.raises(ConfigError) as err:
        UmlsScorer(_settings(umls_kb, spacy_model=str(tmp_path / "en_core_sci_sm")))
    message = str(err.value)
    assert "en_core_sci_sm" in message and "pip install https://" in message
    assert "scoring.scispacy.spacy_model=DIR" in message and "scoring.umls=disabled" in message


def test_missing_kb_names_path_and_override(umls_kb: UmlsKbPaths, tmp_path: Path):
    missing_dir = tmp_path / "no-kb"
    with pytest.raises(ConfigError, match=r"no-kb does not exist.*scoring\.scispacy\.kb_dir=DIR"):
        UmlsScorer(_settings(umls_kb, kb_dir=str(missing_dir), linker_name="clue_missing"))
    partial = tmp_path / "partial-kb"
    shutil.copytree(umls_kb.kb_dir, partial)
    (partial / "nmslib_index.bin").unlink()
    with pytest.raises(ConfigError, match=r"lacks nmslib_index\.bin.*scoring\.umls=disabled"):
        UmlsScorer(_settings(umls_kb, kb_dir=str(partial), linker_name="clue_partial"))
