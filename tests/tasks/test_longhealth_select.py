"""The protocol's document selection rule, with token counts worked out by hand.

WordTokenizer: count = words + 1 (BOS). The separator probe "S S" counts 3.
"""

from __future__ import annotations

from word_tokenizer import WordTokenizer

from clue_ray.tasks.longhealth_select import cut_prefix, select_documents

TOK = WordTokenizer()
PROBE = "S S"  # count 3


def doc(n_words: int, tag: str) -> str:
    return " ".join(f"{tag}{i}" for i in range(n_words))


def test_everything_fits_and_total_overshoots_by_a_separator():
    # start 10; a(4 words -> 5): 10+5=15 <= 20 -> total 15+3=18; b(1 word -> 2): 18+2=20 <= 20
    # -> selected, total 23 (> budget by the separator); c would be cut with room 20-23 < 0.
    a, b, c = doc(4, "a"), doc(1, "b"), doc(2, "c")
    selection = select_documents(TOK, [a], [b, c], start_total=10, budget=20, separator_probe=PROBE)
    assert selection.documents == (a, b)
    assert selection.cut is True


def test_no_cut_when_all_documents_fit():
    a, b = doc(2, "a"), doc(2, "b")  # 3 each; 0+3<=100 -> 6; 6+3<=100 -> 12
    selection = select_documents(TOK, [a], [b], 0, 100, PROBE)
    assert selection == type(selection)(documents=(a, b), cut=False)


def test_answer_document_cut_to_an_exact_prefix_and_nothing_after():
    # start 5, budget 10: a has 9 words (count 10): 5+10 > 10 -> room 5 -> first 5 words.
    a = doc(9, "a")
    other = doc(1, "o")
    selection = select_documents(TOK, [a], [other], 5, 10, PROBE)
    assert selection.documents == ("a0 a1 a2 a3 a4 ",)  # up to where token 6 begins
    assert a.startswith(selection.documents[0])
    assert selection.cut is True


def test_zero_room_cut_adds_nothing():
    # start 8, budget 10: a (count 3) fits -> total 8+3+3 = 14; b: room 10-14 < 0 -> nothing.
    a, b = doc(2, "a"), doc(5, "b")
    selection = select_documents(TOK, [a], [b], 8, 10, PROBE)
    assert selection.documents == (a,)
    assert selection.cut is True


def test_exactly_zero_room_adds_nothing():
    # start 7, budget 10: a (count 3): 7+3 = 10 <= 10 -> total 13; b: room -3. And with
    # start 10: a: 10+3 > 10, room 0 -> not selected, stop.
    a, b = doc(2, "a"), doc(2, "b")
    assert select_documents(TOK, [a, b], [], 10, 10, PROBE).documents == ()


def test_non_answer_document_is_cut_too():
    # start 0, budget 8: a (count 3) -> total 6; o (6 words, count 7): 6+7 > 8 -> room 2.
    a, o = doc(2, "a"), doc(6, "o")
    selection = select_documents(TOK, [a], [o, doc(1, "z")], 0, 8, PROBE)
    assert selection.documents == (a, "o0 o1 ")
    assert selection.cut is True


def test_document_without_token_n_plus_1_is_kept_whole():
    # count includes the BOS: a 3-word doc counts 4. start 6, budget 9: 6+4 > 9 -> room 3;
    # the doc has only 3 tokens (no token 4), so it is kept whole, and nothing follows it.
    a = "x y z"
    selection = select_documents(TOK, [a], [doc(1, "o")], 6, 9, PROBE)
    assert selection.documents == (a,)
    assert selection.cut is True


def test_cut_prefix_is_character_exact():
    text = "alpha  beta\ngamma delta"
    assert cut_prefix(TOK, text, 1) == "alpha  "
    assert cut_prefix(TOK, text, 2) == "alpha  beta\n"
    assert cut_prefix(TOK, text, 4) == text
    assert cut_prefix(TOK, text, 9) == text
