"""Names and places: context cues plus census and gazetteer lexicons, in one pass over the words.

Regexes alone cannot tell "Ana" from "and"; a lexicon alone cannot tell "Grant" the person from
"grant" the verb. So a word counts as a name when a cue says so (a title: "Dr. holmes"; a role:
"daughter Ana", "seen by"), or when it is a capitalised census first name not on the common-word
list, optionally followed by more capitalised words (the surname). The cues generalise beyond the
lexicon: lower-case names after a cue take a following lower-case surname that does not look like a
verb ("husband jose ruiz", not "daughter ana updated"); a cue starts a list ("children Ana, Luis and
Sofia"); an initial and a census surname ("J. Smith"); two unknown capitalised words followed by a
clinical verb ("Aarav Iyer was admitted"). Alone at the start of a sentence, only a frequent census
first name counts ("Card on file" is not a person). Possessives ("Maria's") and accents ("José") are
looked up without the "'s" and the accent.

Places: gazetteer cities of 15,000+ (longest match, on their own), US places of 500+ people only after a
place cue ("in", "from", "lives in") or before a state ("Viera East, FL"), any capitalised run before
", <ST> <ZIP>" ("Old City, PA 15173"), "lives in <Town>" for towns no gazetteer has, and facility names
("St. Mary's Hospital"). Structured places (streets, PO boxes, ZIP, county) are in `patterns.py`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, compress
from typing import Iterator

from .lexicons import TOKEN, Lexicons, TokenMemo, fold
from .patterns import _STATE_ABBR, _SUFFIX_WORDS, Hit
from .wordlists import CLINICAL_ABBREVIATIONS, COMMON, PLACE_CUES, ROLE_BIGRAMS, ROLE_WORDS, STRONG_CUES, TITLES

_SPACE_GAP = re.compile(r"[ \t]{1,3}\Z")
_INITIAL_GAP = re.compile(r"\.?[ \t]{1,3}\Z")
_VALUE_NEXT = re.compile(r"[ \t]*[:=]?[ \t]*\d")  # "Na 134", "Na: 134", "Na=134": a lab and its value
_CUE_GAP = re.compile(r"[ \t]*(?:[,:?][ \t]*)?\Z")  # "name: Ana", "name? Ana" (a form, a chat)
_TITLE_GAP = re.compile(r"\.?[ \t]{1,3}\Z")
_COMMA_GAP = re.compile(r",[ \t]{1,3}\Z")
_STATE_AFTER = re.compile(
    rf",?[ \t]+(?:{_STATE_ABBR}|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|"
    r"Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    r"Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
    r"North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|"
    r"Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming)\b"
)
# Tokens that can start a state after "<Town>," (or before a ZIP): where "<Town>, <ST>" can end.
_STATE_TOKENS = frozenset(_STATE_ABBR.split("|")) | frozenset(
    w for name in ("Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
                   "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts "
                   "Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada New North Ohio Oklahoma "
                   "Oregon Pennsylvania Rhode South Tennessee Texas Utah Vermont Virginia Washington West "
                   "Wisconsin Wyoming").split() for w in (name,)
)


STATES = frozenset(
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho "
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota "
    "mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah "
    "vermont virginia washington wisconsin wyoming america usa canada mexico".split()
)
STRONG_PLACE_CUES = frozenset("lives resides moved relocated born raised hometown".split())
_TOWN_CUES = frozenset("in from to near at toward towards outside".split())  # before a gazetteer town
# State abbreviations that are also credentials: "Smith, MD" is a person unless a ZIP or the gazetteer says place.
_CREDENTIAL_STATES = frozenset("MD PA DO DE ME OR IN OK HI".split())
_ZIP_NEXT = re.compile(r"\s+\d{5}(?:-\d{4})?(?!\d)")
# A capitalised pair followed by one of these is the subject of a clinical sentence: a person.
SUBJECT_VERBS = frozenset(
    """was is has had presented presents reports reported denies denied states stated tolerated declined
    agreed agrees arrived underwent returned remains remained requested refused consented signed died
    came comes will would called expressed verbalized understands understood complains complained
    endorses endorsed admits admitted""".split()
)
# Lower-case words that end like a verb, adverb or adjective: not taken as an unknown lower-case name.
_VERBISH = re.compile(r"(?:ed|ing|ly|s|ous|ful|ive|able|ible|ion|ness|ment|less|ory)\Z")
_LOWER_STOP = frozenset(
    """seen told made went came gave took felt knew got left ran said aware alive present here there home
    today tonight now again also already still unable able alert stable awake asleep upset fine okay ok
    unknown deceased available absent involved supportive""".split()
)
# Relatives and household: after these, even an unknown lower-case word is a name ("husband aarav").
FAMILY_ROLES = frozenset(
    """daughter son wife husband mother mom mum father dad sister brother spouse partner friend neighbor
    neighbour caregiver guardian grandson granddaughter grandmother grandfather grandma grandpa aunt uncle
    niece nephew cousin fiance fiancee boyfriend girlfriend roommate stepson stepdaughter stepmother
    stepfather sibling children kids sons daughters parents siblings brothers sisters grandchildren""".split()
)
_FACILITY_HEADS = frozenset(
    "hospital hospitals clinic clinics infirmary hospice sanatorium sanitarium dept department pharmacy "
    "laboratory laboratories healthcare physicians associates".split()
)
_FACILITY_PAIRS_SRC = (
    """medical center|health center|care center|nursing home|rehabilitation center|rehab center|
    surgery center|cancer center|children's hospital|health system|medical centre|memorial hospital|
    urgent care|senior living|assisted living|skilled nursing|dialysis center|mental health"""
)
_FACILITY_PAIRS = frozenset(p.strip() for p in _FACILITY_PAIRS_SRC.replace("\n", "").split("|"))
# Words a facility name can end on (the head, or the first word of a two-word head).
# After a facility's head word, what makes it a note's phrase: "Hospital Course", "Hospital Stay".
_FACILITY_NOT_AFTER = frozenset("course stay".split())
_FACILITY_END = _FACILITY_HEADS | frozenset(p.split()[0] for p in _FACILITY_PAIRS)
_FACILITY_CAP = frozenset(w.capitalize() for w in _FACILITY_END) | frozenset(w.upper() for w in _FACILITY_END)
_NEVER = TITLES | ROLE_WORDS | STATES | frozenset(
    "a an the and or but of in on at to for from by with is was are were has had have he she they it his her "
    "their this that who which patient doctor nurse".split()
)
_FUNCTION = frozenset(
    "will may can should would could might must did does do said says also just still then now here there "
    "very well ill had has have is was were are be been being not no yes so as at by in on up out".split()
)
# Lower-case particles inside a surname: between two capitalised name words they are part of the name.
_PARTICLES = frozenset("van von de der den ten ter da di del della du le la dos das bin ibn al el".split())
_CONNECT = frozenset("de del la las los of on upon el san santa st".split())
_SENTENCE_END = frozenset(".!?:;\n•*-#>|")
# Endings of English nouns, adjectives and adverbs that given names rarely have: after "daughter", an
# unknown lower-case "responsibility" or "market" is a word, "amrita" or "alessio" a name.
_ENGLISH_SUFFIX = re.compile(
    r"(?:ity|ant|ent|ee|al|ance|ence|ism|ist|ize|ise|ure|age|ary|ery|ic|ward|wise|ship|hood|dom|ular|ket|eak|"
    r"ear|ead|ind|ont|ack|ake|ook|oor|ould|ight|ther|ther|out|own|ime|ine|ise|ave|ove|ome|ate|ide|ody|ain|ish|"
    r"ble|ple|tle|ge|ce|ck|ss|nk|ng|ft|pt|ct|xt|rd|rt|rk|rm|rn|mp|nt|nd)\Z"
)
# Stems of generic drug names and clinical terms a dictionary of 1934 does not list (USAN stems).
_DRUG_STEM = re.compile(
    r"(?:pril|olol|sartan|statin|mab|nib|azole|cillin|mycin|cycline|floxacin|dipine|prazole|tidine|setron|triptan|"
    r"afil|gliptin|glitazone|parin|xaban|gatran|lukast|terol|sone|olone|semide|thiazide|formin|glipizide|lamide|"
    r"barbital|azepam|zolam|oxetine|aline|triptyline|apine|idone|peridol|profen|coxib|vir|navir|tegravir|"
    r"caine|curium|fentanil|morphone|codone|tropin|mide|zide|osin|ase|emia|itis|osis|ectomy|otomy|plasty|"
    r"scopy|gram|graphy|pathy|algia|ology|ologist|uria|penia|cytosis|oma|ectasis|megaly)\Z"
)
# After an unknown capitalised word, verbs that a person (not a drug) does: "Jouko lives", "Mehrudin shouted".
_PERSON_VERBS = frozenset("lives lived said says shouted told tells wrote writes asked asks works worked moved flew is".split())
_MOVE_VERBS = frozenset("flew fly flying moved move moving travelled traveled travel drove went go going relocated returned".split())
_EPONYMS = frozenset(
    "sjogren meniere behcet barre guillain bechterew kussmaul graefe gruneisen hunner lowenstein muller "
    "schonlein henoch durer gaucher dejerine roussy tourette tietze loffler kohler gorlin".split()
)
# What follows an eponym ("Hashimoto thyroiditis", "Graves disease", "Apgar score"): a surname from a
# name list before one of these, or before a clinical word ending (`_DRUG_STEM`), names a condition.
_EPONYM_HEADS = frozenset(
    """disease diseases syndrome syndromes sign signs phenomenon palsy test tests maneuver manoeuvre reflex
    criteria score scale classification fracture lesion lesions procedure node nodes tumor tumour type
    pattern law curve triad operation repair method formula equation index stage staging ulcer anomaly
    disorder deformity contracture neuralgia sarcoma lymphoma cell cells body bodies""".split()
)
_SPEAKER_GAP = re.compile(r"[ \t]*:[ \t]*[\"\u201c]?[A-Z]")
_PLACE_HEADS = frozenset("university city town village province republic kingdom municipality".split())
_SAY_CUES = frozenset("says said asked told me kid hi dear".split())
_PERSON_VERBS_MORE = frozenset("began begins spent had just speak speaks sings sang".split())
# After a name alone at a sentence start: verbs only a person is the subject of ("is" is not one).
_SUBJECT_PERSON_VERBS = (_PERSON_VERBS | _PERSON_VERBS_MORE | SUBJECT_VERBS) - {"is", "has", "was", "will", "would"}
_UNKNOWN_CUES = frozenset("in at from near visiting outside born lives resides".split())
_ABBREV_TITLES = frozenset("mr mrs ms mx dr prof rev sr np pa rn".split())
_NICK_GAP = re.compile(r"[ \t]{1,2}[\"(]\Z|[\")][ \t]{1,2}\Z")
_APOS_NAME = re.compile(r"(?:o|d|l|mc|mac|di|da)'[a-z]{2,}\Z")


# Scripts where one character can be a whole name (a Chinese or Korean surname: "王", "김").
_LOGOGRAPH = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _caseless(word: str) -> bool:
    """A word of letters that have no case (CJK, Arabic, Hebrew, Thai, Devanagari ...)."""
    c = word[0]
    return c.isalpha() and not c.isupper() and not c.islower()


_SPLIT = re.compile(f"({TOKEN.pattern})")
_SPLIT_ASCII = re.compile(r"([A-Za-z][A-Za-z']*(?:-[A-Za-z][A-Za-z']*)*)")  # TOKEN on ASCII text, 5x faster
# What follows the last space of each role bigram: "<a> <w>" can equal a bigram only when `w` is one of
# these (or holds a space itself), so the pair's string is built only then.
_BIGRAM_LAST = frozenset(b.rsplit(" ", 1)[-1] for b in ROLE_BIGRAMS)
# Lower-case words that can start a name by cue (titles, roles, "named", the last word of a bigram).
_CUE_ANY = TITLES | ROLE_WORDS | STRONG_CUES | frozenset(b.split()[-1] for b in ROLE_BIGRAMS) | {"is", "me"}


# What a token's text alone lets `scan_names` do with it, decided once per distinct token text (and kept
# across scans, see `_classes`): most capitalised words of a note ("Main", "Patient", "St") can start no
# name or place unless a word beside them says so, and the loop then skips them after a few look-ups.
_CANDIDATE = 1  # may start a name or place at all (capitalised, a cue word, a lower-case name, another script)
_ANY_RULE = 2  # some rule may fire on the token's text alone: run them all
_COMMA_NEXT = 4  # a surname ("Lopez, Maria"; "Grant, Hollis"): fires only with a comma after it
_CITY_NEXT = 8  # the first word of longer gazetteer places only: fires only with a capital after it
_TOWN_CUE = 16  # the first word of a smaller place: fires only after a place cue, a street's type or near a state
_SURNAME_NEXT = 32  # a given name that is also a word ("Mark Lopez"): fires only before a census surname
# recall2's rules, each declaring the token texts it can fire on (the gate then asks only for its neighbour):
_KIN_NEXT = 64  # 2d, "Asya's kid": a possessive on a name list or on none; fires only before a relative
_SPEAKER = 128  # 2d, 'Mika: "who are you?"': such a word; fires only with a colon after it
_VOCATIVE = 256  # 2c, "Aloisia, can I...": a given name; fires only before ", " and a question's word
# recall3 (b), '"...", says Iwase.', "Alvir spent", "Alvir D. Pusaver": an unknown word with a drug's ending;
# fires only after a say-cue, before a person's own verb or before an initial
_DRUGISH = 512
_TRAVEL = 1024  # recall3 (c), "we returned to kiel": a verb of a journey; fires only before "to" and a lower-case word
# recall3 (e), "bertram m. jørgensen", a line "emidio p lombardo": a lower-case middle initial (not "a", "i");
# fires only between two lower-case words
_LOWER_INITIAL = 2048
# recall3 (g), a given name that is also a word ("Destiny", "Angel") where the text's shape says person; fires
# only at a line's start before a colon (a dialogue), or (i) before a surname that ends the sentence ("Sue Young."),
# or (h) between a verb of giving and "his"/"her"/"their" ("had given Angel his address")
_NAME_WORD = 4096
_R3_FLAGS = _DRUGISH | _TRAVEL | _LOWER_INITIAL | _NAME_WORD
# 2b, "home city Voorburg", "the town of Villafranca": nearly any capitalised word; fires only after a
# place's kind (`_KIND_CUES`), which the gate tests on the word before (no flag)
# Words before a token that let a place rule fire (3a's run cues, "in/to/near/from <Place>", 3b's town cues).
_PREV_CUES = frozenset("in from near at outside to toward towards".split())


def _token_class(word: str, low: str, lex: Lexicons) -> int:
    """0 for a token no rule starts at; else `_CANDIDATE` with `_ANY_RULE`, or with the flags of the
    only rules the loop of `scan_names` can fire on this token when no neighbour (a place cue before
    it, a clinical verb after it, a state or a facility near) says more. A superset: a rule this
    says may fire still runs its own tests."""
    c = word[0]
    if not (c.isupper() or low in _CUE_ANY or not word.isascii() or low in lex.lower_first):
        if len(word) == 1 and c.islower() and c not in "ai":
            return _CANDIDATE | _LOWER_INITIAL
        return _CANDIDATE | _TRAVEL if low in _MOVE_VERBS else 0
    if not c.isupper() or len(low) <= 1:
        return _CANDIDATE | _ANY_RULE  # lower case, caseless scripts, initials: their own branches
    if (low in TITLES or low in STRONG_CUES or low in ROLE_WORDS or low in ("is", "me") or low in _BIGRAM_LAST
            or " " in low or (low,) in lex.cities or low in lex.first
            or ("-" in low and low.split("-", 1)[0] in lex.first)):
        return _CANDIDATE | _ANY_RULE
    english = lex.english_common
    if (len(low) > 2 and not (word.isupper() and len(word) <= 5) and low not in english
            and low not in COMMON and low not in _NEVER and low not in lex.first_any
            and "'" not in low and not _DRUG_STEM.search(low) and bool(english)
            and not (low.endswith("s") and low[:-1] in english)
            and (word[1:].islower() or word.isupper() or word.startswith(("Mc", "Mac")))):
        return _CANDIDATE | _ANY_RULE  # an unknown word (rule 8) unless a digit follows it
    flags = _CANDIDATE
    if _drugish(word, low, lex):
        flags |= _DRUGISH
    if low in _MOVE_VERBS:
        flags |= _TRAVEL
    # 2d: the word a relative or a quoted line names (as the rule tests it on a capitalised word)
    if (low not in _NEVER and low not in _FUNCTION and low not in COMMON and not word.isupper()
            and (low in lex.first_any or low in lex.foreign
                 or (low not in english and low not in lex.english_frequent))):
        flags |= _SPEAKER
        if word[-2:] in _POSSESSIVE:
            flags |= _KIN_NEXT
    # 2c: a given name addressed at a sentence's start
    if ((low in lex.first_any or low in lex.foreign) and low not in _NEVER and low not in _FUNCTION
            and not word.isupper()):
        flags |= _VOCATIVE | _NAME_WORD
    if low in lex.last:
        if low in lex.common_last and len(low) > 2 and not word.isupper() and low not in english:
            return _CANDIDATE | _ANY_RULE  # a frequent surname alone mid-sentence
        flags |= _COMMA_NEXT
    if low in COMMON:
        if low in lex.last_any:
            flags |= _COMMA_NEXT
        if low in lex.first_any:
            flags |= _SURNAME_NEXT
    if low in lex.city_first_tokens:
        flags |= _CITY_NEXT
    if low in lex.town_first_tokens:
        flags |= _TOWN_CUE
    return flags


# recall3 (b): what a person does and a drug does not: after a name with a drug's ending ("Alvir spent")
_DRUGISH_VERBS = frozenset(
    "lives lived said says shouted told tells wrote writes asked asks moved flew spent speaks sang sings".split())


def _drugish(word: str, low: str, lex: Lexicons) -> bool:
    """A capitalised word rule 8 would take but for its drug's ending ("Alvir", "Iwase"): no list knows it."""
    english = lex.english_common
    return (len(low) > 2 and word[1:].islower() and bool(english) and low not in english and low not in COMMON
            and low not in _NEVER and low not in lex.first_any and low not in lex.english and "'" not in low
            and bool(_DRUG_STEM.search(low)) and not (low.endswith("s") and low[:-1] in english))


