//! `scan_names` (`runtime/redaction/names.py`): names and places from context cues and the census
//! and gazetteer lexicons, in one pass over the words. A line-by-line port for ASCII text: same rules,
//! same order, same hits; the Python function stays the oracle (`tests/native/test_names.py`).
//!
//! The text is tokenised once over bytes; a token's lower-case text is a slice of the lower-cased
//! text, so lexicon lookups borrow and never allocate. Python's memo of rule classes across scans
//! (`TokenMemo`) becomes a per-scan map from each distinct token text to its class and to the bits of
//! the hand-kept word sets it is in (`bit`), so most set tests in the rules are bit tests.

// Conditions are spelled as the Python spells them (`not (a and not b)`), so that each reads against its
// line of names.py; the rules' `if` chains keep the Python's branches apart even where two give the same.
#![allow(
    clippy::nonminimal_bool,
    clippy::if_same_then_else,
    clippy::needless_range_loop
)]

pub mod lists;

use std::sync::LazyLock;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use regex::bytes::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::lexicons::{Lexicons, TUPLE_SEP};
use crate::structured::py_space;
use lists::*;

/// (category, start, end, confidence, detector), as `patterns.Hit`.
pub type Hit = (&'static str, usize, usize, f64, &'static str);

// The gate's classes (`_token_class`), bit for bit as names.py numbers them.
const CANDIDATE: u16 = 1;
const ANY_RULE: u16 = 2;
const COMMA_NEXT: u16 = 4;
const CITY_NEXT: u16 = 8;
const TOWN_CUE: u16 = 16;
const SURNAME_NEXT: u16 = 32;
const KIN_NEXT: u16 = 64;
const SPEAKER: u16 = 128;
const VOCATIVE: u16 = 256;
const DRUGISH: u16 = 512;
const TRAVEL: u16 = 1024;
const LOWER_INITIAL: u16 = 2048;
const NAME_WORD: u16 = 4096;
const R3_FLAGS: u16 = DRUGISH | TRAVEL | LOWER_INITIAL | NAME_WORD;

/// `_STATE_AFTER`, anchored at the slice's start (`re.match(text, pos)` is a match at `pos`; `\b` is
/// ASCII's, as `re`'s is on ASCII text).
static STATE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?-u:,?[ \t]+(?:{STATE_ABBR}|{STATE_NAMES_RE})\b)"
    ))
    .expect("state regex")
});

/// One bit per hand-kept word set: a token's bits are looked up once per distinct text (with its class),
/// and the rules' set tests on tokens are then bit tests.
mod bit {
    pub const NEVER: u64 = 1 << 0;
    pub const COMMON: u64 = 1 << 1;
    pub const FUNCTION: u64 = 1 << 2;
    pub const SUBJECT_VERBS: u64 = 1 << 3;
    pub const TITLES: u64 = 1 << 4;
    pub const MOVE_VERBS: u64 = 1 << 5;
    pub const TOWN_CUES: u64 = 1 << 6;
    pub const SAY_CUES: u64 = 1 << 7;
    pub const ROLE_WORDS: u64 = 1 << 8;
    pub const PLACE_CUES: u64 = 1 << 9;
    pub const PARTICLES: u64 = 1 << 10;
    pub const KIND_HEADS: u64 = 1 << 11;
    pub const DRUGISH_VERBS: u64 = 1 << 12;
    pub const CONNECT: u64 = 1 << 13;
    pub const VOCATIVE_NEXT: u64 = 1 << 14;
    pub const THEIR: u64 = 1 << 15;
    pub const STRONG_PLACE_CUES: u64 = 1 << 16;
    pub const STRONG_CUES: u64 = 1 << 17;
    pub const STREET_TYPES: u64 = 1 << 18;
    pub const STATES: u64 = 1 << 19;
    pub const PLACE_PARTICLES: u64 = 1 << 20;
    pub const KIN_AFTER: u64 = 1 << 21;
    pub const KIND_CUES: u64 = 1 << 22;
    pub const KIND_BEFORE: u64 = 1 << 23;
    pub const GIVE_VERBS: u64 = 1 << 24;
    pub const FAMILY_ROLES: u64 = 1 << 25;
    pub const FACILITY_HEADS: u64 = 1 << 26;
    pub const EPONYM_HEADS: u64 = 1 << 27;
    pub const BIGRAM_LAST: u64 = 1 << 28;
    pub const UNKNOWN_CUES: u64 = 1 << 29;
    pub const SUBJECT_PERSON_VERBS: u64 = 1 << 30;
    pub const RUN_CUES: u64 = 1 << 31;
    pub const PREV_CUES: u64 = 1 << 32;
    pub const PLACE_HEADS: u64 = 1 << 33;
    pub const PERSON_VERBS_MORE: u64 = 1 << 34;
    pub const PERSON_VERBS: u64 = 1 << 35;
    pub const MED_CUES: u64 = 1 << 36;
    pub const LOWER_STOP: u64 = 1 << 37;
    pub const KIND_NOT: u64 = 1 << 38;
    pub const JOURNEY: u64 = 1 << 39;
    pub const FACILITY_END: u64 = 1 << 40;
    pub const CUE_ANY: u64 = 1 << 41;
    pub const ABBREV_TITLES: u64 = 1 << 42;
    pub const R3_LOWER: u64 = 1 << 43;
}

/// Every hand-kept set's words with their bits.
static WORD_BITS: LazyLock<FxHashMap<String, u64>> = LazyLock::new(|| {
    let mut m: FxHashMap<String, u64> = FxHashMap::default();
    let sets: [(&Words, u64); 43] = [
        (&*NEVER, bit::NEVER),
        (&*COMMON, bit::COMMON),
        (&*FUNCTION, bit::FUNCTION),
        (&*SUBJECT_VERBS, bit::SUBJECT_VERBS),
        (&*TITLES, bit::TITLES),
        (&*MOVE_VERBS, bit::MOVE_VERBS),
        (&*TOWN_CUES, bit::TOWN_CUES),
        (&*SAY_CUES, bit::SAY_CUES),
        (&*ROLE_WORDS, bit::ROLE_WORDS),
        (&*PLACE_CUES, bit::PLACE_CUES),
        (&*PARTICLES, bit::PARTICLES),
        (&*KIND_HEADS, bit::KIND_HEADS),
        (&*DRUGISH_VERBS, bit::DRUGISH_VERBS),
        (&*CONNECT, bit::CONNECT),
        (&*VOCATIVE_NEXT, bit::VOCATIVE_NEXT),
        (&*THEIR, bit::THEIR),
        (&*STRONG_PLACE_CUES, bit::STRONG_PLACE_CUES),
        (&*STRONG_CUES, bit::STRONG_CUES),
        (&*STATES, bit::STATES),
        (&*PLACE_PARTICLES, bit::PLACE_PARTICLES),
        (&*KIN_AFTER, bit::KIN_AFTER),
        (&*KIND_CUES, bit::KIND_CUES),
        (&*KIND_BEFORE, bit::KIND_BEFORE),
        (&*GIVE_VERBS, bit::GIVE_VERBS),
        (&*FAMILY_ROLES, bit::FAMILY_ROLES),
        (&*FACILITY_HEADS, bit::FACILITY_HEADS),
        (&*EPONYM_HEADS, bit::EPONYM_HEADS),
        (&*BIGRAM_LAST, bit::BIGRAM_LAST),
        (&*UNKNOWN_CUES, bit::UNKNOWN_CUES),
        (&*SUBJECT_PERSON_VERBS, bit::SUBJECT_PERSON_VERBS),
        (&*RUN_CUES, bit::RUN_CUES),
        (&*PREV_CUES, bit::PREV_CUES),
        (&*PLACE_HEADS, bit::PLACE_HEADS),
        (&*PERSON_VERBS_MORE, bit::PERSON_VERBS_MORE),
        (&*PERSON_VERBS, bit::PERSON_VERBS),
        (&*MED_CUES, bit::MED_CUES),
        (&*LOWER_STOP, bit::LOWER_STOP),
        (&*KIND_NOT, bit::KIND_NOT),
        (&*JOURNEY, bit::JOURNEY),
        (&*FACILITY_END, bit::FACILITY_END),
        (&*CUE_ANY, bit::CUE_ANY),
        (&*ABBREV_TITLES, bit::ABBREV_TITLES),
        (&*R3_LOWER, bit::R3_LOWER),
    ];
    for (set, bit) in sets {
        for w in set.iter() {
            *m.entry((*w).to_string()).or_default() |= bit;
        }
    }
    for w in STREET_TYPES.iter() {
        *m.entry(w.clone()).or_default() |= bit::STREET_TYPES;
    }
    m
});

/// The hand-kept sets a lower-case token text is in.
fn word_bits(low: &str) -> u64 {
    WORD_BITS.get(low).copied().unwrap_or(0)
}

/// `namey`: on none of the common, title, role or state lists.
const NOT_NAMEY: u64 = bit::COMMON | bit::TITLES | bit::ROLE_WORDS | bit::STATES;

/// `str.capitalize()` of an ASCII word.
pub(crate) fn capitalize(w: &str) -> String {
    let mut s = w.to_ascii_lowercase();
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    s
}

/// Python's `str.isspace()` on one ASCII byte (`\x1c`-`\x1f` count, as `re`'s `\s` does).
#[inline]

/// `str.isupper()` on ASCII: a cased letter and no lower-case one.
#[inline]
fn is_upper(w: &[u8]) -> bool {
    w.iter().any(u8::is_ascii_uppercase) && !w.iter().any(u8::is_ascii_lowercase)
}

/// `str.islower()` on ASCII.
#[inline]
fn is_lower(w: &[u8]) -> bool {
    w.iter().any(u8::is_ascii_lowercase) && !w.iter().any(u8::is_ascii_uppercase)
}

