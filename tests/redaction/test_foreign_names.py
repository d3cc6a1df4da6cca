"""Names the US Census lists lack (Faker's locale name lists), names a 1934 dictionary also lists as a
rare word (wordfreq), and the drug and eponym guards (issue 9)."""

from __future__ import annotations

import bz2
import importlib.resources
import pickle

import pytest

from packgate.runtime.redaction import Engine, lexicons
from packgate.runtime.redaction.wordlists import NAME_LIST_DRUGS

ENGINE = Engine(hipaa=True)


def names(text: str) -> list[str]:
    return [text[f.start:f.end] for f in ENGINE.scan(text) if f.category == "NAME"]


@pytest.mark.parametrize("text,value", [
    ("The chart was reviewed with Kastner before discharge.", "Kastner"),   # a German surname
    ("Follow-up call placed to Mette this morning.", "Mette"),               # a Danish given name
    ("The caller, Natasja, asked about the results.", "Natasja"),
    ("Seen in clinic; ingrid johansson phoned for refills.", "ingrid johansson"),
    ('"We will see," says Becker.', "Becker"),                               # Webster's lists "becker"
    ("Tilly Nicholson lives in town.", "Tilly Nicholson"),
    ("Thaddeus had given notice before the visit.", "Thaddeus"),              # a rare census name + a verb
    ("Seen by Dr. Ludwig van Beethoven today.", "Ludwig van Beethoven"),      # particles inside a name
    ("Mrs. Ana de la Cruz called.", "Ana de la Cruz"),
    ("Last name? Magnusson", "Magnusson"),                                    # a form's or a chat's question
    ("Everyone calls me Ján.", "Ján"),  # lower case, both on name lists
])
def test_foreign_names_are_found(text, value):
    assert value in names(text)


@pytest.mark.parametrize("text", [
    "Hashimoto thyroiditis, on levothyroxine.",          # an eponym: a surname before a clinical word
    "History of Hashimoto thyroiditis noted on the problem list.",
    "Findings consistent with Kikuchi disease per pathology.",
    "Continue Flovent 110 mcg twice daily.",             # a drug brand that Faker lists as a name
    "Plan: metformin glipizide titration, recheck a1c.",  # lower-case drugs are on no name list
    "Unable to belch after the meal; patient is lucid.",  # rare words on a name list, in lower case
    "Card had expired; a new one was requested.",          # a word, then a verb a person could do too
    "Please call me Monday morning, or call me back.",     # after "call me": a weekday, a word
    "Do you know his name? The nurse will check.",
])
def test_eponyms_and_drugs_stay(text):
    assert names(text) == []


def test_a_rare_dictionary_word_that_is_a_city_is_not_english():
    # Webster's lists "hernani" (a fabric); geonames lists Hernani, a town of 20,000 in Spain
    text = "I am in Hernani this week."
    assert [text[f.start:f.end] for f in ENGINE.scan(text)] == ["Hernani"]


@pytest.mark.parametrize("text", [
    "Noted de novo lesion on imaging.",   # a particle with no capitalised name around it
])
def test_particles_alone_stay(text):
    assert names(text) == []


def test_name_list_drugs_is_derived_from_the_drug_dictionary():
    """NAME_LIST_DRUGS is exactly the foreign names that the drug dictionary lists as a one-word drug
    (and no dictionary word): regenerate it from drug-named-entity-recognition when this fails."""
    pkg = importlib.resources.files("drug_named_entity_recognition")
    with bz2.open(pkg.joinpath("drug_ner_dictionary.pkl.bz2"), "rb") as fh:
        drugs = {k for k in pickle.load(fh)["drug_variant_to_canonical"] if " " not in k}
    lex = lexicons.load()
    raw = lexicons.locale_names()  # before the drug names are dropped
    expected = {w for w in raw & drugs if w not in lex.english}
    assert NAME_LIST_DRUGS == expected
    assert not lex.foreign & NAME_LIST_DRUGS


@pytest.mark.parametrize("text,listed", [
    ("Founders: Brabec, Doyle and Gonzalez.", ["Brabec", "Gonzalez"]),  # beside the census name Doyle
    ("Visitors were Maria Lopez, Kowalczyk and Tran today.", ["Kowalczyk", "Tran"]),
])
def test_words_listed_beside_a_name_are_names(text, listed):
    found = names(text)
    assert all(any(w in f for f in found) for w in listed), found


@pytest.mark.parametrize("text", [
    "Hi Freddy, I'm calling about the refill.",            # a contraction after a name is no name
    "Started Lasix and Coreg; BP improved.",                # a list with no name in it stays
    "Seen by Dr. Smith and Nurse Lee, MRI and CT ordered.",  # roles and acronyms end the list
])
def test_list_neighbours_stop_at_words(text):
    assert not any(f.detector == "name-list" for f in ENGINE.scan(text))