# recall3 (c), (e): the only token texts those two rules fire on (a middle initial, a verb of a journey)
_R3_LOWER = frozenset("bcdefghjklmnopqrstuvwxyz") | _MOVE_VERBS
# recall3 (c): verbs of a journey whose "to" takes a place, not a ward ("moved to stepdown", "went to bed")
_JOURNEY = frozenset("flew fly flying travelled traveled travel drove relocated".split())


def _lower_place(low: str, verb: str, lex: Lexicons) -> bool:
    """A lower-case word after "<verb> to" that is a place: a gazetteer place no common English word
    spells ("kiel"), or after a journey a word no dictionary or frequency list knows ("finnbogastadir")."""
    if (len(low) < 4 or not low.isalpha() or low in lex.english_common or low in COMMON or low in _NEVER
            or low in _FUNCTION or _DRUG_STEM.search(low)):
        return False
    if (low,) in lex.towns or (low,) in lex.cities:
        return True
    return (verb in _JOURNEY and len(low) >= 5 and low not in lex.english and low not in lex.english_frequent
            and not _ENGLISH_SUFFIX.search(low))


# recall3 (g): after a speaker's name: a colon and a sentence; and a whole line that is spoken
_SPEAKER_LINE = re.compile(r":[ \t]{1,2}[\"\u201c]?[A-Z]")
_SPOKEN_LINE = re.compile(r"[ \t]*([A-Z][^\W\d_]{1,30}):[ \t]{1,2}[\"\u201c]?[A-Z]")