/// `str.isalpha()` on ASCII.
#[inline]
fn is_alpha(w: &[u8]) -> bool {
    !w.is_empty() && w.iter().all(u8::is_ascii_alphabetic)
}

#[inline]
fn ends_any(w: &str, sufs: &[&str]) -> bool {
    sufs.iter().any(|s| w.ends_with(s))
}

/// `_DRUG_STEM.search(w)`: the word ends in a drug's or a clinical term's stem.
#[inline]
fn drug_stem(w: &str) -> bool {
    ends_any(w, DRUG_STEM)
}

/// `[ \t]{lo,hi}` over all of `g`.
#[inline]
fn blanks(g: &[u8], lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&g.len()) && g.iter().all(|&b| b == b' ' || b == b'\t')
}

/// `_SPACE_GAP`: `[ \t]{1,3}\Z`, matched at the gap's start.
#[inline]
fn space_gap(g: &[u8]) -> bool {
    blanks(g, 1, 3)
}

/// `_INITIAL_GAP` (and `_TITLE_GAP`): `\.?[ \t]{1,3}\Z`.
#[inline]
fn initial_gap(g: &[u8]) -> bool {
    blanks(g.strip_prefix(b".").unwrap_or(g), 1, 3)
}

/// `_COMMA_GAP`: `,[ \t]{1,3}\Z`.
#[inline]
fn comma_gap(g: &[u8]) -> bool {
    g.first() == Some(&b',') && blanks(&g[1..], 1, 3)
}

/// `_CUE_GAP`: `[ \t]*(?:[,:?][ \t]*)?\Z`.
fn cue_gap(g: &[u8]) -> bool {
    let mut seen_mark = false;
    for &b in g {
        match b {
            b' ' | b'\t' => {}
            b',' | b':' | b'?' if !seen_mark => seen_mark = true,
            _ => return false,
        }
    }
    true
}

/// `_NICK_GAP`: `[ \t]{1,2}["(]\Z|[")][ \t]{1,2}\Z`.
fn nick_gap(g: &[u8]) -> bool {
    match (g.first(), g.last()) {
        (_, Some(b'"' | b'(')) if blanks(&g[..g.len() - 1], 1, 2) => true,
        (Some(b'"' | b')'), _) => blanks(&g[1..], 1, 2),
        _ => false,
    }
}

