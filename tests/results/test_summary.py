"""The sweep's end-of-run summary: flag counts per flag, and rows with any flag."""

from __future__ import annotations

from constructed import write_group

from clue_ray.results.summary import headline_table, load_rows, summarise


def test_flagged_counts_rows_not_flags(tmp_path):
    run = tmp_path / "run-1"
    write_group(run, "m", "medisumcode", ["0", "1", "2"], {"icd_em_f1": [0.0, 0.5, 1.0]},
                flags=["repetition_loop,invalid_icd_codes", "invalid_icd_codes", ""])
    group = summarise(load_rows(run))["m"].tasks["medisumcode"]
    assert group.flags == {"repetition_loop": 1, "invalid_icd_codes": 2}
    assert group.flagged_rows == 2
    assert group.scores["icd_em_f1"] == 50.0
    table = headline_table(summarise(load_rows(run)), ["medisumcode"])
    assert table.splitlines()[1].split() == ["m", "50.00", "-", "-", "2"]