def _dialogue_beside(text: str, start: int, end: int, lex: Lexicons) -> bool:
    """Is the line before or after the one starting at `start` spoken by another given name that no
    dictionary holds ("Ella: What a wife.")?"""
    word = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    prev_start = text.rfind("\n", 0, line_start - 1) + 1 if line_start > 0 else -1
    nxt = text.find("\n", end)
    for pos in (prev_start, nxt + 1 if nxt >= 0 else -1):
        if pos < 0:
            continue
        m = _SPOKEN_LINE.match(text, pos)
        if m is not None and m.group(1) != word:
            low = fold(m.group(1).lower())
            if (low in lex.first or low in lex.foreign) and low not in lex.english_common and low not in COMMON:
                return True
    return False


# recall3 (h): verbs that take a person and then a thing ("given Angel his address"), and the thing's owner
_GIVE_VERBS = frozenset("gave given give gives giving handed hand hands sent send sends showed shown show shows "
                        "told tell tells offered offer lent lend paid pay brought bring".split())
_THEIR = frozenset("his her their".split())


_KEPT_LEN = 48  # longer token texts are classed each time, not kept


_classes = TokenMemo(1 << 17)  # `_token_class` per token text, per lexicons


def scan_names(text: str, lex: Lexicons) -> Iterator[Hit]:
    """Yield NAME and LOCATION candidates (spans only)."""
    # One C-level split gives tokens and the gaps between them; offsets are running sums of lengths.
    parts = (_SPLIT_ASCII if text.isascii() else _SPLIT).split(text)
    words = parts[1::2]
    n = len(words)
    if not n:
        return
    cum = list(accumulate(map(len, parts)))
    starts = cum[0::2]
    ends = cum[1::2]
    if text.isascii():
        lows = list(map(str.lower, words))
    else:
        lows = [w if w.isascii() else fold(w) for w in map(str.lower, words)]
    for apos in ("'s", "\u2019s"):  # possessives are looked up without the "'s"
        p = text.find(apos)
        while p >= 0:
            k = bisect_right(starts, p) - 1
            if k >= 0 and ends[k] == p + 2:
                lows[k] = lows[k][:-2]
            p = text.find(apos, p + 2)
    first, last, common_last = lex.first, lex.last, lex.common_last
    first_common, common_last = lex.first_common, lex.common_last
    top = lex.english_top

    def frequent_word(w: str) -> bool:
        """In lower case after a title, a relative or "name", one of the 3,000 most frequent English words
        is the word ("Mrs individual", "brother forward", "daughter else"), unless it is a frequent given
        name or surname ("daughter maria", "Mr brown")."""
        return w in top and w not in first_common and w not in common_last
    towns, town_first = lex.towns, lex.town_first_tokens
    cities, city_first = lex.cities, lex.city_first_tokens
    consumed_until = -1  # token index up to which a name or place was already emitted

    def gap(j: int) -> str:
        return parts[2 * j]

    def cap(j: int) -> bool:
        c = words[j][0]
        return c.isupper() or (not c.islower() and not c.isascii())  # scripts without case count as capitalised

    def namey(j: int) -> bool:
        w = lows[j]
        return w not in COMMON and w not in TITLES and w not in ROLE_WORDS and w not in STATES

    def sentence_start(j: int) -> bool:
        k = starts[j] - 1
        while k >= 0 and text[k] in " \t\"'(":
            k -= 1
        return k < 0 or text[k] in _SENTENCE_END

    def extend(j: int, allow_lower: bool) -> int:
        """Index of the last token of a name starting at j (surname, middle names, initials)."""
        end = j
        k = j + 1
        while k < n and k - j < 3:
            g = gap(k)
            if not (_SPACE_GAP.match(g) or (len(words[k - 1]) == 1 and _INITIAL_GAP.match(g))
                    or (cap(k) and _NICK_GAP.match(g))):
                break
            if not cap(k) and lows[k] in _PARTICLES:  # "Maika van de Noort", "Ludwig van Beethoven"
                p = k
                while p < n and p - k < 3 and lows[p] in _PARTICLES and not cap(p) and _SPACE_GAP.match(gap(p)):
                    p += 1
                if p < n and p > k and cap(p) and _SPACE_GAP.match(gap(p)) and namey(p):
                    end = p
                    k = p + 1
                    continue
                break
            if not namey(k) and not (cap(k) and lows[k] in lex.last_any and lows[k] not in _NEVER) and not (
                    # recall3 (a): a state's name that is a frequent surname after a given name ("Christine Washington")
                    k == j + 1 and cap(k) and lows[k] in STATES and lows[k] in lex.common_last
                    and lows[j] in lex.first_any):
                break
            if cap(k) or (allow_lower and (lows[k] in last or _APOS_NAME.match(lows[k]))):
                end = k
                k += 1
                continue
            if allow_lower and k == j + 1 and _lower_surname(lows[k]):
                end = k
            break
        return end

    def list_items(j1: int) -> Iterator[Hit]:
        """After a cue's name: more names in a list ("children Ana, Luis and Sofia")."""
        nonlocal consumed_until
        k = j1 + 1
        while k < n:
            g = gap(k)
            if lows[k] == "and" and k + 1 < n and _SPACE_GAP.match(gap(k + 1)) and g in (" ", ", "):
                k += 1
            elif g not in (", ", ","):
                return
            if not (cap(k) and (namey(k) or lows[k] in lex.first_any) and lows[k] not in _NEVER):
                return
            if ((lows[k],) in cities or (lows[k],) in towns) and lows[k] not in lex.first_any:
                return
            e1 = extend(k, allow_lower=False)
            s1, e2 = span(k, e1)
            yield ("NAME", s1, e2, 0.85, "name-list")
            consumed_until = e1
            k = e1 + 1

    def _lower_surname(w: str) -> bool:
        return (
            len(w) > 1 and w not in COMMON and w not in _NEVER and w not in _FUNCTION and w not in PLACE_CUES
            and w not in SUBJECT_VERBS and w not in _LOWER_STOP and w not in _MOVE_VERBS  # "mr. elliott flew to"
            and ((not _VERBISH.search(w) and "'" not in w and w.isalpha()) or bool(_APOS_NAME.match(w)))
        )

    def place_run_start_ok(i: int) -> bool:
        """A place run starts after a comma, a place cue, a line or sentence start."""
        if i == 0:
            return True
        g = gap(i)
        return "," in g or "\n" in g or lows[i - 1] in PLACE_CUES or sentence_start(i) or ":" in g

    def _facility_end(i: int) -> int | None:
        """Last token of "<Proper words> <Hospital|Clinic|Medical Center ...>" starting at i, or None."""
        proper = False
        k = i
        while k < n and k - i < 5:
            if k > i and not (_SPACE_GAP.match(gap(k)) or (lows[k - 1] in ("st", "mt") and _INITIAL_GAP.match(gap(k)))):
                return None
            if not cap(k):
                return None
            lw = lows[k]
            if k > i and proper and (lw in _FACILITY_HEADS or (k + 1 < n and cap(k + 1) and _SPACE_GAP.match(gap(k + 1))
                                                               and f"{lw} {lows[k + 1]}" in _FACILITY_PAIRS)):
                end = k if lw in _FACILITY_HEADS else k + 1
                if end + 1 < n and lows[end + 1] in _FACILITY_NOT_AFTER and _SPACE_GAP.match(gap(end + 1)):
                    return None  # "Brief Hospital Course": a note's section, not a place
                return end
            if lw not in COMMON and lw not in _NEVER:
                proper = True
            elif lw in _FUNCTION or lw in ROLE_WORDS:
                return None
            k += 1
        return None

    english = lex.english_common  # for capitalised words: a rare word on a name list reads as a name
    foreign = lex.foreign
    lower_first, lower_last = lex.lower_first, lex.lower_last

    def unknown(j: int) -> bool:
        """A capitalised word that no dictionary, census or gazetteer list knows and that is no acronym."""
        wd = words[j]
        lw = lows[j]
        return (
            len(lw) > 2 and wd[0].isupper() and not (wd.isupper() and len(wd) <= 5) and lw not in english
            and lw not in COMMON and lw not in _NEVER and lw not in first and lw not in lex.first_any
            and "'" not in lw and not _DRUG_STEM.search(lw) and bool(english)
            and not (lw.endswith("s") and lw[:-1] in english)
            # written like a name: "Kadiev", "SUWALKI", "McAdoo"; not "NaCl", "SpO2", "pH"
            and (wd[1:].islower() or wd.isupper() or wd.startswith(("Mc", "Mac")))
            and not (ends[j] < len(text) and text[ends[j]].isdigit())
        )

    frequent = lex.english_frequent

    def unlisted_lower(w: str) -> bool:
        """A lower-case word no dictionary, frequency list or drug stem knows, shaped like a surname."""
        return (len(w) >= 4 and w.isalpha() and w not in english and w not in frequent and w not in lex.english
                and _lower_surname(w) and not _DRUG_STEM.search(w))

    def lone_unknown(j: int) -> bool:
        """Recall first (Philter's way: what no safe list holds is redacted): an unknown capitalised word
        alone mid-sentence ("than early Bulgakov?", "the Ruoho novel") is a name, unless English text
        uses it often ("Metallica", "Tylenol"), it is a form of a dictionary word ("Killed"), a field's
        label ("Info:"), in capitals (a code), an eponym, or a drug: in a list, after a medication verb or
        before a dose ("Spiriva, Symbicort", "on Xarelto", "Keppra 500 mg")."""
        lw = lows[j]
        wd = words[j]
        if (lw in frequent or wd.isupper() or sentence_start(j) or eponym_next(j) or _derived(lw, english)
                or ("-" in lw and all(p in english for p in lw.split("-")))):
            return False
        e = ends[j]
        if text[e:e + 1] in (":", ",") or "," in gap(j) or _DOSE_AFTER.match(text, e):
            return False  # a label, or one of a list (a medication list: "Spiriva, Symbicort, Xarelto")
        # recall3 (f): a town's ending names a place even after "to" or "of" ("the world to Niitabury")
        return not (j > 0 and lows[j - 1] in _MED_CUES) or bool(_TOWN_ENDING.search(lw))

    def eponym_next(j: int) -> bool:
        """Is token j an eponym ("Hashimoto thyroiditis", "Crohn's disease")? By the word after it."""
        if j + 1 >= n or not _SPACE_GAP.match(gap(j + 1)):
            return False
        nxt = lows[j + 1]
        return nxt in _EPONYM_HEADS or bool(_DRUG_STEM.search(nxt))

    def span(j0: int, j1: int) -> tuple[int, int]:
        s, e = starts[j0], ends[j1]
        if text[e - 2 : e] in ("'s", "\u2019s"):
            e -= 2
        return s, e

    # Facility names end in a head word: only look for one when the text has a head word at all.
    fac_words = _FACILITY_CAP.intersection(words)
    fac_heads = [starts[k] for k in compress(range(n), map(fac_words.__contains__, words))] if fac_words else []
    n_fac, fm = len(fac_heads), 0

    # Where a state name or abbreviation follows a comma or precedes a ZIP: "<Town>, <ST>" can only end there.
    state_words = _STATE_TOKENS.intersection(words)
    state_marks = [
        starts[k] for k in compress(range(n), map(state_words.__contains__, words))
        if "," in parts[2 * k] or (k + 1 < n and parts[2 * k + 2][:1] in " \t" and parts[2 * k + 2].strip()[:1].isdigit())
    ] if state_words else []
    n_state, sm = len(state_marks), 0

    def caprun(i: int, limit: int) -> int:
        """How many capitalised tokens (single spaces or "St. ") run from i, up to limit."""
        k = i + 1
        while k < n and k - i < limit and cap(k) and _INITIAL_GAP.match(gap(k)):
            k += 1
        return k - i

    # Each token's class (`_token_class`), looked up in one C-level pass; the loop visits the candidates
    # and its gate skips those whose class allows no rule where they stand.
    classes = _classes.table(lex)
    kinds = list(map(classes.get, words))
    if None in kinds:  # texts not seen before: class each new distinct text once, then fill in C
        fresh = {wd: _token_class(wd, lows[j], lex) for wd, j in dict(zip(words, range(n))).items() if wd not in classes}
        kinds = list(map(fresh.get, words, kinds))
        classes.update((wd, k) for wd, k in fresh.items() if len(wd) <= _KEPT_LEN)
    subject_verbs, prev_cues, comma_gap, initial_gap = SUBJECT_VERBS, _PREV_CUES, _COMMA_GAP, _INITIAL_GAP
    kin_after, vocative_next, kind_cues = _KIN_AFTER, _VOCATIVE_NEXT, _KIND_CUES
    last_any, first_any, r3_flags = lex.last_any, lex.first_any, _R3_FLAGS
    give_verbs, say_cues, drugish_verbs = _GIVE_VERBS, _SAY_CUES, _DRUGISH_VERBS
    for i in compress(range(n), kinds):
        w = lows[i]
        if i <= consumed_until:
            continue
        near_state = False
        if n_state:
            while sm < n_state and state_marks[sm] < starts[i]:
                sm += 1
            near_state = sm < n_state and state_marks[sm] - starts[i] <= 64
        near_fac = False
        if n_fac:
            while fm < n_fac and fac_heads[fm] < ends[i]:
                fm += 1
            near_fac = fm < n_fac and fac_heads[fm] - ends[i] <= 64
        kind = kinds[i]
        if not kind & _ANY_RULE and not near_state and not near_fac and not (i > 0 and lows[i - 1] in prev_cues) and not (
                i + 2 < n and (lows[i + 2] in subject_verbs or (i + 3 < n and lows[i + 3] in subject_verbs))):
            nxt = i + 1 < n
            if not ((kind & _COMMA_NEXT and nxt and comma_gap.match(parts[2 * i + 2]))
                    or (kind & _CITY_NEXT and nxt and cap(i + 1) and initial_gap.match(parts[2 * i + 2]))
                    or (kind & _TOWN_CUE and i > 0 and lows[i - 1] in _STREET_TYPES and parts[2 * i] in (", ", ","))
                    or (kind & _SURNAME_NEXT and nxt and lows[i + 1] in last)
                    or (kind & _KIN_NEXT and nxt and lows[i + 1] in kin_after)
                    or (kind & _SPEAKER and parts[2 * i + 2][:1] == ":")
                    or (kind & _VOCATIVE and nxt and parts[2 * i + 2] == ", " and lows[i + 1] in vocative_next)
                    or (kind & r3_flags and (  # recall3's rules: one test for the tokens none of them names
                        (kind & _LOWER_INITIAL and i > 0 and nxt and parts[2 * i] == " " and len(words[i - 1]) > 2
                         and len(words[i + 1]) > 1 and words[i - 1][0].islower() and words[i + 1][0].islower())
                        or (kind & _NAME_WORD and (
                            (parts[2 * i + 2][:1] == ":" and (i == 0 or "\n" in parts[2 * i]))
                            or (nxt and parts[2 * i + 4][:1] in (".", "!") and lows[i + 1] in last_any)
                            or (nxt and i > 0 and lows[i - 1] in give_verbs and lows[i + 1] in _THEIR)))
                        or (kind & _TRAVEL and i + 2 < n and lows[i + 1] == "to" and not cap(i + 2))
                        or (kind & _DRUGISH and ((i > 0 and lows[i - 1] in say_cues) or (nxt and (
                            lows[i + 1] in drugish_verbs or (len(words[i + 1]) == 1 and words[i + 1].isupper())))))))
                    or (i > 0 and lows[i - 1] in kind_cues and (lows[i - 1] == "hometown" or (i > 1 and (
                        lows[i - 2] in _KIND_HEADS if lows[i - 1] == "of" else lows[i - 2] in _KIND_BEFORE))))):
                continue
        # 1. titles: Mr. Smith, Dr. holmes, Mrs Ana Lopez-Garcia
        if w in TITLES and i + 1 < n and _TITLE_GAP.match(gap(i + 1)) and (
            namey(i + 1) or (cap(i + 1) and lows[i + 1] not in _NEVER)
        ) and (
            cap(i + 1) or w not in ("pa", "np", "rn", "sr", "miss")
        ) and (
            # a title spelled as a word ("professor", "miss") may end a sentence, and in lower case
            # it is as often a noun: then only a census name or a capital in the same sentence follows
            (w in _ABBREV_TITLES and (cap(i + 1) or "." in gap(i + 1) or lows[i + 1] not in lex.english
                                      or lows[i + 1] in first))
            or ("." not in gap(i + 1) and (
                cap(i + 1) if words[i][0].islower() and lows[i + 1] not in first else True))
        ) and not (not cap(i + 1) and frequent_word(lows[i + 1])):
            j1 = extend(i + 1, allow_lower=not cap(i + 1))
            s, e = span(i + 1, j1)
            yield ("NAME", s, e, 0.95, "name-title")
            consumed_until = j1
            continue
        # 2. roles and cues: daughter Ana, seen by Holmes, name: john smith
        # "call me višeslav": after "call me", a lower-case word on a given-name list or on no list at all
        call_me = w == "me" and i > 0 and lows[i - 1] in ("call", "calls", "called") and i + 1 < n and (
            cap(i + 1) or lows[i + 1] in lower_first or unlisted_lower(lows[i + 1]))
        strong = w in STRONG_CUES or (w == "is" and i > 0 and lows[i - 1] == "name") or call_me
        cue = strong or w in ROLE_WORDS or (i > 0 and (w in _BIGRAM_LAST or " " in w) and f"{lows[i - 1]} {w}" in ROLE_BIGRAMS)
        if cue and i + 1 < n and _CUE_GAP.match(gap(i + 1)):
            k = i + 1
            if lows[k] in ("is", "was") and k + 1 < n and _SPACE_GAP.match(gap(k + 1)):
                k += 1
            # a census first name that is also a word ("guy", "star") counts only when capitalised
            lexical = lows[k] in first or (cap(k) and lows[k] in lex.first_any and lows[k] not in _FUNCTION)
            # a lower-case word after a relative is a name when a census list knows it; after "named"
            # or "name:" any name-shaped word is
            if not cap(k) and frequent_word(lows[k]):
                lexical = False
            unknown_lower = not cap(k) and _lower_surname(lows[k]) and not frequent_word(lows[k]) and (
                strong or (w in FAMILY_ROLES and (
                    lows[k] in lex.first_any or lows[k] in lex.last_any
                    or (not _ENGLISH_SUFFIX.search(lows[k]) and (
                        lows[k] not in lex.english
                        # "husband amrita spence": a dictionary word, but a census surname follows
                        or (k + 1 < n and _SPACE_GAP.match(gap(k + 1)) and not cap(k + 1) and lows[k + 1] in last))))))
            if (namey(k) or (lexical and lows[k] not in _NEVER)) and (
                cap(k) or lexical or unknown_lower
            ):
                if not (cap(k) and lows[k] not in first and lows[k] not in last and words[k].isupper()):
                    j1 = extend(k, allow_lower=not cap(k))
                    s, e = span(k, j1)
                    # "Patient Education:", "Patient Instructions:": a section head, not the patient's name
                    if not (j1 == k and cap(k) and text[e:e + 1] == ":" and lows[k] in lex.english):
                        yield ("NAME", s, e, 0.9, "name-cue")
                        consumed_until = j1
                        yield from list_items(j1)
                        continue
        # 2d. a person named by what they have: "Asya's kid", "roberto's daughter"; and a speaker whose line
        # quotes them: 'mika: "who are you?"'. The word is on a name list or on no list at all.
        after = parts[2 * i + 2]  # the gap after this word
        if ((
                (words[i][-2:] in _POSSESSIVE and i + 1 < n and lows[i + 1] in _KIN_AFTER and _SPACE_GAP.match(after))
                or (after[:1] == ":" and (i == 0 or "\n" in parts[2 * i]) and _SPEAKER_QUOTE.match(after)))
                and w not in _NEVER and w not in _FUNCTION and w not in COMMON and not words[i].isupper()
                and (w in lex.first_any or w in lex.foreign or (cap(i) and w not in english and w not in frequent)
                     or unlisted_lower(w))):
            s, e = span(i, i)
            yield ("NAME", s, e, 0.6, "name-cue")
            consumed_until = i
            continue
        if w in _R3_LOWER:  # one set test for the two rules below (a middle initial, a journey's verb)
            # recall3 (e): a lower-case given name, a middle initial and a surname: "bertram m. jørgensen" (a census
            # given name, the initial with a full stop), or a line of its own "emidio p lombardo" (a given name or a
            # word no list knows); the surname on a surname list or on no list at all, never a dictionary word
            if (len(w) == 1 and words[i].islower() and w not in "ai" and 0 < i < n - 1 and gap(i) == " "
                    and len(words[i - 1]) > 2 and len(words[i + 1]) > 1 and words[i - 1][0].islower()
                    and words[i + 1][0].islower() and _INITIAL_GAP.match(gap(i + 1))):
                f, g = lows[i - 1], lows[i + 1]
                dotted = gap(i + 1)[:1] == "."
                own_line = ((i == 1 or "\n" in gap(i - 1)) and (i + 2 == n or "\n" in gap(i + 2))
                            and gap(i - 1).strip(" \t\r\n") == "" and (i + 2 == n or gap(i + 2).strip(" \t\r\n") == ""))
                if (g not in lex.english and g not in _NEVER and (g in lower_last or unlisted_lower(g)) and len(f) > 2
                        and f not in _NEVER and f not in _FUNCTION and not _DRUG_STEM.search(f) and (
                            (dotted and (f in lower_first or f in first))
                            or (own_line and (f in lower_first or f in first or unlisted_lower(f))))):
                    s, e = span(i - 1, i + 1)
                    yield ("NAME", s, e, 0.55, "name-lower")
                    consumed_until = i + 1
                    continue
            # recall3 (c): a lower-case place after a journey: "we returned to kiel", "flew to finnbogastaðir"
            if (w in _MOVE_VERBS and i + 2 < n and lows[i + 1] == "to" and _SPACE_GAP.match(gap(i + 1))
                    and _SPACE_GAP.match(gap(i + 2)) and words[i + 2][0].islower()
                    and _lower_place(lows[i + 2], w, lex)):
                yield ("LOCATION", starts[i + 2], ends[i + 2], 0.6, "place-travel")
                consumed_until = i + 2
                continue
        if not cap(i):
            # "olga krylova", "aksel kristensen": a lower-case given name then a lower-case surname, both
            # on a name list and neither a dictionary word (a note writes drugs and findings in lower case,
            # and no name list holds them)
            if i + 1 < n and w in lower_first and _SPACE_GAP.match(gap(i + 1)) and not cap(i + 1):
                k = i + 1
                if (len(lows[k]) == 1 and k + 1 < n and "." in gap(k + 1) and _INITIAL_GAP.match(gap(k + 1))
                        and not cap(k + 1)):
                    k += 1  # a middle initial: "eric g. samoylova"
                # the surname on a list, or a word no dictionary or frequency list knows ("olga krylova")
                if lows[k] in lower_last or unlisted_lower(lows[k]):
                    j1 = extend(k, allow_lower=True)
                    s, e = span(i, j1)
                    yield ("NAME", s, e, 0.5, "name-lower")
                    consumed_until = j1
            continue
        # "Mark Lopez", "Jack Deleon": a first name that is also a word, then a surname that is not
        if (w in COMMON and w in lex.first_any and w not in _NEVER and not words[i].isupper() and i + 1 < n
                and _SPACE_GAP.match(gap(i + 1)) and cap(i + 1) and lows[i + 1] in last and not words[i + 1].isupper()):
            j1 = extend(i + 1, allow_lower=False)
            s, e = span(i, j1)
            yield ("NAME", s, e, 0.8, "name-lexicon")
            consumed_until = j1
            continue
        # "Grant, Hollis": a surname that is also a word, a comma, then a census first name
        if (w in COMMON and w in lex.last_any and w not in _NEVER and i + 1 < n and _COMMA_GAP.match(gap(i + 1))
                and cap(i + 1) and lows[i + 1] in first
                and not _STATE_AFTER.match(text, ends[i + 1])):
            j1 = extend(i + 1, allow_lower=False)
            s, e = span(i, j1)
            yield ("NAME", s, e, 0.8, "name-lexicon")
            consumed_until = j1
            continue
        # a word in a script without case (CJK, Arabic, Hebrew, Devanagari...) in Latin text: a name
        if not words[i][0].isupper() and lows[i] not in first and text.isascii() is False and _caseless(words[i]):
            j1 = i
            while j1 + 1 < n and j1 - i < 3 and _SPACE_GAP.match(gap(j1 + 1)) and _caseless(words[j1 + 1]):
                j1 += 1
            if j1 == i and len(words[i]) == 1 and not _LOGOGRAPH.match(words[i]):
                continue  # one letter of an alphabet is no name: the "ג" of mis-decoded UTF-8 ("ג€“" for "–")
            yield ("NAME", starts[i], ends[j1], 0.65, "name-script")
            consumed_until = j1
            continue
        # 2b. a place named after its kind: "home city Voorburg", "the town of Villafranca del Cid", "hometown
        # ΜΟΝΗ ΑΓΙΩΝ ΑΝΑΡΓΥΡΩΝ": the capitalised words (with place particles) right after the head
        prev = lows[i - 1] if i > 0 else ""
        if (prev in _KIND_CUES and (
                prev == "hometown"
                or (i > 1 and _SPACE_GAP.match(gap(i - 1)) and (
                    (prev in _KIND_HEADS and lows[i - 2] in _KIND_BEFORE)
                    or (prev == "of" and lows[i - 2] in _KIND_HEADS))))
                and _SPACE_GAP.match(gap(i)) and _kind_place_word(w)):
            j1 = i
            while j1 + 1 < n and j1 - i < 4 and _SPACE_GAP.match(gap(j1 + 1)) and (
                    (cap(j1 + 1) and _kind_place_word(lows[j1 + 1]))
                    or (lows[j1 + 1] in _PLACE_PARTICLES and j1 + 2 < n and cap(j1 + 2)
                        and _SPACE_GAP.match(gap(j1 + 2)))):
                j1 += 1 if cap(j1 + 1) else 2
            yield ("LOCATION", starts[i], ends[j1], 0.7, "place-kind")
            consumed_until = j1
            continue
        # 2c. a given name addressed at a sentence's start: "Aloisia, can I please speak to your boss?"
        if (after == ", " and i + 1 < n and lows[i + 1] in _VOCATIVE_NEXT and sentence_start(i)
                and (w in lex.first_any or w in lex.foreign) and w not in _NEVER and w not in _FUNCTION
                and not words[i].isupper()):
            yield ("NAME", starts[i], ends[i], 0.6, "name-vocative")
            consumed_until = i
            continue
        # (g), (h), (i) below: a given name that is also a common word ("Destiny", "Angel", "Sue"; other given
        # names are names by the lexicon rules already)
        given = (w in COMMON and (w in first_any or w in foreign) and w not in _NEVER and w not in _FUNCTION
                 and not words[i].isupper())
        # recall3 (g): a dialogue: "Ella: What a wife.\nDestiny: Remember me". A given name that is also a word,
        # at a line's start before a colon and a sentence, when the line before or after is spoken too, by a
        # given name no dictionary holds (a form's fields, "Plan: Rest.\nNote: none", are no dialogue)
        if (given and after[:1] == ":" and (i == 0 or "\n" in gap(i)) and _SPEAKER_LINE.match(text, ends[i]) is not None
                and _dialogue_beside(text, starts[i], ends[i], lex)):
            yield ("NAME", starts[i], ends[i], 0.6, "name-speaker")
            consumed_until = i
            continue
        # recall3 (h): someone given something of their own: "David had given Angel his address", "handed Hope
        # her coat": a given name that is also a word, between a verb of giving and "his"/"her"/"their"
        if (given and i + 1 < n and i > 0 and lows[i - 1] in give_verbs and lows[i + 1] in _THEIR and gap(i) == " "
                and gap(i + 1) == " " and w not in FAMILY_ROLES):
            yield ("NAME", starts[i], ends[i], 0.55, "name-given")
            consumed_until = i
            continue
        # recall3 (i): a sentence that is only a name: "... of politics. Sue Young. Specific ...": a given name
        # and a surname, both on name lists (and so both words too), alone between two sentence ends
        if (given and i + 1 < n and parts[2 * i + 4][:1] in (".", "!") and lows[i + 1] in last_any
                and gap(i + 1) == " " and cap(i + 1) and not words[i + 1].isupper() and lows[i + 1] not in _NEVER
                and lows[i + 1] not in _FUNCTION and i > 0 and sentence_start(i)):
            s, e = span(i, i + 1)
            yield ("NAME", s, e, 0.55, "name-sentence")
            consumed_until = i + 1
            continue
        # A common word ("Patient", "Follow") can only start a place: skip it unless one could start here.
        if w in COMMON and len(w) > 1 and not near_state and not n_fac and w not in city_first and w not in town_first:
            continue
        # 3a. a place of two or more capitalised words after a place cue, one of them no dictionary word and
        # none a given name or surname: "in Den Haag", "from Ostrov nad Ohri" (not after "to": "spoke to <Name>")
        if i > 0 and lows[i - 1] in _RUN_CUES and _SPACE_GAP.match(gap(i)) and not words[i].isupper():
            j1 = i
            while j1 + 1 < n and j1 - i < 4 and _SPACE_GAP.match(gap(j1 + 1)) and (
                    cap(j1 + 1) or (lows[j1 + 1] in _PLACE_PARTICLES and j1 + 2 < n and cap(j1 + 2)
                                    and _SPACE_GAP.match(gap(j1 + 2)))):
                j1 += 1 if cap(j1 + 1) else 2
            run = [k for k in range(i, j1 + 1) if cap(k)]
            if (len(run) >= 2 and all(_place_word(lows[k], words[k]) for k in run)
                    and any(lows[k] not in lex.english and lows[k] not in COMMON for k in run)
                    and lows[i] not in lex.first_any and lows[i] not in lex.last_any and lows[i] not in foreign
                    and not eponym_next(j1)):
                yield ("LOCATION", starts[i], ends[j1], 0.6, "place-run")
                consumed_until = j1
                continue
        # 3. places from the gazetteer: longest match first
        if w in city_first:
            for size in range(caprun(i, lex.max_city_tokens), 0, -1):
                key = tuple(lows[i : i + size])
                if key in cities and all(
                    _INITIAL_GAP.match(gap(k)) and cap(k) for k in range(i + 1, i + size)
                ):
                    s, e = starts[i], ends[i + size - 1]
                    nxt = i + size
                    if nxt < n and _SPACE_GAP.match(gap(nxt)) and (cap(nxt) or lows[nxt] in _CONNECT) and lows[nxt] not in _NEVER and namey(nxt):
                        break
                    after = _STATE_AFTER.match(text, e)
                    before = lows[i - 1] if i > 0 else ""
                    ambiguous = size == 1 and (w in first or w in last or (w in lex.english and sentence_start(i)))
                    if after:
                        conf = 0.95
                    elif before in PLACE_CUES:
                        conf = 0.85
                    elif ambiguous:
                        break
                    else:
                        conf = 0.8
                    yield ("LOCATION", s, e, conf, "place-gazetteer")
                    consumed_until = i + size - 1
                    break
            if consumed_until >= i:
                continue
        # 3b. smaller US places (500+ people): only with a place cue or a state after them
        # (or right after a street's type word and a comma: "975 Bay Street, Toronto")
        after_street = w in town_first and i > 0 and lows[i - 1] in _STREET_TYPES and gap(i) in (", ", ",")
        if w in town_first and (near_state or after_street or (i > 0 and lows[i - 1] in _TOWN_CUES)):
            before = lows[i - 1] if i > 0 else ""
            before2 = lows[i - 2] if i > 1 else ""
            for size in range(caprun(i, lex.max_town_tokens), 0, -1):
                key = tuple(lows[i : i + size])
                if key in towns and all(_INITIAL_GAP.match(gap(k)) and cap(k) for k in range(i + 1, i + size)):
                    e = ends[i + size - 1]
                    nxt = i + size
                    if nxt < n and _SPACE_GAP.match(gap(nxt)) and cap(nxt) and lows[nxt] not in _NEVER and namey(nxt):
                        break
                    after = _STATE_AFTER.match(text, e)
                    if (after and after.group(0).strip(" ,") in _CREDENTIAL_STATES and before not in _TOWN_CUES
                            and not _ZIP_NEXT.match(text, after.end())):
                        after = None
                    ambiguous = size == 1 and (w in lex.first_any or w in last)
                    strong = before2 in STRONG_PLACE_CUES and before in _TOWN_CUES
                    if after or strong or ((before in _TOWN_CUES or after_street) and not ambiguous):
                        yield ("LOCATION", starts[i], e, 0.9 if after else 0.8, "place-gazetteer")
                        consumed_until = i + size - 1
                    break
            if consumed_until >= i:
                continue
        # 3c. facilities: "St. Mary's Hospital", "Lakeside Nursing Home", "Mayo Clinic"
        if near_fac:
            fac = _facility_end(i)
            if fac is not None:
                yield ("LOCATION", starts[i], ends[fac], 0.8, "facility")
                consumed_until = fac
                continue
        # 4. "<Town>, <ST>" and "lives in <Town>" for towns the gazetteer lacks
        if near_state and w not in _NEVER and not words[i].isupper():
            j1 = i
            while j1 + 1 < n and j1 - i < 4 and (_SPACE_GAP.match(gap(j1 + 1)) or (
                lows[j1] in ("st", "ft", "mt") and _INITIAL_GAP.match(gap(j1 + 1)))) and (
                (cap(j1 + 1) and lows[j1 + 1] not in _NEVER) or (lows[j1 + 1] in _CONNECT and j1 + 2 < n and cap(j1 + 2))
            ):
                j1 += 1
            e1 = ends[j1]
            after = _STATE_AFTER.match(text, e1) if e1 + 2 < len(text) and (text[e1] == "," or text[e1 + 1].isupper()) else None
            if after and after.group(0).strip(" ,") in _CREDENTIAL_STATES and not _ZIP_NEXT.match(text, after.end()):
                after = None
            if after and place_run_start_ok(i):
                yield ("LOCATION", starts[i], ends[j1], 0.85, "place-context")
                consumed_until = j1
                continue
        if i > 1 and lows[i - 1] in ("in", "to", "near", "from") and (lows[i - 2] in STRONG_PLACE_CUES or w in city_first) and namey(i):
            j1 = i
            while j1 + 1 < n and j1 - i < 4 and (_SPACE_GAP.match(gap(j1 + 1)) or (
                lows[j1] in ("st", "ft", "mt") and _INITIAL_GAP.match(gap(j1 + 1)))) and (
                (cap(j1 + 1) and namey(j1 + 1)) or (lows[j1 + 1] in _CONNECT and j1 + 2 < n and cap(j1 + 2))
            ):
                j1 += 1
            yield ("LOCATION", starts[i], ends[j1], 0.75, "place-context")
            consumed_until = j1
            continue
        # 5. lexicon names: capitalised census first name, then surname words
        fw = w if w in first else (w.split("-", 1)[0] if "-" in w and w.split("-", 1)[0] in first else "")
        if fw and namey(i) and not (words[i].isupper() and len(w) <= 3):
            j1 = extend(i, allow_lower=False)
            s, e = span(i, j1)
            if j1 == i and w in CLINICAL_ABBREVIATIONS and _VALUE_NEXT.match(text, e):
                continue  # a census name that is a lab's abbreviation, before its value: "BUN 32 Na 134"
            if j1 > i:
                conf = 0.9
            elif sentence_start(i):
                # "Card on file": a rare census name alone at a sentence start is a word, unless a
                # person's verb follows ("Verda lives nearby", "Thaddeus had given notice")
                if fw not in first_common and not (
                        i + 1 < n and _SPACE_GAP.match(gap(i + 1)) and lows[i + 1] in _SUBJECT_PERSON_VERBS):
                    continue
                conf = 0.7
            else:
                conf = 0.75
            yield ("NAME", s, e, conf, "name-lexicon")
            consumed_until = j1
            continue
        # 5b. an initial and a surname: "J. Smith", "A. M. Lopez"
        if len(w) == 1 and words[i].isupper() and i + 1 < n and _INITIAL_GAP.match(gap(i + 1)) and "." in gap(i + 1):
            k = i + 1
            if len(lows[k]) == 1 and words[k].isupper() and k + 1 < n and _INITIAL_GAP.match(gap(k + 1)):
                k += 1
            if cap(k) and len(lows[k]) > 1 and lows[k] in lex.last_any and lows[k] not in _NEVER and not words[k].isupper():
                s, e = span(i, k)
                yield ("NAME", s, e, 0.8, "name-initial")
                consumed_until = k
                continue
        # 6. "Lopez, Maria" and a frequent surname standing alone mid-sentence
        if w in last and namey(i):
            if (i + 1 < n and _COMMA_GAP.match(gap(i + 1)) and cap(i + 1) and lows[i + 1] in first
                    and not any(c.isdigit() for c in gap(i))
                    and not _STATE_AFTER.match(text, ends[extend(i + 1, allow_lower=False)])):
                j1 = extend(i + 1, allow_lower=False)
                s, e = span(i, j1)
                yield ("NAME", s, e, 0.88, "name-lexicon")
                consumed_until = j1
                continue
        # 7. two or three unknown capitalised words as the subject of a clinical verb: "Aarav Iyer was admitted"
        if (i + 2 < n and (lows[i + 2] in SUBJECT_VERBS or (i + 3 < n and lows[i + 3] in SUBJECT_VERBS))
                and namey(i) and not words[i].isupper() and _SPACE_GAP.match(gap(i + 1)) and cap(i + 1) and namey(i + 1)):
            j1 = i + 1
            if j1 + 1 < n and _SPACE_GAP.match(gap(j1 + 1)) and cap(j1 + 1) and namey(j1 + 1):
                j1 += 1
            before = lows[i - 1] if i > 0 else ""
            if (j1 + 1 < n and _SPACE_GAP.match(gap(j1 + 1)) and lows[j1 + 1] in SUBJECT_VERBS
                    and before not in PLACE_CUES and not any(words[k].isupper() for k in range(i, j1 + 1))):
                s, e = span(i, j1)
                yield ("NAME", s, e, 0.7, "name-subject")
                consumed_until = j1
                continue
        if w in last and namey(i):
            if w in common_last and len(w) > 2 and not words[i].isupper() and not sentence_start(i) and w not in english:
                s, e = span(i, i)
                yield ("NAME", s, e, 0.55, "surname-lexicon")
                continue
        # recall3 (b): a name with a drug's ending where only a person stands: after a say-cue at the end of a
        # quote's attribution ('says Iwase.'), before a person's own verb ("Alvir spent a year"), or before an
        # initial and a surname ("Alvir D. Pušaver"). Elsewhere such a word stays a drug ("on Lisinopril").
        if ((i > 0 and lows[i - 1] in say_cues) or (i + 1 < n and (
                lows[i + 1] in drugish_verbs or len(words[i + 1]) == 1))) and words[i][0].isupper() and _drugish(
                words[i], w, lex):
            after_i = parts[2 * i + 2]
            j1 = -1
            if (i > 0 and lows[i - 1] in _SAY_CUES and _SPACE_GAP.match(gap(i))
                    and (i + 1 >= n or after_i[:1] in (".", ",", "!", "?"))):
                j1 = i
            elif i + 1 < n and _SPACE_GAP.match(after_i) and lows[i + 1] in _DRUGISH_VERBS:
                j1 = i
            elif (i + 2 < n and len(words[i + 1]) == 1 and words[i + 1].isupper() and _INITIAL_GAP.match(after_i)
                    and _INITIAL_GAP.match(gap(i + 2)) and cap(i + 2) and not words[i + 2].isupper()
                    and (unknown(i + 2) or lows[i + 2] in lex.last_any or not words[i + 2].isascii())
                    and lows[i + 2] not in _NEVER):
                j1 = i + 2
            if j1 >= 0:
                s, e = span(i, j1)
                yield ("NAME", s, e, 0.55, "name-unknown")
                consumed_until = j1
                continue
        # 8. capitalised words no dictionary lists ("Mashuu Samurakami", "Suwałki"): a name or a place.
        # Alone at a sentence start only when another such word follows; never an acronym or a drug stem.
        if unknown(i):
            j1 = i
            while j1 + 1 < n and j1 - i < 3 and (
                    _SPACE_GAP.match(gap(j1 + 1)) or (len(words[j1]) == 1 and _INITIAL_GAP.match(gap(j1 + 1)))) and (
                    unknown(j1 + 1) or (cap(j1 + 1) and namey(j1 + 1) and (lows[j1 + 1] in last or lows[j1 + 1] in first))
                    or (len(words[j1 + 1]) == 1 and words[j1 + 1].isupper() and j1 + 2 < n and unknown(j1 + 2))
                    # a surname spelled with letters English has not ("Darijo Čurin"), whatever its folded form
                    or (cap(j1 + 1) and not words[j1 + 1].isascii() and words[j1 + 1][1:].islower()
                        and lows[j1 + 1] not in _NEVER and lows[j1 + 1] not in COMMON)):
                j1 += 1
            # a surname after lower-case particles: "Willemine ten Pas", "Maika van de Noort"
            p = j1 + 1
            while p < n and p - j1 <= 2 and lows[p] in _PARTICLES and not cap(p) and _SPACE_GAP.match(gap(p)):
                p += 1
            if (p > j1 + 1 and p < n and cap(p) and _SPACE_GAP.match(gap(p)) and not words[p].isupper()
                    and lows[p] not in _NEVER and lows[p] not in _FUNCTION):
                j1 = p
            # alone, only where a place or a person is expected: drug brands and eponyms ("Plavix",
            # "Raynaud") are capitalised unknown words too, and they come alone
            before = lows[i - 1] if i > 0 and _SPACE_GAP.match(gap(i)) else ""
            after_and = (i + 2 < n and lows[i + 1] == "and" and cap(i + 2)
                         and (lows[i + 2] in last or lows[i + 2] in first) and _SPACE_GAP.match(gap(i + 1)))
            before2 = lows[i - 2] if i > 1 and before else ""
            verb_after = (j1 + 1 < n and _SPACE_GAP.match(gap(j1 + 1)) and lows[j1 + 1] in _PERSON_VERBS
                          and not (lows[j1 + 1] == "is" and not (j1 + 2 < n and lows[j1 + 2] in ("from", "very", "my"))))
            after_gap = gap(i + 1) if i + 1 < n else ""
            if (j1 > i or before in _UNKNOWN_CUES or after_and or verb_after
                    or (before in ("to", "into") and before2 in _MOVE_VERBS)
                    # recall first, where a drug brand or an eponym is unlikely:
                    # a word in another alphabet's spelling (Šušulić, Ásgeirsdóttir), not a known eponym
                    or (not words[i].isascii() and lows[i] not in _EPONYMS)
                    # a given name or surname of another country (Faker's locales), mid-sentence
                    or (lows[i] in foreign and not sentence_start(i) and not eponym_next(i))
                    # a speaker at a line's start ("Halldór: What a wife.")
                    # (not a note's section head: "Neuro: A&Ox3")
                    or ((i == 0 or "\n" in gap(i)) and _SPEAKER_GAP.match(text, ends[i]) is not None
                        and lows[i] not in CLINICAL_ABBREVIATIONS)
                    # in a list with a census name ("Monjeau, Graves and Reed")
                    or (i + 2 < n and after_gap.strip() == "," and cap(i + 2)
                        and (lows[i + 2] in last or lows[i + 2] in first))
                    or before in _SAY_CUES
                    or (before == "of" and before2 in _PLACE_HEADS)
                    or (j1 + 1 < n and _SPACE_GAP.match(gap(j1 + 1)) and lows[j1 + 1] in _PERSON_VERBS_MORE)
                    or (j1 == i and lone_unknown(i))):
                s, e = span(i, j1)
                yield ("NAME", s, e, 0.6 if j1 > i else 0.5, "name-unknown")
                consumed_until = j1