/// `_APOS_NAME.match(w)`: `(?:o|d|l|mc|mac|di|da)'[a-z]{2,}\Z`.
fn apos_name(w: &str) -> bool {
    ["o'", "d'", "l'", "mc'", "mac'", "di'", "da'"]
        .iter()
        .any(|p| {
            w.strip_prefix(p)
                .is_some_and(|rest| rest.len() >= 2 && rest.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// `_SPEAKER_QUOTE.match(gap)`: `:[ \t]*["\u201c]`.
fn speaker_quote(g: &[u8]) -> bool {
    g.first() == Some(&b':') && g[1..].iter().find(|&&b| b != b' ' && b != b'\t') == Some(&b'"')
}

/// `_VERBISH.search(w)`.
#[inline]
fn verbish(w: &str) -> bool {
    ends_any(w, VERBISH)
}

/// The lexicon sets `scan_names` reads, borrowed from the handed-over `Lexicons` (references only:
/// copied into each scan of a multi-text request).
#[derive(Clone, Copy)]
pub(crate) struct Lex<'a> {
    first: &'a FxHashSet<String>,
    first_any: &'a FxHashSet<String>,
    last: &'a FxHashSet<String>,
    last_any: &'a FxHashSet<String>,
    common_last: &'a FxHashSet<String>,
    cities: &'a FxHashSet<String>,
    city_first: &'a FxHashSet<String>,
    max_city_tokens: i64,
    first_common: &'a FxHashSet<String>,
    towns: &'a FxHashSet<String>,
    town_first: &'a FxHashSet<String>,
    max_town_tokens: i64,
    english: &'a FxHashSet<String>,
    foreign: &'a FxHashSet<String>,
    english_common: &'a FxHashSet<String>,
    lower_first: &'a FxHashSet<String>,
    lower_last: &'a FxHashSet<String>,
    frequent: &'a FxHashSet<String>,
    top: &'a FxHashSet<String>,
}

impl<'a> Lex<'a> {
    pub(crate) fn new(lex: &'a Lexicons) -> PyResult<Self> {
        Ok(Lex {
            first: lex.set("first")?,
            first_any: lex.set("first_any")?,
            last: lex.set("last")?,
            last_any: lex.set("last_any")?,
            common_last: lex.set("common_last")?,
            cities: lex.set("cities")?,
            city_first: lex.set("city_first_tokens")?,
            max_city_tokens: lex.int("max_city_tokens")?,
            first_common: lex.set("first_common")?,
            towns: lex.set("towns")?,
            town_first: lex.set("town_first_tokens")?,
            max_town_tokens: lex.int("max_town_tokens")?,
            english: lex.set("english")?,
            foreign: lex.set("foreign")?,
            english_common: lex.set("english_common")?,
            lower_first: lex.set("lower_first")?,
            lower_last: lex.set("lower_last")?,
            frequent: lex.set("english_frequent")?,
            top: lex.set("english_top")?,
        })
    }

    /// `_drugish`: a capitalised word rule 8 would take but for its drug's ending.
    fn drugish(&self, word: &[u8], low: &str) -> bool {
        let english = self.english_common;
        low.len() > 2
            && is_lower(&word[1..])
            && !english.is_empty()
            && !english.contains(low)
            && !COMMON.contains(low)
            && !NEVER.contains(low)
            && !self.first_any.contains(low)
            && !self.english.contains(low)
            && !low.contains('\'')
            && drug_stem(low)
            && !(low.ends_with('s') && english.contains(&low[..low.len() - 1]))
    }

    /// `_lower_place`: a lower-case word after "<verb> to" that is a place.
    fn lower_place(&self, low: &str, verb: &str) -> bool {
        if low.len() < 4
            || !is_alpha(low.as_bytes())
            || self.english_common.contains(low)
            || COMMON.contains(low)
            || NEVER.contains(low)
            || FUNCTION.contains(low)
            || drug_stem(low)
        {
            return false;
        }
        if self.towns.contains(low) || self.cities.contains(low) {
            return true;
        }
        JOURNEY.contains(verb)
            && low.len() >= 5
            && !self.english.contains(low)
            && !self.frequent.contains(low)
            && !ends_any(low, ENGLISH_SUFFIX)
    }

    /// `_token_class`: what the token's text alone lets the loop do with it.
    fn token_class(&self, word: &[u8], low: &str) -> u16 {
        let c = word[0];
        if !(c.is_ascii_uppercase() || CUE_ANY.contains(low) || self.lower_first.contains(low)) {
            if word.len() == 1 && c.is_ascii_lowercase() && c != b'a' && c != b'i' {
                return CANDIDATE | LOWER_INITIAL;
            }
            return if MOVE_VERBS.contains(low) {
                CANDIDATE | TRAVEL
            } else {
                0
            };
        }
        if !c.is_ascii_uppercase() || low.len() <= 1 {
            return CANDIDATE | ANY_RULE;
        }
        if TITLES.contains(low)
            || STRONG_CUES.contains(low)
            || ROLE_WORDS.contains(low)
            || low == "is"
            || low == "me"
            || BIGRAM_LAST.contains(low)
            || self.cities.contains(low)
            || self.first.contains(low)
            || low
                .split_once('-')
                .is_some_and(|(h, _)| self.first.contains(h))
        {
            return CANDIDATE | ANY_RULE;
        }
        let english = self.english_common;
        if low.len() > 2
            && !(is_upper(word) && word.len() <= 5)
            && !english.contains(low)
            && !COMMON.contains(low)
            && !NEVER.contains(low)
            && !self.first_any.contains(low)
            && !low.contains('\'')
            && !drug_stem(low)
            && !english.is_empty()
            && !(low.ends_with('s') && english.contains(&low[..low.len() - 1]))
            && (is_lower(&word[1..])
                || is_upper(word)
                || word.starts_with(b"Mc")
                || word.starts_with(b"Mac"))
        {
            return CANDIDATE | ANY_RULE;
        }
        let mut flags = CANDIDATE;
        if self.drugish(word, low) {
            flags |= DRUGISH;
        }
        if MOVE_VERBS.contains(low) {
            flags |= TRAVEL;
        }
        let upper = is_upper(word);
        if !NEVER.contains(low)
            && !FUNCTION.contains(low)
            && !COMMON.contains(low)
            && !upper
            && (self.first_any.contains(low)
                || self.foreign.contains(low)
                || (!english.contains(low) && !self.frequent.contains(low)))
        {
            flags |= SPEAKER;
            if word.ends_with(b"'s") {
                flags |= KIN_NEXT;
            }
        }
        if (self.first_any.contains(low) || self.foreign.contains(low))
            && !NEVER.contains(low)
            && !FUNCTION.contains(low)
            && !upper
        {
            flags |= VOCATIVE | NAME_WORD;
        }
        if self.last.contains(low) {
            if self.common_last.contains(low) && low.len() > 2 && !upper && !english.contains(low) {
                return CANDIDATE | ANY_RULE;
            }
            flags |= COMMA_NEXT;
        }
        if COMMON.contains(low) {
            if self.last_any.contains(low) {
                flags |= COMMA_NEXT;
            }
            if self.first_any.contains(low) {
                flags |= SURNAME_NEXT;
            }
        }
        if self.city_first.contains(low) {
            flags |= CITY_NEXT;
        }
        if self.town_first.contains(low) {
            flags |= TOWN_CUE;
        }
        flags
    }
}

/// One scan: the text, its tokens and their lower-case forms.
struct Scan<'a> {
    text: &'a [u8],
    /// The same text as `str` (ASCII: every byte offset is a char boundary).
    text_str: &'a str,
    lower: &'a str,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// End of each token's lower-case form (its end less a possessive "'s").
    low_ends: Vec<usize>,
    /// The hand-kept sets each token's lower-case text is in (`bit`).
    bits: Vec<u64>,
    n: usize,
    lex: Lex<'a>,
}

impl<'a> Scan<'a> {
    #[inline]
    fn word(&self, j: usize) -> &'a [u8] {
        &self.text[self.starts[j]..self.ends[j]]
    }

    #[inline]
    fn word_str(&self, j: usize) -> &'a str {
        &self.text_str[self.starts[j]..self.ends[j]]
    }

    #[inline]
    fn low(&self, j: usize) -> &'a str {
        &self.lower[self.starts[j]..self.low_ends[j]]
    }

    /// `parts[2 * j]`: the gap before token j (j == n: the text after the last token).
    #[inline]
    fn gap(&self, j: usize) -> &'a [u8] {
        let s = if j == 0 { 0 } else { self.ends[j - 1] };
        let e = if j < self.n {
            self.starts[j]
        } else {
            self.text.len()
        };
        &self.text[s..e]
    }

    #[inline]
    fn cap(&self, j: usize) -> bool {
        self.text[self.starts[j]].is_ascii_uppercase()
    }

    #[inline]
    fn wlen(&self, j: usize) -> usize {
        self.ends[j] - self.starts[j]
    }

    fn namey(&self, j: usize) -> bool {
        self.bits[j] & NOT_NAMEY == 0
    }

    /// Is token j's lower-case text in any of the `mask` sets?
    #[inline]
    fn is(&self, j: usize, mask: u64) -> bool {
        self.bits[j] & mask != 0
    }

    fn frequent_word(&self, w: &str) -> bool {
        self.lex.top.contains(w)
            && !self.lex.first_common.contains(w)
            && !self.lex.common_last.contains(w)
    }

    fn sentence_start(&self, j: usize) -> bool {
        let mut k = self.starts[j];
        while k > 0 && matches!(self.text[k - 1], b' ' | b'\t' | b'"' | b'\'' | b'(') {
            k -= 1;
        }
        k == 0 || b".!?:;\n*-#>|".contains(&self.text[k - 1])
    }

    fn state_after(&self, pos: usize) -> Option<(usize, usize)> {
        STATE_AFTER
            .find(&self.text[pos..])
            .map(|m| (pos, pos + m.end()))
    }

    /// A state match whose state is also a credential ("Smith, MD") and no ZIP follows: no state.
    fn credential_only(&self, m: (usize, usize)) -> bool {
        let g = &self.text[m.0..m.1];
        let s = trim_bytes(g, b" ,");
        std::str::from_utf8(s).is_ok_and(|s| CREDENTIAL_STATES.contains(s)) && !self.zip_next(m.1)
    }

    /// `_ZIP_NEXT.match(text, pos)`: `\s+\d{5}(?:-\d{4})?(?!\d)`.
    fn zip_next(&self, pos: usize) -> bool {
        let t = self.text;
        let mut k = pos;
        while k < t.len() && py_space(t[k]) {
            k += 1;
        }
        if k == pos || k + 5 > t.len() || !t[k..k + 5].iter().all(u8::is_ascii_digit) {
            return false;
        }
        !t.get(k + 5).is_some_and(u8::is_ascii_digit)
    }

    /// `_SPEAKER_LINE.match(text, pos)`: `:[ \t]{1,2}["\u201c]?[A-Z]`.
    fn speaker_line(&self, pos: usize) -> bool {
        let t = self.text;
        if t.get(pos) != Some(&b':') {
            return false;
        }
        let mut k = pos + 1;
        let mut blanks = 0;
        while blanks < 2 && matches!(t.get(k), Some(b' ' | b'\t')) {
            k += 1;
            blanks += 1;
        }
        if blanks == 0 {
            return false;
        }
        if t.get(k) == Some(&b'"') {
            k += 1;
        }
        t.get(k).is_some_and(u8::is_ascii_uppercase)
    }

    /// `_SPEAKER_GAP.match(text, pos)`: `[ \t]*:[ \t]*["\u201c]?[A-Z]`.
    fn speaker_gap(&self, pos: usize) -> bool {
        let t = self.text;
        let mut k = pos;
        while matches!(t.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        if t.get(k) != Some(&b':') {
            return false;
        }
        k += 1;
        while matches!(t.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        if t.get(k) == Some(&b'"') {
            k += 1;
        }
        t.get(k).is_some_and(u8::is_ascii_uppercase)
    }

    /// `_SPOKEN_LINE.match(text, pos)`: `[ \t]*([A-Z][^\W\d_]{1,30}):[ \t]{1,2}["\u201c]?[A-Z]`,
    /// the speaker's span.
    fn spoken_line(&self, pos: usize) -> Option<(usize, usize)> {
        let t = self.text;
        let mut k = pos;
        while matches!(t.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        if !t.get(k).is_some_and(u8::is_ascii_uppercase) {
            return None;
        }
        let s = k;
        k += 1;
        while t.get(k).is_some_and(u8::is_ascii_alphabetic) {
            k += 1;
        }
        let letters = k - s - 1;
        if !(1..=30).contains(&letters) || !self.speaker_line(k) {
            return None;
        }
        Some((s, k))
    }

    /// `_dialogue_beside`: the line before or after is spoken by another unlisted given name.
    fn dialogue_beside(&self, start: usize, end: usize) -> bool {
        let t = self.text;
        let word = &t[start..end];
        let rfind_nl = |hi: usize| t[..hi].iter().rposition(|&b| b == b'\n');
        let line_start = rfind_nl(start).map_or(0, |p| p + 1);
        let prev_start: Option<usize> = if line_start > 0 {
            Some(rfind_nl(line_start - 1).map_or(0, |p| p + 1))
        } else {
            None
        };
        let nxt = t[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| end + p + 1);
        for pos in [prev_start, nxt].into_iter().flatten() {
            if let Some((s, e)) = self.spoken_line(pos) {
                if &t[s..e] != word {
                    let low = &self.lower[s..e];
                    if (self.lex.first.contains(low) || self.lex.foreign.contains(low))
                        && !self.lex.english_common.contains(low)
                        && !COMMON.contains(low)
                    {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn lower_surname(&self, w: &str) -> bool {
        w.len() > 1
            && word_bits(w)
                & (bit::COMMON
                    | bit::NEVER
                    | bit::FUNCTION
                    | bit::PLACE_CUES
                    | bit::SUBJECT_VERBS
                    | bit::LOWER_STOP
                    | bit::MOVE_VERBS)
                == 0
            && ((!verbish(w) && !w.contains('\'') && is_alpha(w.as_bytes())) || apos_name(w))
    }

    fn unlisted_lower(&self, w: &str) -> bool {
        w.len() >= 4
            && is_alpha(w.as_bytes())
            && !self.lex.english_common.contains(w)
            && !self.lex.frequent.contains(w)
            && !self.lex.english.contains(w)
            && self.lower_surname(w)
            && !drug_stem(w)
    }

    /// Index of the last token of a name starting at j (surname, middle names, initials).
    fn extend(&self, j: usize, allow_lower: bool) -> usize {
        let n = self.n;
        let mut end = j;
        let mut k = j + 1;
        while k < n && k - j < 3 {
            let g = self.gap(k);
            if !(space_gap(g)
                || (self.wlen(k - 1) == 1 && initial_gap(g))
                || (self.cap(k) && nick_gap(g)))
            {
                break;
            }
            if !self.cap(k) && self.is(k, bit::PARTICLES) {
                let mut p = k;
                while p < n
                    && p - k < 3
                    && self.is(p, bit::PARTICLES)
                    && !self.cap(p)
                    && space_gap(self.gap(p))
                {
                    p += 1;
                }
                if p < n && p > k && self.cap(p) && space_gap(self.gap(p)) && self.namey(p) {
                    end = p;
                    k = p + 1;
                    continue;
                }
                break;
            }
            let lk = self.low(k);
            if !self.namey(k)
                && !(self.cap(k) && self.lex.last_any.contains(lk) && !self.is(k, bit::NEVER))
                && !(k == j + 1
                    && self.cap(k)
                    && STATES.contains(lk)
                    && self.lex.common_last.contains(lk)
                    && self.lex.first_any.contains(self.low(j)))
            {
                break;
            }
            if self.cap(k) || (allow_lower && (self.lex.last.contains(lk) || apos_name(lk))) {
                end = k;
                k += 1;
                continue;
            }
            if allow_lower && k == j + 1 && self.lower_surname(lk) {
                end = k;
            }
            break;
        }
        end
    }

    fn span(&self, j0: usize, j1: usize) -> (usize, usize) {
        let s = self.starts[j0];
        let mut e = self.ends[j1];
        if e >= 2 && &self.text[e - 2..e] == b"'s" {
            e -= 2;
        }
        (s, e)
    }

    fn place_run_start_ok(&self, i: usize) -> bool {
        if i == 0 {
            return true;
        }
        let g = self.gap(i);
        g.contains(&b',')
            || g.contains(&b'\n')
            || self.is(i - 1, bit::PLACE_CUES)
            || self.sentence_start(i)
            || g.contains(&b':')
    }

    /// Last token of "<Proper words> <Hospital|Clinic|Medical Center ...>" starting at i.
    fn facility_end(&self, i: usize) -> Option<usize> {
        let n = self.n;
        let mut proper = false;
        let mut k = i;
        while k < n && k - i < 5 {
            if k > i
                && !(space_gap(self.gap(k))
                    || (matches!(self.low(k - 1), "st" | "mt") && initial_gap(self.gap(k))))
            {
                return None;
            }
            if !self.cap(k) {
                return None;
            }
            let lw = self.low(k);
            if k > i
                && proper
                && (FACILITY_HEADS.contains(lw)
                    || (k + 1 < n
                        && self.cap(k + 1)
                        && space_gap(self.gap(k + 1))
                        && FACILITY_PAIRS
                            .iter()
                            .any(|&(a, b)| a == lw && b == self.low(k + 1))))
            {
                let end = if FACILITY_HEADS.contains(lw) {
                    k
                } else {
                    k + 1
                };
                if end + 1 < n
                    && matches!(self.low(end + 1), "course" | "stay")
                    && space_gap(self.gap(end + 1))
                {
                    return None; // "Brief Hospital Course": a note's section (`_FACILITY_NOT_AFTER`)
                }
                return Some(end);
            }
            if !self.is(k, bit::COMMON) && !self.is(k, bit::NEVER) {
                proper = true;
            } else if self.is(k, bit::FUNCTION | bit::ROLE_WORDS) {
                return None;
            }
            k += 1;
        }
        None
    }

    fn unknown(&self, j: usize) -> bool {
        let wd = self.word(j);
        let lw = self.low(j);
        let english = self.lex.english_common;
        lw.len() > 2
            && wd[0].is_ascii_uppercase()
            && !(is_upper(wd) && wd.len() <= 5)
            && !self.is(j, bit::COMMON | bit::NEVER)
            && !english.contains(lw)
            && !self.lex.first.contains(lw)
            && !self.lex.first_any.contains(lw)
            && !lw.contains('\'')
            && !drug_stem(lw)
            && !english.is_empty()
            && !(lw.ends_with('s') && english.contains(&lw[..lw.len() - 1]))
            && (is_lower(&wd[1..])
                || is_upper(wd)
                || wd.starts_with(b"Mc")
                || wd.starts_with(b"Mac"))
            && !self.text.get(self.ends[j]).is_some_and(u8::is_ascii_digit)
    }

    fn eponym_next(&self, j: usize) -> bool {
        if j + 1 >= self.n || !space_gap(self.gap(j + 1)) {
            return false;
        }
        let nxt = self.low(j + 1);
        EPONYM_HEADS.contains(nxt) || drug_stem(nxt)
    }

    /// `_derived`: a dictionary word's plural, past, -ing or -er form.
    fn derived(&self, low: &str) -> bool {
        ["s", "es", "ed", "d", "ing", "er", "ers"]
            .iter()
            .any(|suf| {
                low.strip_suffix(suf)
                    .is_some_and(|stem| self.lex.english_common.contains(stem))
            })
    }

    fn lone_unknown(&self, j: usize) -> bool {
        let lw = self.low(j);
        let wd = self.word(j);
        let english = self.lex.english_common;
        if self.lex.frequent.contains(lw)
            || is_upper(wd)
            || self.sentence_start(j)
            || self.eponym_next(j)
            || self.derived(lw)
            || (lw.contains('-') && lw.split('-').all(|p| english.contains(p)))
        {
            return false;
        }
        let e = self.ends[j];
        if matches!(self.text.get(e), Some(b':' | b','))
            || self.gap(j).contains(&b',')
            || self.dose_after(e)
        {
            return false;
        }
        !(j > 0 && self.is(j - 1, bit::MED_CUES)) || ends_any(lw, TOWN_ENDING)
    }

    /// `_DOSE_AFTER.match(text, e)`: `[ \t]{0,2}\d`.
    fn dose_after(&self, e: usize) -> bool {
        let t = self.text;
        let mut k = e;
        while k < e + 2 && matches!(t.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        t.get(k).is_some_and(u8::is_ascii_digit)
    }

    fn caprun(&self, i: usize, limit: i64) -> i64 {
        let mut k = i + 1;
        while k < self.n && ((k - i) as i64) < limit && self.cap(k) && initial_gap(self.gap(k)) {
            k += 1;
        }
        (k - i) as i64
    }

    /// Is "<low i> ... <low i+size-1>" (joined as the hand-over joins tuples) in `places`?
    fn place_key_in(
        &self,
        places: &FxHashSet<String>,
        i: usize,
        size: usize,
        buf: &mut String,
    ) -> bool {
        if size == 1 {
            return places.contains(self.low(i));
        }
        buf.clear();
        for k in i..i + size {
            if k > i {
                buf.push(TUPLE_SEP);
            }
            buf.push_str(self.low(k));
        }
        places.contains(buf.as_str())
    }

    fn place_word(&self, j: usize) -> bool {
        let low = self.low(j);
        let word = self.word(j);
        !low.is_empty()
            && !NEVER.contains(low)
            && !TITLES.contains(low)
            && !FUNCTION.contains(low)
            && !(is_upper(word) && word.len() <= 5 && word.len() > 1)
            && !word.contains(&b'\'')
            && !drug_stem(low)
            && !EPONYM_HEADS.contains(low)
            && !FACILITY_END.contains(low)
    }
}

fn kind_place_word(low: &str) -> bool {
    !NEVER.contains(low)
        && !TITLES.contains(low)
        && !FUNCTION.contains(low)
        && !KIND_NOT.contains(low)
}

fn trim_bytes<'b>(mut s: &'b [u8], chars: &[u8]) -> &'b [u8] {
    while let Some((f, rest)) = s.split_first() {
        if !chars.contains(f) {
            break;
        }
        s = rest;
    }
    while let Some((l, rest)) = s.split_last() {
        if !chars.contains(l) {
            break;
        }
        s = rest;
    }
    s
}

/// Python's `str.strip()` (whitespace) of ASCII bytes.
fn py_strip(s: &[u8]) -> &[u8] {
    let a = s.iter().position(|&b| !py_space(b)).unwrap_or(s.len());
    let b = s.iter().rposition(|&b| !py_space(b)).map_or(a, |p| p + 1);
    &s[a..b]
}

/// `_SPLIT_ASCII`'s tokens: `[A-Za-z][A-Za-z']*(?:-[A-Za-z][A-Za-z']*)*`.
/// `_VALUE_NEXT.match(text, pos)`: `[ \t]*[:=]?[ \t]*\d` ("Na 134", "Na: 134", "Na=134").
fn value_next(t: &[u8], pos: usize) -> bool {
    let blanks = |mut p: usize| {
        while p < t.len() && (t[p] == b' ' || t[p] == b'\t') {
            p += 1;
        }
        p
    };
    let mut p = blanks(pos);
    if p < t.len() && (t[p] == b':' || t[p] == b'=') {
        p = blanks(p + 1);
    }
    p < t.len() && t[p].is_ascii_digit()
}

fn tokenise(t: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut starts = Vec::with_capacity(t.len() / 6);
    let mut ends = Vec::with_capacity(t.len() / 6);
    let mut k = 0;
    let body = |b: u8| b.is_ascii_alphabetic() || b == b'\'';
    while k < t.len() {
        if !t[k].is_ascii_alphabetic() {
            k += 1;
            continue;
        }
        let s = k;
        k += 1;
        loop {
            while k < t.len() && body(t[k]) {
                k += 1;
            }
            if k + 1 < t.len() && t[k] == b'-' && t[k + 1].is_ascii_alphabetic() {
                k += 2;
                continue;
            }
            break;
        }
        starts.push(s);
        ends.push(k);
    }
    (starts, ends)
}

/// The whole of `names.scan_names` on ASCII text.
pub(crate) fn scan(text_str: &str, lex: Lex<'_>) -> Vec<Hit> {
    let text = text_str.as_bytes();
    let mut out: Vec<Hit> = Vec::new();
    let (starts, ends) = tokenise(text);
    let n = starts.len();
    if n == 0 {
        return out;
    }
    let lower_owned = text_str.to_ascii_lowercase();
    let lower = lower_owned.as_str();
    let low_ends: Vec<usize> = starts
        .iter()
        .zip(&ends)
        .map(|(&s, &e)| {
            if e - s >= 2 && &text[e - 2..e] == b"'s" {
                e - 2
            } else {
                e
            }
        })
        .collect();
    // Each token's class and word-set bits, decided once per distinct token text.
    let mut memo: FxHashMap<&[u8], (u16, u64)> =
        FxHashMap::with_capacity_and_hasher(n.min(4096), Default::default());
    let mut kinds: Vec<u16> = Vec::with_capacity(n);
    let mut bits: Vec<u64> = Vec::with_capacity(n);
    for k in 0..n {
        let word = &text[starts[k]..ends[k]];
        let low = &lower[starts[k]..low_ends[k]];
        let (c, b) = *memo
            .entry(word)
            .or_insert_with(|| (lex.token_class(word, low), word_bits(low)));
        kinds.push(c);
        bits.push(b);
    }
    let sc = Scan {
        text,
        text_str,
        lower,
        starts,
        ends,
        low_ends,
        bits,
        n,
        lex,
    };
    let lx = &sc.lex;

    let fac_heads: Vec<usize> = (0..n)
        .filter(|&k| sc.cap(k) && FACILITY_CAP.contains(sc.word_str(k)))
        .map(|k| sc.starts[k])
        .collect();
    let n_fac = fac_heads.len();
    let mut fm = 0;
    let state_marks: Vec<usize> = (0..n)
        .filter(|&k| {
            sc.cap(k)
                && STATE_TOKENS.contains(sc.word_str(k))
                && (sc.gap(k).contains(&b',')
                    || (k + 1 < n
                        && matches!(sc.gap(k + 1).first(), Some(b' ' | b'\t'))
                        && py_strip(sc.gap(k + 1))
                            .first()
                            .is_some_and(u8::is_ascii_digit)))
        })
        .map(|k| sc.starts[k])
        .collect();
    let n_state = state_marks.len();
    let mut sm = 0;

    let mut consumed: isize = -1;
    let mut key = String::new();
    let cap = |j: usize| sc.cap(j);
    let low = |j: usize| sc.low(j);
    let gap = |j: usize| sc.gap(j);

    for i in 0..n {
        let kind = kinds[i];
        if kind == 0 {
            continue;
        }
        let w = low(i);
        if (i as isize) <= consumed {
            continue;
        }
        let word_i = sc.word(i);
        let mut near_state = false;
        if n_state > 0 {
            while sm < n_state && state_marks[sm] < sc.starts[i] {
                sm += 1;
            }
            near_state = sm < n_state && state_marks[sm] - sc.starts[i] <= 64;
        }
        let mut near_fac = false;
        if n_fac > 0 {
            while fm < n_fac && fac_heads[fm] < sc.ends[i] {
                fm += 1;
            }
            near_fac = fm < n_fac && fac_heads[fm] - sc.ends[i] <= 64;
        }
        let nxt = i + 1 < n;
        if kind & ANY_RULE == 0
            && !near_state
            && !near_fac
            && !(i > 0 && sc.is(i - 1, bit::PREV_CUES))
            && !(i + 2 < n
                && (sc.is(i + 2, bit::SUBJECT_VERBS)
                    || (i + 3 < n && sc.is(i + 3, bit::SUBJECT_VERBS))))
        {
            let fires = (kind & COMMA_NEXT != 0 && nxt && comma_gap(gap(i + 1)))
                || (kind & CITY_NEXT != 0 && nxt && cap(i + 1) && initial_gap(gap(i + 1)))
                || (kind & TOWN_CUE != 0
                    && i > 0
                    && sc.is(i - 1, bit::STREET_TYPES)
                    && matches!(gap(i), b", " | b","))
                || (kind & SURNAME_NEXT != 0 && nxt && lx.last.contains(low(i + 1)))
                || (kind & KIN_NEXT != 0 && nxt && sc.is(i + 1, bit::KIN_AFTER))
                || (kind & SPEAKER != 0 && gap(i + 1).first() == Some(&b':'))
                || (kind & VOCATIVE != 0
                    && nxt
                    && gap(i + 1) == b", "
                    && sc.is(i + 1, bit::VOCATIVE_NEXT))
                || (kind & R3_FLAGS != 0
                    && ((kind & LOWER_INITIAL != 0
                        && i > 0
                        && nxt
                        && gap(i) == b" "
                        && sc.wlen(i - 1) > 2
                        && sc.wlen(i + 1) > 1
                        && sc.word(i - 1)[0].is_ascii_lowercase()
                        && sc.word(i + 1)[0].is_ascii_lowercase())
                        || (kind & NAME_WORD != 0
                            && ((gap(i + 1).first() == Some(&b':')
                                && (i == 0 || gap(i).contains(&b'\n')))
                                || (nxt
                                    && matches!(gap(i + 2).first(), Some(b'.' | b'!'))
                                    && lx.last_any.contains(low(i + 1)))
                                || (nxt
                                    && i > 0
                                    && sc.is(i - 1, bit::GIVE_VERBS)
                                    && sc.is(i + 1, bit::THEIR))))
                        || (kind & TRAVEL != 0 && i + 2 < n && low(i + 1) == "to" && !cap(i + 2))
                        || (kind & DRUGISH != 0
                            && ((i > 0 && sc.is(i - 1, bit::SAY_CUES))
                                || (nxt
                                    && (sc.is(i + 1, bit::DRUGISH_VERBS)
                                        || (sc.wlen(i + 1) == 1 && is_upper(sc.word(i + 1)))))))))
                || (i > 0
                    && sc.is(i - 1, bit::KIND_CUES)
                    && (low(i - 1) == "hometown"
                        || (i > 1
                            && if low(i - 1) == "of" {
                                sc.is(i - 2, bit::KIND_HEADS)
                            } else {
                                sc.is(i - 2, bit::KIND_BEFORE)
                            })));
            if !fires {
                continue;
            }
        }
        // 1. titles: Mr. Smith, Dr. holmes, Mrs Ana Lopez-Garcia
        if sc.is(i, bit::TITLES) && nxt && initial_gap(gap(i + 1)) {
            let g1 = gap(i + 1);
            let l1 = low(i + 1);
            let c1 = cap(i + 1);
            if (sc.namey(i + 1) || (c1 && !sc.is(i + 1, bit::NEVER)))
                && (c1 || !matches!(w, "pa" | "np" | "rn" | "sr" | "miss"))
                && ((sc.is(i, bit::ABBREV_TITLES)
                    && (c1
                        || g1.contains(&b'.')
                        || !lx.english.contains(l1)
                        || lx.first.contains(l1)))
                    || (!g1.contains(&b'.')
                        && (if word_i[0].is_ascii_lowercase() && !lx.first.contains(l1) {
                            c1
                        } else {
                            true
                        })))
                && !(!c1 && sc.frequent_word(l1))
            {
                let j1 = sc.extend(i + 1, !c1);
                let (s, e) = sc.span(i + 1, j1);
                out.push(("NAME", s, e, 0.95, "name-title"));
                consumed = j1 as isize;
                continue;
            }
        }
        // 2. roles and cues: daughter Ana, seen by Holmes, name: john smith
        let call_me = w == "me"
            && i > 0
            && matches!(low(i - 1), "call" | "calls" | "called")
            && nxt
            && (cap(i + 1) || lx.lower_first.contains(low(i + 1)) || sc.unlisted_lower(low(i + 1)));
        let strong =
            sc.is(i, bit::STRONG_CUES) || (w == "is" && i > 0 && low(i - 1) == "name") || call_me;
        let cue = strong
            || sc.is(i, bit::ROLE_WORDS)
            || (i > 0 && sc.is(i, bit::BIGRAM_LAST) && {
                let a = low(i - 1);
                ROLE_BIGRAM_PAIRS.iter().any(|&(x, y)| x == a && y == w)
            });
        if cue && nxt && cue_gap(gap(i + 1)) {
            let mut k = i + 1;
            if matches!(low(k), "is" | "was") && k + 1 < n && space_gap(gap(k + 1)) {
                k += 1;
            }
            let lk = low(k);
            let ck = cap(k);
            let mut lexical = lx.first.contains(lk)
                || (ck && lx.first_any.contains(lk) && !sc.is(k, bit::FUNCTION));
            if !ck && sc.frequent_word(lk) {
                lexical = false;
            }
            let unknown_lower = !ck
                && sc.lower_surname(lk)
                && !sc.frequent_word(lk)
                && (strong
                    || (sc.is(i, bit::FAMILY_ROLES)
                        && (lx.first_any.contains(lk)
                            || lx.last_any.contains(lk)
                            || (!ends_any(lk, ENGLISH_SUFFIX)
                                && (!lx.english.contains(lk)
                                    || (k + 1 < n
                                        && space_gap(gap(k + 1))
                                        && !cap(k + 1)
                                        && lx.last.contains(low(k + 1))))))));
            if (sc.namey(k) || (lexical && !sc.is(k, bit::NEVER)))
                && (ck || lexical || unknown_lower)
                && !(ck && !lx.first.contains(lk) && !lx.last.contains(lk) && is_upper(sc.word(k)))
            {
                let j1 = sc.extend(k, !ck);
                let (s, e) = sc.span(k, j1);
                // "Patient Education:": a section head, not the patient's name
                let section_head =
                    j1 == k && ck && sc.text.get(e) == Some(&b':') && lx.english.contains(lk);
                if !section_head {
                    out.push(("NAME", s, e, 0.9, "name-cue"));
                    consumed = j1 as isize;
                    // list_items: more names in a list ("children Ana, Luis and Sofia")
                    let mut k = j1 + 1;
                    while k < n {
                        let g = gap(k);
                        if low(k) == "and"
                            && k + 1 < n
                            && space_gap(gap(k + 1))
                            && matches!(g, b" " | b", ")
                        {
                            k += 1;
                        } else if !matches!(g, b", " | b",") {
                            break;
                        }
                        let lk = low(k);
                        if !(cap(k)
                            && (sc.namey(k) || lx.first_any.contains(lk))
                            && !NEVER.contains(lk))
                        {
                            break;
                        }
                        if (lx.cities.contains(lk) || lx.towns.contains(lk))
                            && !lx.first_any.contains(lk)
                        {
                            break;
                        }
                        let e1 = sc.extend(k, false);
                        let (s1, e2) = sc.span(k, e1);
                        out.push(("NAME", s1, e2, 0.85, "name-list"));
                        consumed = e1 as isize;
                        k = e1 + 1;
                    }
                    continue;
                }
            }
        }
        // 2d. "Asya's kid", 'mika: "who are you?"'
        let after = gap(i + 1);
        if ((word_i.ends_with(b"'s") && nxt && sc.is(i + 1, bit::KIN_AFTER) && space_gap(after))
            || (after.first() == Some(&b':')
                && (i == 0 || gap(i).contains(&b'\n'))
                && speaker_quote(after)))
            && !sc.is(i, bit::NEVER)
            && !sc.is(i, bit::FUNCTION)
            && !sc.is(i, bit::COMMON)
            && !is_upper(word_i)
            && (lx.first_any.contains(w)
                || lx.foreign.contains(w)
                || (cap(i) && !lx.english_common.contains(w) && !lx.frequent.contains(w))
                || sc.unlisted_lower(w))
        {
            let (s, e) = sc.span(i, i);
            out.push(("NAME", s, e, 0.6, "name-cue"));
            consumed = i as isize;
            continue;
        }
        if sc.is(i, bit::R3_LOWER) {
            // recall3 (e): "bertram m. jorgensen", a line "emidio p lombardo"
            if w.len() == 1
                && is_lower(word_i)
                && w != "a"
                && w != "i"
                && 0 < i
                && i < n - 1
                && gap(i) == b" "
                && sc.wlen(i - 1) > 2
                && sc.wlen(i + 1) > 1
                && sc.word(i - 1)[0].is_ascii_lowercase()
                && sc.word(i + 1)[0].is_ascii_lowercase()
                && initial_gap(gap(i + 1))
            {
                let (f, g) = (low(i - 1), low(i + 1));
                let dotted = gap(i + 1).first() == Some(&b'.');
                let own_line = (i == 1 || gap(i - 1).contains(&b'\n'))
                    && (i + 2 == n || gap(i + 2).contains(&b'\n'))
                    && trim_bytes(gap(i - 1), b" \t\r\n").is_empty()
                    && (i + 2 == n || trim_bytes(gap(i + 2), b" \t\r\n").is_empty());
                if !lx.english.contains(g)
                    && !NEVER.contains(g)
                    && (lx.lower_last.contains(g) || sc.unlisted_lower(g))
                    && f.len() > 2
                    && !NEVER.contains(f)
                    && !FUNCTION.contains(f)
                    && !drug_stem(f)
                    && ((dotted && (lx.lower_first.contains(f) || lx.first.contains(f)))
                        || (own_line
                            && (lx.lower_first.contains(f)
                                || lx.first.contains(f)
                                || sc.unlisted_lower(f))))
                {
                    let (s, e) = sc.span(i - 1, i + 1);
                    out.push(("NAME", s, e, 0.55, "name-lower"));
                    consumed = (i + 1) as isize;
                    continue;
                }
            }
            // recall3 (c): "we returned to kiel"
            if sc.is(i, bit::MOVE_VERBS)
                && i + 2 < n
                && low(i + 1) == "to"
                && space_gap(gap(i + 1))
                && space_gap(gap(i + 2))
                && sc.word(i + 2)[0].is_ascii_lowercase()
                && lx.lower_place(low(i + 2), w)
            {
                out.push((
                    "LOCATION",
                    sc.starts[i + 2],
                    sc.ends[i + 2],
                    0.6,
                    "place-travel",
                ));
                consumed = (i + 2) as isize;
                continue;
            }
        }
        if !cap(i) {
            // "olga krylova": a lower-case given name then a lower-case surname
            if nxt && lx.lower_first.contains(w) && space_gap(gap(i + 1)) && !cap(i + 1) {
                let mut k = i + 1;
                if low(k).len() == 1
                    && k + 1 < n
                    && gap(k + 1).contains(&b'.')
                    && initial_gap(gap(k + 1))
                    && !cap(k + 1)
                {
                    k += 1;
                }
                if lx.lower_last.contains(low(k)) || sc.unlisted_lower(low(k)) {
                    let j1 = sc.extend(k, true);
                    let (s, e) = sc.span(i, j1);
                    out.push(("NAME", s, e, 0.5, "name-lower"));
                    consumed = j1 as isize;
                }
            }
            continue;
        }
        let upper_i = is_upper(word_i);
        // "Mark Lopez": a first name that is also a word, then a surname that is not
        if sc.is(i, bit::COMMON)
            && lx.first_any.contains(w)
            && !sc.is(i, bit::NEVER)
            && !upper_i
            && nxt
            && space_gap(gap(i + 1))
            && cap(i + 1)
            && lx.last.contains(low(i + 1))
            && !is_upper(sc.word(i + 1))
        {
            let j1 = sc.extend(i + 1, false);
            let (s, e) = sc.span(i, j1);
            out.push(("NAME", s, e, 0.8, "name-lexicon"));
            consumed = j1 as isize;
            continue;
        }
        // "Grant, Hollis": a surname that is also a word, a comma, then a census first name
        if sc.is(i, bit::COMMON)
            && lx.last_any.contains(w)
            && !sc.is(i, bit::NEVER)
            && nxt
            && comma_gap(gap(i + 1))
            && cap(i + 1)
            && lx.first.contains(low(i + 1))
            && sc.state_after(sc.ends[i + 1]).is_none()
        {
            let j1 = sc.extend(i + 1, false);
            let (s, e) = sc.span(i, j1);
            out.push(("NAME", s, e, 0.8, "name-lexicon"));
            consumed = j1 as isize;
            continue;
        }
        // (scripts without case: never in ASCII text)
        // 2b. "home city Voorburg", "the town of Villafranca del Cid"
        let prev = if i > 0 { low(i - 1) } else { "" };
        if KIND_CUES.contains(prev)
            && (prev == "hometown"
                || (i > 1
                    && space_gap(gap(i - 1))
                    && ((KIND_HEADS.contains(prev) && sc.is(i - 2, bit::KIND_BEFORE))
                        || (prev == "of" && sc.is(i - 2, bit::KIND_HEADS)))))
            && space_gap(gap(i))
            && kind_place_word(w)
        {
            let mut j1 = i;
            while j1 + 1 < n
                && j1 - i < 4
                && space_gap(gap(j1 + 1))
                && ((cap(j1 + 1) && kind_place_word(low(j1 + 1)))
                    || (sc.is(j1 + 1, bit::PLACE_PARTICLES)
                        && j1 + 2 < n
                        && cap(j1 + 2)
                        && space_gap(gap(j1 + 2))))
            {
                j1 += if cap(j1 + 1) { 1 } else { 2 };
            }
            out.push(("LOCATION", sc.starts[i], sc.ends[j1], 0.7, "place-kind"));
            consumed = j1 as isize;
            continue;
        }
        // 2c. "Aloisia, can I please speak to your boss?"
        if after == b", "
            && nxt
            && sc.is(i + 1, bit::VOCATIVE_NEXT)
            && sc.sentence_start(i)
            && (lx.first_any.contains(w) || lx.foreign.contains(w))
            && !sc.is(i, bit::NEVER)
            && !sc.is(i, bit::FUNCTION)
            && !upper_i
        {
            out.push(("NAME", sc.starts[i], sc.ends[i], 0.6, "name-vocative"));
            consumed = i as isize;
            continue;
        }
        let given = sc.is(i, bit::COMMON)
            && (lx.first_any.contains(w) || lx.foreign.contains(w))
            && !sc.is(i, bit::NEVER)
            && !sc.is(i, bit::FUNCTION)
            && !upper_i;
        // recall3 (g): a dialogue
        if given
            && after.first() == Some(&b':')
            && (i == 0 || gap(i).contains(&b'\n'))
            && sc.speaker_line(sc.ends[i])
            && sc.dialogue_beside(sc.starts[i], sc.ends[i])
        {
            out.push(("NAME", sc.starts[i], sc.ends[i], 0.6, "name-speaker"));
            consumed = i as isize;
            continue;
        }
        // recall3 (h): "had given Angel his address"
        if given
            && nxt
            && i > 0
            && sc.is(i - 1, bit::GIVE_VERBS)
            && sc.is(i + 1, bit::THEIR)
            && gap(i) == b" "
            && gap(i + 1) == b" "
            && !sc.is(i, bit::FAMILY_ROLES)
        {
            out.push(("NAME", sc.starts[i], sc.ends[i], 0.55, "name-given"));
            consumed = i as isize;
            continue;
        }
        // recall3 (i): "... of politics. Sue Young. Specific ..."
        if given
            && nxt
            && matches!(gap(i + 2).first(), Some(b'.' | b'!'))
            && lx.last_any.contains(low(i + 1))
            && gap(i + 1) == b" "
            && cap(i + 1)
            && !is_upper(sc.word(i + 1))
            && !sc.is(i + 1, bit::NEVER)
            && !sc.is(i + 1, bit::FUNCTION)
            && i > 0
            && sc.sentence_start(i)
        {
            let (s, e) = sc.span(i, i + 1);
            out.push(("NAME", s, e, 0.55, "name-sentence"));
            consumed = (i + 1) as isize;
            continue;
        }
        // A common word can only start a place: skip it unless one could start here.
        if sc.is(i, bit::COMMON)
            && w.len() > 1
            && !near_state
            && n_fac == 0
            && !lx.city_first.contains(w)
            && !lx.town_first.contains(w)
        {
            continue;
        }
        // 3a. "in Den Haag", "from Ostrov nad Ohri"
        if i > 0 && sc.is(i - 1, bit::RUN_CUES) && space_gap(gap(i)) && !upper_i {
            let mut j1 = i;
            while j1 + 1 < n
                && j1 - i < 4
                && space_gap(gap(j1 + 1))
                && (cap(j1 + 1)
                    || (sc.is(j1 + 1, bit::PLACE_PARTICLES)
                        && j1 + 2 < n
                        && cap(j1 + 2)
                        && space_gap(gap(j1 + 2))))
            {
                j1 += if cap(j1 + 1) { 1 } else { 2 };
            }
            let run = (i..=j1).filter(|&k| cap(k));
            if run.clone().count() >= 2
                && run.clone().all(|k| sc.place_word(k))
                && run
                    .clone()
                    .any(|k| !lx.english.contains(low(k)) && !sc.is(k, bit::COMMON))
                && !lx.first_any.contains(w)
                && !lx.last_any.contains(w)
                && !lx.foreign.contains(w)
                && !sc.eponym_next(j1)
            {
                out.push(("LOCATION", sc.starts[i], sc.ends[j1], 0.6, "place-run"));
                consumed = j1 as isize;
                continue;
            }
        }
        // 3. places from the gazetteer: longest match first
        if lx.city_first.contains(w) {
            let mut size = sc.caprun(i, lx.max_city_tokens);
            while size > 0 {
                let sz = size as usize;
                size -= 1;
                if !(sc.place_key_in(lx.cities, i, sz, &mut key)
                    && (i + 1..i + sz).all(|k| initial_gap(gap(k)) && cap(k)))
                {
                    continue;
                }
                let (s, e) = (sc.starts[i], sc.ends[i + sz - 1]);
                let nx = i + sz;
                if nx < n
                    && space_gap(gap(nx))
                    && (cap(nx) || sc.is(nx, bit::CONNECT))
                    && !sc.is(nx, bit::NEVER)
                    && sc.namey(nx)
                {
                    break;
                }
                let after = sc.state_after(e);
                let before = if i > 0 { low(i - 1) } else { "" };
                let ambiguous = sz == 1
                    && (lx.first.contains(w)
                        || lx.last.contains(w)
                        || (lx.english.contains(w) && sc.sentence_start(i)));
                let conf = if after.is_some() {
                    0.95
                } else if PLACE_CUES.contains(before) {
                    0.85
                } else if ambiguous {
                    break;
                } else {
                    0.8
                };
                out.push(("LOCATION", s, e, conf, "place-gazetteer"));
                consumed = (i + sz - 1) as isize;
                break;
            }
            if consumed >= i as isize {
                continue;
            }
        }
        // 3b. smaller US places: only with a place cue or a state after them
        let after_street = lx.town_first.contains(w)
            && i > 0
            && sc.is(i - 1, bit::STREET_TYPES)
            && matches!(gap(i), b", " | b",");
        if lx.town_first.contains(w)
            && (near_state || after_street || (i > 0 && sc.is(i - 1, bit::TOWN_CUES)))
        {
            let before = if i > 0 { low(i - 1) } else { "" };
            let before2 = if i > 1 { low(i - 2) } else { "" };
            let mut size = sc.caprun(i, lx.max_town_tokens);
            while size > 0 {
                let sz = size as usize;
                size -= 1;
                if !(sc.place_key_in(lx.towns, i, sz, &mut key)
                    && (i + 1..i + sz).all(|k| initial_gap(gap(k)) && cap(k)))
                {
                    continue;
                }
                let e = sc.ends[i + sz - 1];
                let nx = i + sz;
                if nx < n && space_gap(gap(nx)) && cap(nx) && !sc.is(nx, bit::NEVER) && sc.namey(nx)
                {
                    break;
                }
                let mut after = sc.state_after(e);
                if after.is_some_and(|m| sc.credential_only(m)) && !TOWN_CUES.contains(before) {
                    after = None;
                }
                let ambiguous = sz == 1 && (lx.first_any.contains(w) || lx.last.contains(w));
                let strong = STRONG_PLACE_CUES.contains(before2) && TOWN_CUES.contains(before);
                if after.is_some()
                    || strong
                    || ((TOWN_CUES.contains(before) || after_street) && !ambiguous)
                {
                    let conf = if after.is_some() { 0.9 } else { 0.8 };
                    out.push(("LOCATION", sc.starts[i], e, conf, "place-gazetteer"));
                    consumed = (i + sz - 1) as isize;
                }
                break;
            }
            if consumed >= i as isize {
                continue;
            }
        }
        // 3c. facilities: "St. Mary's Hospital", "Lakeside Nursing Home"
        if near_fac {
            if let Some(fac) = sc.facility_end(i) {
                out.push(("LOCATION", sc.starts[i], sc.ends[fac], 0.8, "facility"));
                consumed = fac as isize;
                continue;
            }
        }
        // 4. "<Town>, <ST>" and "lives in <Town>" for towns the gazetteer lacks
        if near_state && !sc.is(i, bit::NEVER) && !upper_i {
            let mut j1 = i;
            while j1 + 1 < n
                && j1 - i < 4
                && (space_gap(gap(j1 + 1))
                    || (matches!(low(j1), "st" | "ft" | "mt") && initial_gap(gap(j1 + 1))))
                && ((cap(j1 + 1) && !sc.is(j1 + 1, bit::NEVER))
                    || (sc.is(j1 + 1, bit::CONNECT) && j1 + 2 < n && cap(j1 + 2)))
            {
                j1 += 1;
            }
            let e1 = sc.ends[j1];
            let mut after =
                if e1 + 2 < text.len() && (text[e1] == b',' || text[e1 + 1].is_ascii_uppercase()) {
                    sc.state_after(e1)
                } else {
                    None
                };
            if after.is_some_and(|m| sc.credential_only(m)) {
                after = None;
            }
            if after.is_some() && sc.place_run_start_ok(i) {
                out.push(("LOCATION", sc.starts[i], sc.ends[j1], 0.85, "place-context"));
                consumed = j1 as isize;
                continue;
            }
        }
        if i > 1
            && matches!(low(i - 1), "in" | "to" | "near" | "from")
            && (sc.is(i - 2, bit::STRONG_PLACE_CUES) || lx.city_first.contains(w))
            && sc.namey(i)
        {
            let mut j1 = i;
            while j1 + 1 < n
                && j1 - i < 4
                && (space_gap(gap(j1 + 1))
                    || (matches!(low(j1), "st" | "ft" | "mt") && initial_gap(gap(j1 + 1))))
                && ((cap(j1 + 1) && sc.namey(j1 + 1))
                    || (sc.is(j1 + 1, bit::CONNECT) && j1 + 2 < n && cap(j1 + 2)))
            {
                j1 += 1;
            }
            out.push(("LOCATION", sc.starts[i], sc.ends[j1], 0.75, "place-context"));
            consumed = j1 as isize;
            continue;
        }
        // 5. lexicon names: capitalised census first name, then surname words
        let fw = if lx.first.contains(w) {
            w
        } else {
            match w.split_once('-') {
                Some((h, _)) if lx.first.contains(h) => h,
                _ => "",
            }
        };
        if !fw.is_empty() && sc.namey(i) && !(upper_i && w.len() <= 3) {
            let j1 = sc.extend(i, false);
            let (s, e) = sc.span(i, j1);
            if j1 == i && CLINICAL_ABBREVIATIONS.contains(w) && value_next(sc.text, e) {
                continue; // a census name that is a lab's abbreviation, before its value: "BUN 32 Na 134"
            }
            let conf = if j1 > i {
                0.9
            } else if sc.sentence_start(i) {
                if !lx.first_common.contains(fw)
                    && !(nxt && space_gap(gap(i + 1)) && sc.is(i + 1, bit::SUBJECT_PERSON_VERBS))
                {
                    continue;
                }
                0.7
            } else {
                0.75
            };
            out.push(("NAME", s, e, conf, "name-lexicon"));
            consumed = j1 as isize;
            continue;
        }
        // 5b. an initial and a surname: "J. Smith", "A. M. Lopez"
        if w.len() == 1 && upper_i && nxt && initial_gap(gap(i + 1)) && gap(i + 1).contains(&b'.') {
            let mut k = i + 1;
            if low(k).len() == 1 && is_upper(sc.word(k)) && k + 1 < n && initial_gap(gap(k + 1)) {
                k += 1;
            }
            if cap(k)
                && low(k).len() > 1
                && lx.last_any.contains(low(k))
                && !sc.is(k, bit::NEVER)
                && !is_upper(sc.word(k))
            {
                let (s, e) = sc.span(i, k);
                out.push(("NAME", s, e, 0.8, "name-initial"));
                consumed = k as isize;
                continue;
            }
        }
        // 6. "Lopez, Maria"
        if lx.last.contains(w)
            && sc.namey(i)
            && nxt
            && comma_gap(gap(i + 1))
            && cap(i + 1)
            && lx.first.contains(low(i + 1))
            && !gap(i).iter().any(u8::is_ascii_digit)
            && sc.state_after(sc.ends[sc.extend(i + 1, false)]).is_none()
        {
            let j1 = sc.extend(i + 1, false);
            let (s, e) = sc.span(i, j1);
            out.push(("NAME", s, e, 0.88, "name-lexicon"));
            consumed = j1 as isize;
            continue;
        }
        // 7. "Aarav Iyer was admitted"
        if i + 2 < n
            && (sc.is(i + 2, bit::SUBJECT_VERBS) || (i + 3 < n && sc.is(i + 3, bit::SUBJECT_VERBS)))
            && sc.namey(i)
            && !upper_i
            && space_gap(gap(i + 1))
            && cap(i + 1)
            && sc.namey(i + 1)
        {
            let mut j1 = i + 1;
            if j1 + 1 < n && space_gap(gap(j1 + 1)) && cap(j1 + 1) && sc.namey(j1 + 1) {
                j1 += 1;
            }
            let before = if i > 0 { low(i - 1) } else { "" };
            if j1 + 1 < n
                && space_gap(gap(j1 + 1))
                && sc.is(j1 + 1, bit::SUBJECT_VERBS)
                && !PLACE_CUES.contains(before)
                && !(i..=j1).any(|k| is_upper(sc.word(k)))
            {
                let (s, e) = sc.span(i, j1);
                out.push(("NAME", s, e, 0.7, "name-subject"));
                consumed = j1 as isize;
                continue;
            }
        }
        if lx.last.contains(w)
            && sc.namey(i)
            && lx.common_last.contains(w)
            && w.len() > 2
            && !upper_i
            && !sc.sentence_start(i)
            && !lx.english_common.contains(w)
        {
            let (s, e) = sc.span(i, i);
            out.push(("NAME", s, e, 0.55, "surname-lexicon"));
            continue;
        }
        // recall3 (b): 'says Iwase.', "Alvir spent", "Alvir D. Pusaver"
        if ((i > 0 && sc.is(i - 1, bit::SAY_CUES))
            || (nxt && (sc.is(i + 1, bit::DRUGISH_VERBS) || sc.wlen(i + 1) == 1)))
            && word_i[0].is_ascii_uppercase()
            && lx.drugish(word_i, w)
        {
            let after_i = gap(i + 1);
            let j1 = if i > 0
                && sc.is(i - 1, bit::SAY_CUES)
                && space_gap(gap(i))
                && (i + 1 >= n || matches!(after_i.first(), Some(b'.' | b',' | b'!' | b'?')))
            {
                Some(i)
            } else if nxt && space_gap(after_i) && sc.is(i + 1, bit::DRUGISH_VERBS) {
                Some(i)
            } else if i + 2 < n
                && sc.wlen(i + 1) == 1
                && is_upper(sc.word(i + 1))
                && initial_gap(after_i)
                && initial_gap(gap(i + 2))
                && cap(i + 2)
                && !is_upper(sc.word(i + 2))
                && (sc.unknown(i + 2) || lx.last_any.contains(low(i + 2)))
                && !sc.is(i + 2, bit::NEVER)
            {
                Some(i + 2)
            } else {
                None
            };
            if let Some(j1) = j1 {
                let (s, e) = sc.span(i, j1);
                out.push(("NAME", s, e, 0.55, "name-unknown"));
                consumed = j1 as isize;
                continue;
            }
        }
        // 8. capitalised words no dictionary lists ("Mashuu Samurakami")
        if sc.unknown(i) {
            let mut j1 = i;
            while j1 + 1 < n
                && j1 - i < 3
                && (space_gap(gap(j1 + 1)) || (sc.wlen(j1) == 1 && initial_gap(gap(j1 + 1))))
                && (sc.unknown(j1 + 1)
                    || (cap(j1 + 1)
                        && sc.namey(j1 + 1)
                        && (lx.last.contains(low(j1 + 1)) || lx.first.contains(low(j1 + 1))))
                    || (sc.wlen(j1 + 1) == 1
                        && is_upper(sc.word(j1 + 1))
                        && j1 + 2 < n
                        && sc.unknown(j1 + 2)))
            {
                j1 += 1;
            }
            let mut p = j1 + 1;
            while p < n && p - j1 <= 2 && sc.is(p, bit::PARTICLES) && !cap(p) && space_gap(gap(p)) {
                p += 1;
            }
            if p > j1 + 1
                && p < n
                && cap(p)
                && space_gap(gap(p))
                && !is_upper(sc.word(p))
                && !sc.is(p, bit::NEVER)
                && !sc.is(p, bit::FUNCTION)
            {
                j1 = p;
            }
            let before = if i > 0 && space_gap(gap(i)) {
                low(i - 1)
            } else {
                ""
            };
            let after_and = i + 2 < n
                && low(i + 1) == "and"
                && cap(i + 2)
                && (lx.last.contains(low(i + 2)) || lx.first.contains(low(i + 2)))
                && space_gap(gap(i + 1));
            let before2 = if i > 1 && !before.is_empty() {
                low(i - 2)
            } else {
                ""
            };
            let verb_after = j1 + 1 < n
                && space_gap(gap(j1 + 1))
                && sc.is(j1 + 1, bit::PERSON_VERBS)
                && !(low(j1 + 1) == "is"
                    && !(j1 + 2 < n && matches!(low(j1 + 2), "from" | "very" | "my")));
            let after_gap: &[u8] = if nxt { gap(i + 1) } else { b"" };
            if j1 > i
                || UNKNOWN_CUES.contains(before)
                || after_and
                || verb_after
                || (matches!(before, "to" | "into") && MOVE_VERBS.contains(before2))
                || (lx.foreign.contains(w) && !sc.sentence_start(i) && !sc.eponym_next(i))
                || ((i == 0 || gap(i).contains(&b'\n'))
                    && sc.speaker_gap(sc.ends[i])
                    && !CLINICAL_ABBREVIATIONS.contains(w))
                || (i + 2 < n
                    && py_strip(after_gap) == b","
                    && cap(i + 2)
                    && (lx.last.contains(low(i + 2)) || lx.first.contains(low(i + 2))))
                || SAY_CUES.contains(before)
                || (before == "of" && PLACE_HEADS.contains(before2))
                || (j1 + 1 < n && space_gap(gap(j1 + 1)) && sc.is(j1 + 1, bit::PERSON_VERBS_MORE))
                || (j1 == i && sc.lone_unknown(i))
            {
                let (s, e) = sc.span(i, j1);
                out.push(("NAME", s, e, if j1 > i { 0.6 } else { 0.5 }, "name-unknown"));
                consumed = j1 as isize;
            }
        }
    }
    out
}

/// `names.scan_names(text, lex)` for ASCII text; other text raises ValueError (the engine keeps it on
/// the Python function). The error names no part of the text.
#[pyfunction]
fn scan_names(py: Python<'_>, text: &str, lex: &Lexicons) -> PyResult<Vec<Hit>> {
    if !text.is_ascii() {
        return Err(PyValueError::new_err("scan_names: text is not ASCII"));
    }
    let lx = Lex::new(lex)?;
    Ok(py.allow_threads(|| scan(text, lx)))
}

/// The hand-kept word lists the port holds, by their Python names (for the test that holds them equal).
#[pyfunction]
fn names_wordlists(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let sorted = |s: &Words| {
        let mut v: Vec<String> = s.iter().map(|w| w.to_string()).collect();
        v.sort();
        v
    };
    let owned = |s: &FxHashSet<String>| {
        let mut v: Vec<String> = s.iter().cloned().collect();
        v.sort();
        v
    };
    let sets: [(&str, &Words); 50] = [
        ("CLINICAL_ABBREVIATIONS", &CLINICAL_ABBREVIATIONS),
        ("TITLES", &TITLES),
        ("ROLE_WORDS", &ROLE_WORDS),
        ("ROLE_BIGRAMS", &ROLE_BIGRAMS),
        ("STRONG_CUES", &STRONG_CUES),
        ("COMMON", &COMMON),
        ("PLACE_CUES", &PLACE_CUES),
        ("_STATE_TOKENS", &STATE_TOKENS),
        ("STATES", &STATES),
        ("STRONG_PLACE_CUES", &STRONG_PLACE_CUES),
        ("_TOWN_CUES", &TOWN_CUES),
        ("_CREDENTIAL_STATES", &CREDENTIAL_STATES),
        ("SUBJECT_VERBS", &SUBJECT_VERBS),
        ("_LOWER_STOP", &LOWER_STOP),
        ("FAMILY_ROLES", &FAMILY_ROLES),
        ("_FACILITY_HEADS", &FACILITY_HEADS),
        ("_FACILITY_END", &FACILITY_END),
        ("_NEVER", &NEVER),
        ("_FUNCTION", &FUNCTION),
        ("_PARTICLES", &PARTICLES),
        ("_CONNECT", &CONNECT),
        ("_PERSON_VERBS", &PERSON_VERBS),
        ("_MOVE_VERBS", &MOVE_VERBS),
        ("_EPONYMS", &EPONYMS),
        ("_EPONYM_HEADS", &EPONYM_HEADS),
        ("_PLACE_HEADS", &PLACE_HEADS),
        ("_SAY_CUES", &SAY_CUES),
        ("_PERSON_VERBS_MORE", &PERSON_VERBS_MORE),
        ("_SUBJECT_PERSON_VERBS", &SUBJECT_PERSON_VERBS),
        ("_UNKNOWN_CUES", &UNKNOWN_CUES),
        ("_ABBREV_TITLES", &ABBREV_TITLES),
        ("_BIGRAM_LAST", &BIGRAM_LAST),
        ("_CUE_ANY", &CUE_ANY),
        ("_PREV_CUES", &PREV_CUES),
        ("_DRUGISH_VERBS", &DRUGISH_VERBS),
        ("_R3_LOWER", &R3_LOWER),
        ("_JOURNEY", &JOURNEY),
        ("_GIVE_VERBS", &GIVE_VERBS),
        ("_THEIR", &THEIR),
        ("_MED_CUES", &MED_CUES),
        ("_KIN_AFTER", &KIN_AFTER),
        ("_VOCATIVE_NEXT", &VOCATIVE_NEXT),
        ("_KIND_HEADS", &KIND_HEADS),
        ("_KIND_BEFORE", &KIND_BEFORE),
        ("_KIND_CUES", &KIND_CUES),
        ("_KIND_NOT", &KIND_NOT),
        ("_RUN_CUES", &RUN_CUES),
        ("_PLACE_PARTICLES", &PLACE_PARTICLES),
        ("_VERBISH", &VERBISH.iter().copied().collect()),
        ("_TOWN_ENDING", &TOWN_ENDING.iter().copied().collect()),
    ];
    for (name, set) in sets {
        d.set_item(name, sorted(set))?;
    }
    let list = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    d.set_item("_ENGLISH_SUFFIX", list(ENGLISH_SUFFIX))?;
    d.set_item("_DRUG_STEM", list(DRUG_STEM))?;
    d.set_item(
        "_FACILITY_PAIRS",
        FACILITY_PAIRS
            .iter()
            .map(|(a, b)| format!("{a} {b}"))
            .collect::<Vec<_>>(),
    )?;
    d.set_item("_FACILITY_CAP", owned(&FACILITY_CAP))?;
    d.set_item("_STREET_TYPES", owned(&STREET_TYPES))?;
    d.set_item("_STATE_AFTER", STATE_AFTER.as_str())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_names, m)?)?;
    m.add_function(wrap_pyfunction!(names_wordlists, m)?)?;
    Ok(())
}
