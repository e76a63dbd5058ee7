"""Sentence splitting keeps exact offsets so quotes are verbatim."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from briefgen.extract.sentences import split_sentences


def test_sentences_split_on_terminal_punctuation_and_lines() -> None:
    text = "Police said two men died. The U.S. embassy closed.\n\nMr. Smith left at 5 p.m. Monday.\nA new line"
    found = [s.text for s in split_sentences(text)]
    assert found == ["Police said two men died.", "The U.S. embassy closed.",
                     "Mr. Smith left at 5 p.m. Monday.", "A new line"]


def test_paragraphs_are_numbered_by_blank_lines() -> None:
    sentences = split_sentences("One. Two.\n\nThree.")
    assert [s.paragraph for s in sentences] == [0, 0, 1]
    assert [s.index for s in sentences] == [0, 1, 2]


def test_scraped_text_without_space_after_full_stop_is_split() -> None:
    found = [s.text for s in split_sentences("shooting in Winchester.Officers were called.")]
    assert found == ["shooting in Winchester.", "Officers were called."]


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\"A1,")), max_size=200))
def test_every_sentence_is_the_exact_slice_of_the_text(text: str) -> None:
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        assert sentence.text