# recall3 (f): endings of English and Nordic town names that no drug name has ("Niitabury", "Lake Deanville").
_TOWN_ENDING = re.compile(
    r"(?:bury|borough|burgh|burg|berg|ville|ford|field|chester|mouth|haven|stad|stead|wick|shire)\Z")
# Before a drug name: "on Xarelto", "started Keppra", "switched to Eliquis" (the word just before it).
_MED_CUES = frozenset(
    """on started start starting restart restarted continue continued continuing take takes taking took
    given give prescribed prescribe increased increase decreased decrease held hold stopped stop
    discontinued discontinue titrated titrate switched changed added add trial tried using uses use
    to of with and or plus mg mcg g ml units""".split()
)  # "4 mg Zofran IV": after a dose, a drug
# After a drug name: a dose ("Keppra 500 mg", "Xarelto 20mg", "Humira 40 mg/0.4 mL").
_DOSE_AFTER = re.compile(r"[ \t]{0,2}\d")


def _derived(low: str, english: frozenset[str]) -> bool:
    """A dictionary word's plural, past, -ing or -er form ("killed", "hobbits")."""
    for suf in ("s", "es", "ed", "d", "ing", "er", "ers"):
        if low.endswith(suf) and low[: -len(suf)] in english:
            return True
    return False


