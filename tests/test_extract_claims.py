"""Attributed claims: who said what."""

from __future__ import annotations

from briefgen.extract.claims import extract_claims, normalize_who
from briefgen.extract.sentences import split_sentences
from briefgen.models import Article


def claims_of(text: str):
    article = Article(id="a", path="a.txt", title="t", text=text)
    return extract_claims(article, split_sentences(text))


def test_claim_after_the_speaker() -> None:
    (claim,) = claims_of("Karabakh's defense ministry claimed its forces repelled a tank offensive.")
    assert claim.who == "Karabakh defense ministry"
    assert claim.what == "its forces repelled a tank offensive"
    assert claim.quote in "Karabakh's defense ministry claimed its forces repelled a tank offensive."


def test_claim_before_the_speaker_and_inverted_title() -> None:
    (claim,) = claims_of('Forces launched a "massive offensive in the south," said Defense Ministry spokesman Artsrun Hovhannisyan.')
    assert claim.who == "Artsrun Hovhannisyan, Defense Ministry spokesman"
    assert claim.what.startswith("Forces launched")


def test_pronoun_speaker_resolves_to_the_last_named() -> None:
    claims = claims_of("The Azerbaijani defense ministry said its troops advanced. It said the enemy retreated.")
    assert [c.who for c in claims] == ["Azerbaijani defense ministry", "Azerbaijani defense ministry"]


def test_withheld_information_is_an_unattributed_claim() -> None:
    (claim,) = claims_of("Azerbaijan has not yet released information on military casualties.")
    assert claim.who == "Unattributed"


def test_normalize_who() -> None:
    assert normalize_who("the rebels") == "Rebels"
    assert normalize_who("Karabakh’s defense ministry") == "Karabakh defense ministry"
