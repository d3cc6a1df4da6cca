"""Rules added to raise recall on text others wrote (branch `recall`): each with made-up positives and
negatives that must stay unredacted."""

from __future__ import annotations

import pytest

from packgate.runtime.redaction import Engine

ENGINE = Engine(hipaa=True)


def found(text: str, category: str) -> list[str]:
    return [text[f.start:f.end] for f in ENGINE.scan(text) if f.category == category]


def covered(text: str, value: str) -> bool:
    """Is every letter and digit of `value` (its first occurrence) inside some finding?"""
    s = text.index(value)
    need = {i for i in range(s, s + len(value)) if text[i].isalnum()}
    for f in ENGINE.scan(text):
        need.difference_update(range(f.start, f.end))
    return not need


def untouched(text: str, word: str, category: str | None = None) -> bool:
    """Does no finding (of `category`, or of any) cover the first character of `word`?"""
    k = text.index(word)
    return not any(f.start <= k < f.end for f in ENGINE.scan(text) if category in (None, f.category))


# --- another mention of a found name ------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Seen with daughter Teodora Vashchenko today. Plan reviewed with Vashchenko by phone.", "Vashchenko"),
    ("Referred by Dr. Priya Ramaswamy; Ramaswamy will call back.", "Ramaswamy"),
    ("My name is tomasz wierzbicki but everyone calls me tomasz.", "tomasz"),
])
def test_repeat_mention_of_a_found_name(text, value):
    assert found(text, "NAME").count(value) >= 1
    last = text.rindex(value)
    assert any(f.start <= last and f.end >= last + len(value) for f in ENGINE.scan(text) if f.category == "NAME")


@pytest.mark.parametrize("text,word", [
    ("Seen by Dr. Brad Key. Key findings: stable.", "Key findings"),          # a dictionary word at a sentence start
    ("Daughter Ana Graves visited. Graves disease ruled out.", "Graves disease"),  # an eponym (a common word)
])
def test_repeat_mention_leaves_words(text, word):
    assert untouched(text, word)


# --- street words of other countries -----------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Home visit at 14 rue des Tilleuls, Lyon, next week.", "14 rue des Tilleuls"),
    ("Patient lives at 7 Kvernbakk gate 19 with her son.", "Kvernbakk gate 19"),
    ("Forwarding address: 312 Calle Orquídea 88, Valencia.", "312 Calle Orquídea 88"),
    ("Moved to 9 Tuulimyllyntie 4 last spring.", "Tuulimyllyntie 4"),
    ("Sent to 55 avenue de Vermeille, apt. 3.", "55 avenue de Vermeille"),
])
def test_foreign_street_words(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Walked 3 laps to the gate and back without oxygen.", "gate"),
    ("Gait 3 laps around the ward, then 2 ring exercises.", "ring exercises"),
    ("Take 2 puffs Qvar 80 twice daily.", "Qvar"),
    ("Hashimoto thyroiditis since 2019; 3 Avenue visits planned.", "Hashimoto"),
])
def test_street_words_leave_clinical_text(text, word):
    assert untouched(text, word, "LOCATION")


# --- cities of other countries after a place cue -----------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("She returned to Tampere after the admission.", "Tampere"),
    ("Works for a firm based in ESPOO.", "ESPOO"),
    ("Family moved from New Westminster in May.", "New Westminster"),
])
def test_world_city_after_place_cue(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Switched to Lasix in the morning.", "Lasix"),
    ("Referred to Nice guidelines for follow-up.", "Nice"),   # a city that is an English word
    ("Improved in Split-night study.", "Split"),
    ("Progressed to Hashimoto thyroiditis.", "Hashimoto"),
])
def test_world_cities_leave_words(text, word):
    assert untouched(text, word, "LOCATION")


# --- names joined by "and" ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Seen with Okonkwo and Reed from the family team.", "Reed"),          # a surname that is also a word
    ("Consent witnessed by Lindqvist, Graves and Holt.", "Graves"),
    ("Halvorsen and Murphy were present at the meeting.", "Murphy"),
])
def test_joined_names(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("History of Crohn's and Graves' disease.", "Graves"),
    ("Murphy and Homans signs negative.", "Murphy"),                       # eponyms before a clinical head
    ("Coreg and Entresto were continued.", "Coreg"),                       # drug brands: on no name list
    ("Brown and White were the colours of the stool chart.", "Brown"),      # common words both
])
def test_joined_names_leave_words(text, word):
    assert untouched(text, word, "NAME")


