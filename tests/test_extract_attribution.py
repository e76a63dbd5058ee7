"""Who says so, and which side a source speaks for."""

from __future__ import annotations

from briefgen.extract.attribution import find_reporter, party_key, reporter_type


def test_reporter_before_and_after_the_speech_verb() -> None:
    assert find_reporter("Two died on Monday, Karabakh's defense ministry said.") == "Karabakh's defense ministry"
    assert find_reporter("Police said three people were hurt.") == "Police"
    assert find_reporter("Five were hurt, according to the Red Cross.") == "the Red Cross"
    assert find_reporter("The road was closed.") is None


def test_pronoun_reporters_are_returned_for_the_caller_to_resolve() -> None:
    assert find_reporter("It said two soldiers died.") == "It"


def test_party_keys_compare_differently_worded_sources() -> None:
    assert party_key("officials in Azerbaijan's breakaway Nagorno-Karabakh region") == ("nagorno-karabakh", True)
    assert party_key("Karabakh's defense ministry") == ("nagorno-karabakh", True)
    assert party_key("Azerbaijani defense ministry") == ("azerbaijan", True)
    assert party_key("officials in Baku") == ("azerbaijan", True)
    assert party_key("the rebels") == ("rebels", False)
    assert party_key("a witness") == (None, False)
    assert party_key(None) == (None, False)


def test_reporter_type_only_when_plain() -> None:
    assert reporter_type("Azerbaijani defense ministry") == "party"
    assert reporter_type("the United Nations") == "independent"
    assert reporter_type("a witness") is None