# After "<name>'s": a relative or a household ("Asya's kid").
_KIN_AFTER = FAMILY_ROLES | frozenset("kid baby widow widower family funeral".split())
# After a speaker's name at a line's start: a colon and an opening quote.
_SPEAKER_QUOTE = re.compile(":[ \t]*[\"\u201c]")
_POSSESSIVE = frozenset(("'s", "\u2019s"))
# After "<Given name>, " at a sentence start: a question or request put to that person.
_VOCATIVE_NEXT = frozenset("can could would will please i you do did are have thank thanks how what where when why we".split())
# "home city X", "the town of X": the word naming a place's kind, and the words that may stand before it.
_KIND_HEADS = frozenset("city town village municipality commune township borough".split())
_KIND_BEFORE = frozenset("home native capital birth".split())
_KIND_CUES = _KIND_HEADS | {"hometown", "of"}  # the word right before such a place (one set test per word)


# capitalised words after "city"/"town" that name no place ("the City Council", "the town Hall")
_KIND_NOT = frozenset("council hall center centre limits manager clerk line square".split())


def _kind_place_word(low: str) -> bool:
    return low not in _NEVER and low not in TITLES and low not in _FUNCTION and low not in _KIND_NOT


_STREET_TYPES = frozenset(w.lower() for w in _SUFFIX_WORDS if len(w) > 3)  # "street", "avenue", "road" (not "st")
_RUN_CUES = frozenset("in from near at outside".split())
# Lower-case words inside a place's name ("Villafranca del Cid", "Ostrov nad Ohri", "Frankfurt am Main").
_PLACE_PARTICLES = frozenset("de del della di da do dos das du des la le los las nad pod na u v am an der im sur sous".split())