# --- a place of several capitalised words after a place cue ------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Lives in Den Haag with her sister.", "Den Haag"),
    ("Transferred from Castelnuovo di Porto last year.", "Castelnuovo di Porto"),
    ("Works near Ostrov nad Ohri most weeks.", "Ostrov nad Ohri"),
])
def test_place_run_after_cue(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Admitted in Diabetic Ketoacidosis overnight.", "Diabetic"),
    ("Seen in Pulmonary Function Lab today.", "Pulmonary"),
    ("Improved in Hashimoto Thyroiditis clinic.", "Hashimoto"),
    ("Spoke to Tuomas Ruokonen about the plan.", "Tuomas"),  # a person after "to" stays a name
])
def test_place_run_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- a postal code a line or two after an address block ----------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Address: 31 ul. Lipowa 10\nKrakow\n31-042", "31-042"),
    ("Address: 4410 Kvarnbacken 12\nSKOGHALL\n663 41", "663 41"),
    ("Send to 88 Rua Aurora 12, Lisboa, 1100-038.", "1100-038"),
])
def test_postcode_after_block(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Lives at 4410 Kvarnbacken 12 since 2019 with her son.", "2019"),
    ("Address: 31 ul. Lipowa 10, dose 12500 units heparin.", "12500"),
])
def test_postcode_after_block_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- lower-case particles inside a town's name in an address block -----------------------------------

def test_town_particles_in_block():
    text = "Address:\n22 Lipova 8\nSuite 4\nHorni Lhota nad Orlici\nCzech Republic 51741"
    assert covered(text, "Horni Lhota nad Orlici")
    assert covered(text, "51741")


def test_accented_street_word():
    assert covered("Correspondence to 106 rúa Olmedo 44, Lugo.", "106 rúa Olmedo 44")


# --- a street named with no house number -------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("She lives on Birchwood Avenue with her mother.", "Birchwood Avenue"),
    ("Found on Old Mill Road by a neighbour.", "Old Mill Road"),
])
def test_named_street_without_number(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Patient on the Road to recovery.", "Road"),
    ("Walked on Street level without aid.", "Street"),  # a capitalised word alone before it is not a street name
])
def test_named_street_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- a city right after a street and a comma ---------------------------------------------------------

def test_city_after_street_comma():
    text = "Mail returned from 18 Harbour Road, Tampere last month."
    assert covered(text, "Tampere")


def test_name_after_street_comma_is_not_a_city():
    text = "Walked down Harbour Road, Hannah said."   # an ambiguous one-word place that is a given name
    k = text.index("Hannah")
    assert not any(f.start <= k < f.end for f in ENGINE.scan(text) if f.category == "LOCATION")


# --- an intersection: both streets and the "and" between them (branch `recall2`) ---------------------

@pytest.mark.parametrize("text,value", [
    ("Meet at the corner of Hollis Pike 12. and Vardo Lane after lunch.", "Hollis Pike 12. and Vardo Lane"),
    ("Found at the corner of 44 Tamsin Str. and Okafor Turnpike by police.", "44 Tamsin Str. and Okafor Turnpike"),
    ("Lives near the corner of Main & 5th Street, by the pharmacy.", "Main & 5th Street"),
    ("Address: corner of Fiskargatan 3 and Brennan Mall", "Fiskargatan 3 and Brennan Mall"),
])
def test_corner_of_two_streets(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Lesion at the corner of the mouth and lips, 3 mm.", "mouth"),
    ("Pain at the corner of the eye and Tylenol helped.", "Tylenol"),
    ("Sits in the corner of his room and Reads all day.", "room"),
])
def test_corner_of_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- a form's place field -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("When: 2021-05-02 10:00\nWhere: Kestrelmoor Country Club.\nBring ID.", "Kestrelmoor"),
    ("when: tuesday\nwhere: vallbyholm golf club\n", "vallbyholm golf club"),
    ("Venue: Teatro Ruzzante, 2nd floor", "Teatro Ruzzante"),
])
def test_form_place_field(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Where: left knee\nPain 3/10 on walking.", "left"),
    ("Where: emergency department\nWhen: 02:00", "emergency"),
    ("Asked where: said home.", "home"),                 # not a field at a line's start
])
def test_form_place_field_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- an unknown capitalised word alone mid-sentence ------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Is there a better example of this than early Varnasjuk?", "Varnasjuk"),
    ("Unlike the Ostrelkova report, it was short.", "Ostrelkova"),
    ("The song by ex-Zombie Tarkuvaara is a good example.", "Tarkuvaara"),
])
def test_lone_unknown_word(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Will continue Jardiance 10 mg daily.", "Jardiance"),           # a dose follows
    ("She was switched to Ozempic last month.", "Ozempic"),           # a medication verb before it
    ("He plays Metallica loudly at night.", "Metallica"),             # English text uses it often
    ("Personal Info:\nPhone: none", "Info"),                          # a field's label
    ("Then the Hobbits came up in conversation.", "Hobbits"),         # a dictionary word's plural
    ("Mother reports Hashimoto thyroiditis.", "Hashimoto"),           # an eponym
])
def test_lone_unknown_word_leaves(text, word):
    assert untouched(text, word, "NAME")


# --- a house number written with a full stop, then a flat or suite --------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Address: 376 Kossuth Lajos út 13. Suite 104 Szeged", "Suite 104"),
    ("Send to 594 Petőfi utca 76. Apt. 289 Pécs Hungary", "Apt. 289"),
])
def test_dotted_house_number_then_unit(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Lives at 12 Kossuth utca 13. Unit manager says hello.", "manager"),   # no number after the unit word
    ("Address: 5 Petőfi utca 7. Apt is clean.", "clean"),
])
def test_dotted_house_number_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- a place named after its kind ------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("The band's home city Vaalburg: three firms dominate it.", "Vaalburg"),
    ("She grew up in the town of Castelfranco del Monte near the coast.", "Castelfranco del Monte"),
    ("Their hometown Station Norre was flooded.", "Station Norre"),
    ("Their home city ΑΓΙΑ ΝΑΠΑ hosted it.", "ΑΓΙΑ ΝΑΠΑ"),
])
def test_place_after_its_kind(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Letter from the City Council about parking.", "Council"),
    ("The town of his birth is unknown.", "birth"),
    ("Met the city Clerk for the permit.", "Clerk"),
])
def test_place_after_its_kind_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# --- a given name addressed at a sentence's start --------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Aloisia, can I please speak to your manager?", "Aloisia"),
    ("Thanks. Radomir, could you send the form?", "Radomir"),
])
def test_vocative_name(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Please, can I have the form?", "Please"),
    ("Doctor, can you call back?", "Doctor"),
    ("Yesterday, I spoke to the team.", "Yesterday"),
])
def test_vocative_leaves(text, word):
    assert untouched(text, word, "NAME")


# --- lower-case names: a given name then an unlisted surname; "call me <name>" ---------------------------

@pytest.mark.parametrize("text,value", [
    ("olga vashurkina's sister called the ward.", "olga vashurkina"),
    ("sometimes people call me radoslav", "radoslav"),
    ("they call me zdenko, not sir.", "zdenko"),
])
def test_lower_case_names(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("call me asap about the labs.", "asap"),              # a frequent word after "call me"
    ("call me back tomorrow.", "back"),
    ("olga metformin", "metformin"),                       # a drug stem after a given name
    ("pt maria reports nausea, started ondansetron.", "ondansetron"),
])
def test_lower_case_names_leave(text, word):
    assert untouched(text, word, "NAME")


# --- a person named by a relative, and a quoted speaker ---------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("It was settled between him and Orsolya's kid.", "Orsolya"),
    ("i'm radoslava's daughter, she said.", "radoslava"),
    ('zdenka: "who is there?"\nok', "zdenka"),
])
def test_relative_and_speaker_names(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("The patient's daughter called.", "patient"),
    ("His mother's sister visited.", "mother"),
    ('Note: "call back after 5"', "Note"),
    ('Plan: "rest and fluids"', "Plan"),
    ("The doctor's wife was present.", "doctor"),
])
def test_relative_and_speaker_leave(text, word):
    assert untouched(text, word, "NAME")


# --- an unknown given name's surname: after particles, or spelled with letters English has not -----------

@pytest.mark.parametrize("text,value", [
    ("Willeminke ten Pas will speak at the meeting.", "Willeminke ten Pas"),
    ("Maikeline van de Noort\nEmployment manager", "Maikeline van de Noort"),
    ("A song by Darijko Čurin, go figure.", "Darijko Čurin"),
])
def test_unknown_name_surname(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Tested for Raynaud van de kamer yesterday.", "kamer"),   # a lower-case word after the particles
    ("Started Xeljanz de NOVO today.", "NOVO"),                 # capitals after a particle
])
def test_unknown_name_surname_leaves(text, word):
    assert untouched(text, word, "NAME")


# --- precision: a lower-case frequent English word after a relative, a title or "name" --------------------