def _place_word(low: str, word: str) -> bool:
    """A word that can be part of a place's name after a cue (not a title, role, acronym or clinical word)."""
    return (len(low) > 0 and low not in _NEVER and low not in TITLES and low not in _FUNCTION
            and not (word.isupper() and len(word) <= 5 and len(word) > 1) and "'" not in word and "\u2019" not in word
            and not _DRUG_STEM.search(low) and low not in _EPONYM_HEADS and low not in _FACILITY_END)


# A list of names: "Monjeau, Graves and Reed", "Marrero and Murphy". One member found as a name makes the
# capitalised words listed beside it names too (`list_neighbours`).
_LIST_NEXT = re.compile(r"(?:,[ \t]{1,2}(?:and[ \t]{1,2})?|[ \t]{1,2}(?:and|&)[ \t]{1,2})([A-Z][\w'\-]*[^\W\d_])(?![\w'\-])")
_LIST_PREV = re.compile(r"(?<![\w'\-])([A-Z][\w'\-]*[^\W\d_])(?:,[ \t]{1,2}(?:and[ \t]{1,2})?|[ \t]{1,2}(?:and|&)[ \t]{1,2})\Z")
_LIST_REACH = 48  # characters before a name searched for the member in front of it
_LIST_MAX = 4  # members taken on each side