@pytest.mark.parametrize("text,word", [
    ("Television daughter else town democratic.", "else"),
    ("Practice green water local road brother forward.", "forward"),
    ("Local care state Mrs individual major approach.", "individual"),
    ("Before future fall increase name benefit population.", "benefit"),
])
def test_frequent_words_after_cues_leave(text, word):
    assert untouched(text, word, "NAME")


@pytest.mark.parametrize("text,value", [
    ("seen with daughter maria today", "maria"),     # a frequent given name stays a name
    ("spoke with Mr smith by phone", "smith"),        # ... and a frequent surname
    ("husband aarav came in", "aarav"),               # a word no frequency list holds
    ("my name is tomasz", "tomasz"),
])
def test_names_after_cues_stay(text, value):
    assert covered(text, value)


# --- one letter of an alphabet is no name (mis-decoded UTF-8) ----------------------------------------------

def test_one_hebrew_letter_of_mojibake_is_no_name():
    assert untouched("Withdrawn \u05d2\u20ac\u201c quite why, nobody knows.", "\u05d2")


@pytest.mark.parametrize("text,value", [
    ("Seen with \u738b today.", "\u738b"),                       # a one-character Chinese surname stays
    ("Seen with \u05d3\u05e0\u05d4 today.", "\u05d3\u05e0\u05d4"),  # a Hebrew name of three letters stays
])
def test_caseless_names_stay(text, value):
    assert covered(text, value)


# --- branch `recall3` ----------------------------------------------------------------------------------
# (a) a state's name that is also a frequent surname, right after a given name

@pytest.mark.parametrize("text,value", [
    ("Soon box education Christine Washington subject fish story.", "Christine Washington"),
    ("Discussed with daughter Maria Washington by phone.", "Maria Washington"),
])
def test_state_word_surname_after_given_name(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Moved from Seattle, Washington last year.", "Seattle"),        # a comma: a town and its state
    ("Flew to Washington for the conference.", "Washington"),        # no given name before it
])
def test_state_word_surname_leaves(text, word):
    assert untouched(text, word, "NAME")


# (b) a name with a drug's ending where only a person stands

@pytest.mark.parametrize("text,value", [
    ('"It is moving in that direction," says Okase.', "Okase"),
    ("Belvir spent a year at the firm as an assistant.", "Belvir"),
    ("The report was written by Belvir K. Tomšič last spring.", "Belvir K. Tomšič"),
])
def test_drug_ending_name_in_person_context(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Patient says Omeprazole helps at night.", "Omeprazole"),    # a say-cue, but no attribution's end
    ("Started Lisinopril 10 mg daily.", "Lisinopril"),
    ("Dolutegravir was continued.", "Dolutegravir"),              # "was" is no verb only a person does
    ("Switched to Pantoprazole D. Take with food.", "Pantoprazole"),  # an initial, then a dictionary word
])
def test_drug_ending_words_stay(text, word):
    assert untouched(text, word, "NAME")


# (c) a lower-case place after a journey

@pytest.mark.parametrize("text,value", [
    ("on the last sunday in june we returned to kiel by helicopter.", "kiel"),
    ("mr. hollis flew to skardsvikurholt on friday morning.", "skardsvikurholt"),
    ("she relocated to thorvaldsbergi last spring.", "thorvaldsbergi"),
])
def test_lower_case_place_after_journey(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("pt moved to stepdown overnight.", "stepdown"),      # a ward: "moved" is no journey for unknown words
    ("went to bed early, returned to baseline.", "baseline"),
    ("returned to work on monday.", "work"),
    ("flew to dialysis unit by ambulance.", "dialysis"),  # a dictionary word
])
def test_lower_case_place_after_journey_leaves(text, word):
    assert untouched(text, word, "LOCATION")


def test_a_journey_verb_is_no_surname():
    text = "mr. hollis flew to Boston."
    assert covered(text, "hollis") and untouched(text, "flew")


# (e) a lower-case given name, a middle initial and a surname

@pytest.mark.parametrize("text,value", [
    ("signed, bertram m. jørgensen\n\nsoldier", "bertram m. jørgensen"),
    ("the verses from eric g. samoylova's tales", "eric g. samoylova"),
    ("emidio p lombardo\ngarcia-smith\nunit 1009 box 0219", "emidio p lombardo"),   # a line of its own
])
def test_lower_case_name_with_middle_initial(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("vitamin d. deficiency noted, started repletion.", "deficiency"),
    ("hepatitis b vaccine given\n", "vaccine"),
    ("positive c. diff toxin, started vancomycin.", "diff"),
    ("plan b stays in place\n", "stays"),
    ("will b. seen tomorrow", "seen"),                      # "seen" is a dictionary word
    ("started lorazepam x emidio today", "emidio"),          # no full stop and not a line of its own
])
def test_lower_case_initials_leave(text, word):
    assert untouched(text, word, "NAME")