def list_neighbours(text: str, names: list[tuple[int, int]], lex: Lexicons) -> Iterator[Hit]:
    """NAME candidates for the single words listed beside a found name, on either side (spans only)."""

    def member(word: str) -> bool:
        low = fold(word)
        if word.isupper() or low in COMMON or low in _NEVER or low in STATES or low in _FUNCTION:
            return False
        if len(low) < 3 or ("'" in low and not _APOS_NAME.match(low)):  # "I'm", "We'll"; not "O'Brien"
            return False
        on_list = low in lex.last_any or low in lex.first_any or low in lex.foreign
        return on_list or (low not in lex.english_common and not _DRUG_STEM.search(low))

    for s, e in names:
        pos = e
        # most names stand in no list: look for a comma, "and" or "&" next to it before any regex
        nxt = text[e:e + 6]
        for _ in range(_LIST_MAX if nxt[:1] == "," or "and" in nxt or "&" in nxt else 0):
            m = _LIST_NEXT.match(text, pos)
            if m is None or not member(m.group(1)):
                break
            yield ("NAME", m.start(1), m.end(1), 0.6, "name-list")
            pos = m.end(1)
        pos = s
        prev = text[max(0, s - 8):s]
        for _ in range(_LIST_MAX if "," in prev or "and" in prev or "&" in prev else 0):
            m = _LIST_PREV.search(text, max(0, pos - _LIST_REACH), pos)
            if m is None or not member(m.group(1)):
                break
            yield ("NAME", m.start(1), m.end(1), 0.6, "name-list")
            pos = m.start(1)