# (d) a house number after the street's name, with no street word

@pytest.mark.parametrize("text,value", [
    ("He lives on the north side of Joaquin Suarez 2906.", "Joaquin Suarez 2906"),
    ("Pedestrians must enter on Hoge Wei 32 St. the first three months.", "Hoge Wei 32"),
    ("Deliveries go to Tomasz Wierzbicki 17, by the gate.", "Tomasz Wierzbicki 17"),
])
def test_house_number_after_street_name(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Spoke to Ana Lopez 3 times this week.", "3"),         # a count: a word follows the number
    ("She moved to Tampere 2019.", "2019"),                 # a year
    ("Ana Lopez 45 was seen today.", "45"),                 # no place's preposition before the name
    ("Started on Lisinopril 10.", "10"),                    # a drug is no found name: its dose stays
])
def test_house_number_after_street_name_leaves(text, word):
    assert untouched(text, word, "LOCATION")


# (f) an unknown word with a town's ending after "to"/"of"/"on" (where a drug's name would stand)

@pytest.mark.parametrize("text,value", [
    ("It invites songwriters from around the world to Kelvabury to share music.", "Kelvabury"),
    ("Care was handed over to Osterstad last month.", "Osterstad"),
])
def test_town_ending_after_med_cue(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Switched to Eliquis to prevent clots.", "Eliquis"),
    ("Started on Xarelto today.", "Xarelto"),
    ("Added Jardiance to the plan.", "Jardiance"),
])
def test_town_ending_leaves_drugs(text, word):
    assert untouched(text, word)


# (g) a given name that is also a word, speaking in a dialogue

@pytest.mark.parametrize("text,value", [
    ("Ella: What a wife.\nDestiny: Remember me, Maria?", "Destiny"),
    ("Angel: Where were you?\nRadomir: Out.", "Angel"),
])
def test_word_name_in_dialogue(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Plan: Rest and fluids.\nHope: Improve by Friday.", "Hope"),   # no given name outside the dictionary beside it
    ("Destiny: Remember me.", "Destiny"),                           # one line is no dialogue
    ("Note: Call back.\nWill: Drafted by Ella.", "Will"),          # the line beside is no name's
])
def test_word_name_in_dialogue_leaves(text, word):
    assert untouched(text, word, "NAME")


# (i) a sentence that is only a name

@pytest.mark.parametrize("text,value", [
    ("Travel enough instead poor of politics. Sue Young. Specific city stand.", "Sue Young"),
    ("Called back at noon. Angel Brown! Then the line dropped.", "Angel Brown"),
])
def test_sentence_that_is_a_name(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Reviewed labs. Will Continue. Plan unchanged.", "Continue"),     # "Continue" is on no surname list
    ("Reviewed labs. Mark Down the dose later.", "Mark"),              # the sentence goes on
    ("Reviewed labs. Thank You. Plan unchanged.", "Thank"),            # not a given name
])
def test_sentence_that_is_a_name_leaves(text, word):
    assert untouched(text, word, "NAME")


# (h) a given name that is also a word, given something of their own

@pytest.mark.parametrize("text,value", [
    ("David had given Angel his address last week.", "Angel"),
    ("The porter handed Hope her coat at the door.", "Hope"),
])
def test_word_name_given_their_own(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("The nurse handed Mom her meds.", "Mom"),                # a relative's role
    ("Gave Patient his pills at 8.", "Patient"),
    ("We gave Tylenol his usual dose.", "Tylenol"),           # on no given-name list
])
def test_word_name_given_their_own_leaves(text, word):
    assert untouched(text, word, "NAME")


# (d2) two streets' names joined by "and", then a house number

@pytest.mark.parametrize("text,value", [
    ("Please return to Leon and Eyrarodda 66 in case of an issue.", "Leon and Eyrarodda 66"),
    ("The address of the firm is Anne-Lotte and Aqqusinersuaq 99", "Anne-Lotte and Aqqusinersuaq 99"),
])
def test_two_streets_joined_then_number(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text,word", [
    ("Spoke to Ana and Luis 2 times.", "2"),            # two people: the second is a given name
    ("Spoke to Ana and Okafor 2 times.", "2"),          # a count
    ("Seen with Ana and Okafor 12 mg given.", "12"),     # no place's preposition, and a dose
])
def test_two_streets_joined_then_number_leaves(text, word):
    assert untouched(text, word, "LOCATION")