# recall3 (d): a house number written after the street's name, with no street word: "lives on the north side of
# Joaquin Suarez 2906.", "enter on Hoge Wei 32 St.". A found name or place after a place's preposition, then a
# number that ends the sentence or comes before "St."; never a year, nor a count ("to Ana Lopez 3 times").
_NUMBER_AFTER = re.compile(r"[ \t]{1,2}(\d{1,5}[A-Za-z]?)(?:\.?(?=[ \t]*(?:\n|\Z|[,;!?)]))|(?=\.(?:[ \t]|\n|\Z))"
                           r"|(?=[ \t]+(?:St|Str|Street|st|street)\b))")
_NUMBER_CUE_BEFORE = re.compile(r"(?<![\w'\-])(?:on|of|at|to)[ \t]{1,2}\Z", re.I)


# ... and two streets' names joined by "and", the house number after the second: "return to Leon and Eyrarodda 66",
# "is Anne-Lotte and Aqqusinersuaq 99" (the second no given name: "to Ana and Luis 2 times" is two people)
_AND_NUMBER = re.compile(r"[ \t]+(?:and|&)[ \t]+([A-Z][\w'\-]*[^\W\d_])[ \t]+\d{1,5}(?![\w/.,:]?\d|[\w/])"
                         r"(?![ \t]*(?:%|(?:x|times|days?|weeks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|"
                         r"mg|mcg|g|kg|lbs?|units?|ml|mL|am|pm|o'clock)\b))")
_AND_CUE_BEFORE = re.compile(r"(?<![\w'\-])(?:on|of|at|to|is)[ \t]{1,2}\Z", re.I)


def numbered_places(text: str, spans: list[tuple[int, int]], lex: Lexicons) -> Iterator[Hit]:
    """LOCATION candidates for the house number right after a found name or place (the number only), and
    for two streets joined by "and" before a house number (all of it)."""
    n = len(text)
    for s, e in spans:
        if text.startswith((" and ", " & "), e):
            m = _AND_NUMBER.match(text, e)
            if (m is not None and fold(m.group(1).lower()) not in lex.first_any
                    and _AND_CUE_BEFORE.search(text, max(0, s - 8), s) is not None):
                yield ("LOCATION", s, m.end(), 0.6, "street-number")
            continue
        if e + 1 >= n or not text[e + 1].isdigit() or text[e] not in " \t":
            continue  # most names are followed by no number: one look at two characters
        m = _NUMBER_AFTER.match(text, e)
        if m is None or _NUMBER_CUE_BEFORE.search(text, max(0, s - 8), s) is None:
            continue
        num = m.group(1)
        if num.isdigit() and len(num) == 4 and 1900 <= int(num) <= 2099:
            continue  # "moved to Tampere 2019."
        yield ("LOCATION", m.start(1), m.end(1), 0.6, "street-number")


# Another mention of a name already found: "directed by Wacława Adamska and starring Adamska", "my name is
# borna jerković but everyone calls me borna". A note names its patient once in full and then by one part of
# the name; each word of a found NAME is looked for again, as written (case kept), in the same text.
_MENTION_MAX = 16  # distinct words looked for again per text (each look is one C-level find over the text)
_MENTION_NAMES = 64  # found names whose words are taken (a note names its people early)
_MENTION_WORDS = 24  # distinct name words counted in the text (each count is one pass over it)
_MENTION_REACH = 1 << 16  # ... over its first 64 KiB (a note is a few KiB; a 1 MiB paste is not read 24 times)
_MENTION_OCC = 4096  # occurrences looked at per text in all: the work stays bounded on a 1 MiB text of names


def repeat_mentions(text: str, names: list[tuple[int, int]], lex: Lexicons) -> Iterator[Hit]:
    """NAME candidates for the other occurrences of the words of found names (spans only)."""
    if not names:
        return
    found: dict[str, int] = {}  # name word -> how many found names hold it
    for s, e in names[:_MENTION_NAMES]:
        for w in text[s:e].split():
            w = w.strip(".,'\u2019\"()")
            if len(w) >= 3:
                found[w] = found.get(w, 0) + 1
    wanted: list[str] = []
    for w, held in list(found.items())[:_MENTION_WORDS]:
        # most name words occur only inside the names found: one C-level count settles them
        if text.count(w, 0, _MENTION_REACH) <= held:
            continue
        low = fold(w)
        if (low in COMMON or low in _NEVER or low in _FUNCTION or low in TITLES or not TOKEN.fullmatch(w)
                or w.isupper() or (not w[0].isupper() and low in lex.english)):
            continue
        wanted.append(w)
    spans = sorted(names)
    starts = [s for s, _ in spans]
    n = len(text)
    budget = _MENTION_OCC
    for w in wanted[:_MENTION_MAX]:
        # a capitalised dictionary word ("Key", "Angel") at a sentence start is the word, not the name
        wordy = fold(w) in lex.english_common
        pos = text.find(w)
        while pos >= 0 and budget > 0:
            budget -= 1
            end = pos + len(w)
            if (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "-'")) and (
                    end == n or not (text[end].isalnum() or text[end] == "-")):
                k = bisect_right(starts, pos) - 1
                inside = k >= 0 and spans[k][1] >= end
                if not inside and not (wordy and _after_sentence_end(text, pos)):
                    yield ("NAME", pos, end, 0.6, "name-repeat")
            pos = text.find(w, end)


def _after_sentence_end(text: str, pos: int) -> bool:
    k = pos - 1
    while k >= 0 and text[k] in " \t\"'(":
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


# Names joined by "and" (and commas): "Marrero and Murphy were", "Monjeau, Graves and Reed". A surname that
# is also a word ("Graves", "Reed") is read as a name when the words beside it in the list are names too.
_JOINED = re.compile(r"(?<![\w'\-])((?:[A-Z][\w'\-]*[^\W\d_],[ \t]{1,2}){0,3}[A-Z][\w'\-]*[^\W\d_]),?[ \t]{1,2}(?:and|&)[ \t]{1,2}"
                     r"([A-Z][\w'\-]*[^\W\d_])(?![\w'\-])")
_JOINED_REACH = 80  # characters before " and " searched for the first member


def joined_names(text: str, lex: Lexicons) -> Iterator[Hit]:
    """NAME candidates for two or more capitalised single words joined by "and", each on a name list or
    unknown to the dictionary, at least one on a census or locale name list and not a common English
    word; never eponyms ("Crohn's and Graves' disease") or a drug stem (spans only)."""
    n = len(text)
    pos = text.find(" and ")
    if pos < 0 and " & " not in text:
        return
    for conj in (" and ", " & "):
        pos = text.find(conj)
        while pos >= 0:
            k = pos + len(conj)
            if not (k < n and text[k].isupper() and pos > 0 and text[pos - 1].isalpha()):
                pos = text.find(conj, pos + 1)  # most "and"s join lower-case words: no regex for them
                continue
            a = max(0, pos - _JOINED_REACH)
            m = None
            for m in _JOINED.finditer(text, a, min(n, pos + len(conj) + 48)):
                if m.start(2) == pos + len(conj):
                    break
            else:
                m = None
            if m is not None:
                members = [(x.start() + m.start(1), x.end() + m.start(1)) for x in re.finditer(r"[^\s,]+", m.group(1))]
                members.append(m.span(2))
                # the first members only as far as they still read as names (a sentence's capitalised first word is not)
                ok: list[tuple[int, int]] = []
                for s, e in reversed(members):
                    w = text[s:e]
                    low = fold(w)
                    if not _joined_member(w, low, lex):
                        break
                    ok.append((s, e))
                after = text[m.end():m.end() + 24].lower().split()
                nxt = after[0].strip(".,;:") if after else ""
                listed = [fold(text[s:e]) for s, e in ok]
                if (len(ok) >= 2 and nxt not in _EPONYM_HEADS and not _DRUG_STEM.search(nxt)
                        and any((w in lex.last_any or w in lex.first_any or w in lex.foreign) and w not in lex.english_common
                                for w in listed)):
                    for s, e in ok:
                        yield ("NAME", s, e, 0.55, "name-joined")
            pos = text.find(conj, pos + 1)


def _joined_member(word: str, low: str, lex: Lexicons) -> bool:
    if word.isupper() or len(low) < 3 or "'" in low or low in _NEVER or low in STATES or low in _FUNCTION:
        return False
    if low in lex.last_any or low in lex.first_any or low in lex.foreign:
        return low not in _EPONYMS
    return low not in COMMON and low not in lex.english and not _DRUG_STEM.search(low)
