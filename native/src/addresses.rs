//! `runtime/redaction/addresses.py` in Rust: `scan_addresses` (house-number blocks, named streets,
//! corners, form place fields, cue-led street lines), line for line, for ASCII text. The Python
//! module is the oracle (`tests/native/test_addresses.py`).
// The conditions are kept as the Python writes them, so the two read side by side.
#![allow(clippy::nonminimal_bool, clippy::collapsible_if)]

use std::sync::LazyLock;

use pcre2::bytes::CaptureLocations;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::clinical::pyre::{self, group, is_upper, rstrip_dots, split_ws, Needle, Res, Rx};
use crate::clinical::Hit;
use crate::lexicons::Lexicons;
use crate::names::lists::CLINICAL_ABBREVIATIONS;

macro_rules! rx {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Rx> = LazyLock::new(|| Rx::new($pat));
    };
    ($name:ident, I, $pat:expr) => {
        static $name: LazyLock<Rx> = LazyLock::new(|| Rx::caseless($pat));
    };
}

// The Python patterns less their non-ASCII letters (`\u2206`, `\u00c0-\u024f`: no ASCII text holds them).
rx!(
    HOUSE,
    r"\d(?<![\w.,/\-:+$#]\d)\d{0,5}(?=[ \t]+(?:\d{1,5}[ \t]+)?[^\W\d_])"
);
// groups: 1 the separator, 2 the token
rx!(
    TOKEN,
    r"([ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+){0,2},?[ \t]*+)(\([^()\n]{1,24}\)|\d{1,6}(?:-\d{1,4})?[A-Za-z]?(?!\.\d)\.?(?![\w/])|[^\W\d_][\w'\-]{0,40}\.?)"
);
rx!(
    UNIT_AFTER,
    I,
    r"[ \t]?(?:%|(?:mg|mcg|ug|ml|mL|g|kg|units?|iu|IU|mmol|meq|mEq|cm|mm|x|hrs?|min|days?|weeks?)\b)"
);
rx!(
    UNIT_NEXT,
    I,
    r"[ \t]+(?:apt|apartment|suite|ste|unit|flat|fl|floor|lgh|app|ap)\b\.?[ \t]*\d"
);
rx!(
    AND_STREET,
    r"[ \t]+and[ \t]+(?:\d{1,6}[ \t]+)?[A-Z][\w'\-]*(?:[ \t]+[A-Z][\w'\-]*\.?){0,3}"
);
rx!(
    POSTCODE,
    r"[ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+)?,?[ \t]*+(\d{5}(?:-\d{3,4})?|\d{2}-\d{3}|\d{3} \d{2}|\d{4}-\d{3})(?![\w-]| ?\d)"
);
rx!(
    POSTCODE_SHAPE,
    r"\d(?:\d{4}|\d-\d{3}|\d\d \d\d|\d{3}-\d{3})"
);
rx!(
    FILLER,
    r"[ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+)?,?[ \t]*+([^\W\d_][\w'\-]{0,15})\.?(?=[ \t,\n])"
);
rx!(
    ON_STREET,
    r"(?<![\w'\-])(?:on|off|along|onto)[ \t]+((?:[A-Z][^\W\d_][\w'\-]*[ \t]+){1,3})\z"
);
rx!(
    CORNER,
    r"[Cc]orner[ \t]+of[ \t]+((?:[^\W_][\w'\-]{0,40}\.?[ \t]+){1,5}?)(?:and|&)[ \t]+((?:\d{1,6}(?:st|nd|rd|th)?[ \t]+)?(?:[A-Z][\w'\-]{0,40}|\d{1,6}(?:st|nd|rd|th)?)(?:[ \t]+(?:[A-Z][\w'\-]{0,40}|\d{1,6})\.?){0,3})"
);
rx!(
    FORM_PLACE,
    I,
    r"[ \t]*(?:where|venue)[ \t]*:[ \t]*([^\W_][^\n]{1,78}?)[ \t.]*(?:\n|\z)"
);

const CONNECTORS: &str = "de del della delle dei di da do dos das du des la le les van von der den ten ter al el bin ben da y e i u ul al str nad pod na v sur";
const STOP: &str = "the a an and or but for with please i we he she it they you this that my our his her their if when who what which after before last next since until on at in to of by from is was are were";
const NOT_STREET: &str = "bed beds room rooms floor ward bay mg mcg units unit tablets tabs tablet caps capsules capsule times days day weeks week hours hour minutes minute years year months month puffs puff drops sprays patches am pm bp hr rr doses dose pills pill cm mm kg lbs ml mmhg grade stage type level levels episodes visits cycles january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec";

fn word_set(words: &'static str) -> FxHashSet<&'static str> {
    words.split(' ').collect()
}

static CONNECTORS_SET: LazyLock<FxHashSet<&str>> = LazyLock::new(|| word_set(CONNECTORS));
static STOP_SET: LazyLock<FxHashSet<&str>> = LazyLock::new(|| word_set(STOP));
static NOT_STREET_SET: LazyLock<FxHashSet<&str>> = LazyLock::new(|| word_set(NOT_STREET));

fn stop(w: &str) -> bool {
    STOP_SET.contains(w)
}

fn not_street(w: &str) -> bool {
    NOT_STREET_SET.contains(w)
}

const MAX_TOKENS: usize = 12;
const CUE_WORDS: [&str; 15] = [
    "lives at",
    "located at",
    "address is",
    "address:",
    "sent to",
    "it's in",
    "is at",
    "meet you at",
    "send it to",
    "resides at",
    "address with",
    "corner of",
    "return to",
    "sent to the",
    "located on",
];
/// `_COMPOUND_STREET`, the ASCII ones ("vägen", "straße", "stræde" cannot end an ASCII word).
const COMPOUND_STREET: [&str; 21] = [
    "gatan", "gata", "veien", "vegen", "vej", "gade", "straat", "strasse", "weg", "laan", "gasse",
    "platz", "allee", "katu", "tie", "polku", "kuja", "stigen", "torget", "bakken", "vollen",
];
const NAMED_STREET_WORDS: [&str; 9] = [
    "Street",
    "Avenue",
    "Road",
    "Boulevard",
    "Lane",
    "Drive",
    "Terrace",
    "Parkway",
    "Highway",
];

/// The searchers of the fixed words, built once: `NAMED_STREET_WORDS` with a space in front, "corner",
/// the form fields, `CUE_WORDS`.
struct Needles {
    named: Vec<Needle<'static>>,
    corner: Needle<'static>,
    fields: [Needle<'static>; 2],
    cues: Vec<Needle<'static>>,
}

static NEEDLES: LazyLock<Needles> = LazyLock::new(|| Needles {
    named: NAMED_STREET_WORDS
        .iter()
        .map(|w| Needle::owned(format!(" {w}").into_bytes()))
        .collect(),
    corner: Needle::new(b"corner"),
    fields: [Needle::new(b"where"), Needle::new(b"venue")],
    cues: CUE_WORDS
        .iter()
        .map(|c| Needle::new(c.as_bytes()))
        .collect(),
});

/// The word lists `scan_addresses` is given.
struct Lists<'a> {
    english: &'a FxHashSet<String>,
    street: &'a FxHashSet<String>,
}

impl Lists<'_> {
    /// `_known`: a dictionary word, or its plural / past / -ing form.
    fn known(&self, low: &str) -> bool {
        if self.english.contains(low) {
            return true;
        }
        ["s", "es", "ed", "d", "ing"]
            .iter()
            .any(|suf| low.ends_with(suf) && self.english.contains(&low[..low.len() - suf.len()]))
    }

    /// `_street_word` for ASCII `low`.
    fn street_word(&self, low: &str) -> bool {
        if self.street.contains(low) {
            return true;
        }
        low.len() >= 7 && COMPOUND_STREET.iter().any(|s| low.ends_with(s)) && !self.known(low)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    StreetWord,
    Number,
    Bracket,
    CapStop,
    Capital,
    Connector,
    Lower,
}

/// `_token_kind`: (kind, flag, sentence_end) of a token, by its text alone.
fn token_kind(tok: &[u8], lists: &Lists) -> (Kind, bool, bool) {
    let c = tok[0];
    let bare = rstrip_dots(tok);
    let low = pyre::as_str(bare).to_ascii_lowercase();
    let mut flag = false;
    let kind = if lists.street.contains(low.as_str())
        || (!lists.street.is_empty()
            && low.len() >= 7
            && c.is_ascii_alphabetic()
            && lists.street_word(&low))
    {
        Kind::StreetWord
    } else if c.is_ascii_digit() {
        Kind::Number
    } else if c == b'(' {
        Kind::Bracket
    } else if c.is_ascii_uppercase() {
        if ((stop(&low) || not_street(&low)) && !(is_upper(bare) && bare.len() <= 3))
            || CLINICAL_ABBREVIATIONS.contains(low.as_str())
        {
            Kind::CapStop // "ON", "IN" in capitals are a province or state
        } else {
            flag = !lists.known(&low) && !(is_upper(bare) && bare.len() <= 5);
            Kind::Capital
        }
    } else if CONNECTORS_SET.contains(low.as_str())
        || (tok.ends_with(b".") && bare.len() <= 3 && c.is_ascii_alphabetic())
    {
        Kind::Connector
    } else {
        flag = !stop(&low)
            && !not_street(&low)
            && !CLINICAL_ABBREVIATIONS.contains(low.as_str())
            && !lists.known(&low);
        Kind::Lower
    };
    let full_stop =
        tok.ends_with(b".") && (bare.len() > 3 || bare.last().is_some_and(u8::is_ascii_digit));
    (kind, flag, full_stop)
}

/// One `_TOKEN` match: (end, separator span, token span).
type Token = (usize, (usize, usize), (usize, usize));

fn token(t: &[u8], locs: &mut CaptureLocations, pos: usize) -> Res<Option<Token>> {
    if !TOKEN.caps_at(locs, t, pos)? {
        return Ok(None);
    }
    Ok(Some((group(locs, 0).1, group(locs, 1), group(locs, 2))))
}

/// `_number_follows`: is the next token (or the one after a second lower-case word) a number on the
/// same line?
fn number_follows(
    t: &[u8],
    mut pos: usize,
    lists: &Lists,
    locs: &mut CaptureLocations,
) -> Res<bool> {
    for _ in 0..2 {
        let Some((end, (sa, sb), (ta, tb))) = token(t, locs, pos)? else {
            return Ok(false);
        };
        if t[sa..sb].contains(&b'\n') {
            return Ok(false);
        }
        let tok = &t[ta..tb];
        if tok[0].is_ascii_digit() {
            return Ok(!UNIT_AFTER.matches_at(t, end)?);
        }
        let low = pyre::as_str(rstrip_dots(tok)).to_ascii_lowercase();
        if !tok[0].is_ascii_alphabetic() || stop(&low) || lists.known(&low) {
            return Ok(false);
        }
        pos = end;
    }
    Ok(false)
}

/// What `_extend` found: (end, words, numbers, lines, odd, streetword).
type Extent = (usize, usize, usize, usize, usize, bool);

/// One scan's state: the word lists, `_token_kind` per token text, reusable capture slots.
struct Scan<'a> {
    t: &'a [u8],
    lists: Lists<'a>,
    kinds: FxHashMap<&'a [u8], (Kind, bool, bool)>,
    tok: CaptureLocations,
    tok2: CaptureLocations,
}

impl<'a> Scan<'a> {
    /// `_extend`: from `pos`, take address tokens.
    fn extend(&mut self, pos: usize, need_number: bool) -> Res<Option<Extent>> {
        let t = self.t;
        let mut end = pos;
        let (mut words, mut nums, mut lines, mut odd) = (0usize, 0usize, 0usize, 0usize);
        let mut streetword = false;
        for _ in 0..MAX_TOKENS {
            let Some((m_end, (sa, sb), (ta, tb))) = token(t, &mut self.tok, end)? else {
                break;
            };
            let nl = t[sa..sb].iter().filter(|c| **c == b'\n').count();
            if nl > 0 && (lines + nl > 5 || (words == 0 && nums == 0)) {
                break;
            }
            let tok: &'a [u8] = &t[ta..tb];
            let lists = &self.lists;
            let (kind, flag, full_stop) = *self
                .kinds
                .entry(tok)
                .or_insert_with(|| token_kind(tok, lists));
            match kind {
                Kind::Capital => {
                    words += 1;
                    odd += flag as usize;
                }
                Kind::Number => {
                    if UNIT_AFTER.matches_at(t, m_end)? {
                        break;
                    }
                    nums += 1;
                }
                Kind::StreetWord => {
                    words += 1;
                    odd += 1;
                    streetword = true;
                }
                Kind::Bracket => {
                    if words == 0 {
                        break;
                    }
                }
                Kind::Connector => {}
                Kind::Lower
                    if (words > 0 || nums > 0)
                        && flag
                        && (streetword
                            || number_follows(t, m_end, &self.lists, &mut self.tok2)?) =>
                {
                    odd += 1; // a lower-case street word before its number: "tér 19.", "gate 232"
                }
                _ => break, // a stop in capitals, or a lower-case word that is no street word
            }
            lines += nl;
            end = m_end;
            if full_stop {
                let bare = rstrip_dots(tok);
                let n0 = t.get(end).copied();
                let n1 = t.get(end + 1).copied();
                let abbreviation = bare.last().is_some_and(u8::is_ascii_digit)
                    && (n0 == Some(b',')
                        || (n0 == Some(b'\n') && n1.is_some() && n1 != Some(b'\n'))
                        || UNIT_NEXT.matches_at(t, end)?);
                if !abbreviation {
                    end -= 1; // a full stop, not an abbreviation: the sentence ends here
                    break;
                }
            }
        }
        if words == 0 || (need_number && nums == 0) {
            return Ok(None);
        }
        while end > pos && b",.".contains(&t[end - 1]) {
            end -= 1;
        }
        Ok(Some((end, words, nums, lines, odd, streetword)))
    }
}

/// `_postcode_after`: end of a postal code that follows the block ending at `end`, else `end`.
fn postcode_after(t: &[u8], end: usize, locs: &mut CaptureLocations) -> Res<usize> {
    if POSTCODE_SHAPE.search(t, end, end + 48)?.is_none() {
        return Ok(end);
    }
    let mut pos = end;
    for _ in 0..3 {
        if POSTCODE.caps_at(locs, t, pos)? {
            let (_, m_end) = group(locs, 0);
            let (g1, _) = group(locs, 1);
            if UNIT_AFTER.matches_at(t, m_end)?
                || t[end..g1].iter().filter(|c| **c == b'\n').count() > 2
            {
                return Ok(end);
            }
            return Ok(m_end);
        }
        let mut filler = FILLER.locations();
        if !FILLER.caps_at(&mut filler, t, pos)? {
            return Ok(end);
        }
        let (ga, gb) = group(&filler, 1);
        let w = pyre::as_str(&t[ga..gb]).to_ascii_lowercase();
        if stop(&w) || not_street(&w) {
            return Ok(end);
        }
        pos = group(&filler, 0).1;
    }
    Ok(end)
}

fn named_streets(t: &[u8], out: &mut Vec<Hit>) -> Res<()> {
    let n = t.len();
    let mut locs = ON_STREET.search_locations();
    for (word, needle) in NAMED_STREET_WORDS.iter().zip(&NEEDLES.named) {
        let mut at = needle.find(t, 0);
        while let Some(pos) = at {
            let end = pos + 1 + word.len();
            if end == n || !(t[end].is_ascii_alphanumeric() || t[end] == b'-' || t[end] == b'\'') {
                if ON_STREET.search_caps(&mut locs, t, pos.saturating_sub(60), pos + 1)? {
                    let (a, b) = group(&locs, 1);
                    let low = t[a..b].to_ascii_lowercase();
                    if !split_ws(&low).any(|w| {
                        let w = pyre::as_str(w);
                        stop(w) || not_street(w)
                    }) {
                        out.push(("LOCATION", a, end, 0.55, "address-block"));
                    }
                }
            }
            at = needle.find(t, end);
        }
    }
    Ok(())
}

fn corners(t: &[u8], low: &[u8], out: &mut Vec<Hit>) -> Res<()> {
    let mut locs = CORNER.locations();
    let needle = &NEEDLES.corner;
    let mut at = needle.find(low, 0);
    while let Some(pos) = at {
        if (pos == 0 || !t[pos - 1].is_ascii_alphanumeric()) && CORNER.caps_at(&mut locs, t, pos)? {
            let (fa, fb) = group(&locs, 1);
            let (sa, sb) = group(&locs, 2);
            let first: Vec<&[u8]> = split_ws(&t[fa..fb]).collect();
            let second = &t[sa..sb];
            let second_first = split_ws(second).next().unwrap_or(b"");
            if first
                .iter()
                .any(|w| w[0].is_ascii_uppercase() || w[0].is_ascii_digit())
                && !first
                    .iter()
                    .any(|w| stop(&pyre::as_str(rstrip_dots(w)).to_ascii_lowercase()))
                && (second[0].is_ascii_uppercase() || second[0].is_ascii_digit())
                && !stop(&pyre::as_str(second_first).to_ascii_lowercase())
            {
                let mut end = sb;
                while t[end - 1] == b'.' {
                    end -= 1;
                }
                out.push(("LOCATION", fa, end, 0.65, "address-block"));
            }
        }
        at = needle.find(low, pos + 6);
    }
    Ok(())
}

fn form_places(t: &[u8], low: &[u8], lists: &Lists, out: &mut Vec<Hit>) -> Res<()> {
    let mut locs = FORM_PLACE.locations();
    for (field, needle) in ["where", "venue"].iter().zip(&NEEDLES.fields) {
        let mut at = needle.find(low, 0);
        while let Some(pos) = at {
            if (pos == 0 || t[pos - 1] == b'\n') && FORM_PLACE.caps_at(&mut locs, t, pos)? {
                let (a, b) = group(&locs, 1);
                let value = t[a..b].to_ascii_lowercase();
                // re.findall(r"[^\W\d_]+", value): the runs of letters
                let unknown = value
                    .split(|c| !c.is_ascii_alphabetic())
                    .filter(|w| !w.is_empty())
                    .any(|w| !lists.known(pyre::as_str(w)));
                if unknown {
                    out.push(("LOCATION", a, b, 0.65, "address-block"));
                }
            }
            at = needle.find(low, pos + field.len());
        }
    }
    Ok(())
}

/// `scan_addresses(text, english, low, street)` for ASCII `t`.
pub fn scan(t: &[u8], english: &FxHashSet<String>, street: &FxHashSet<String>) -> Res<Vec<Hit>> {
    let mut out = Vec::new();
    let mut sc = Scan {
        t,
        lists: Lists { english, street },
        kinds: FxHashMap::default(),
        tok: TOKEN.locations(),
        tok2: TOKEN.locations(),
    };
    let mut first = TOKEN.locations();
    let mut post = POSTCODE.locations();
    let mut done: Option<usize> = None; // Python's -1
    let mut scanned = 0usize; // only ever raises `at`, which starts at 0
    let mut at = 0;
    while let Some((s, pos)) = HOUSE.search(t, at, t.len())? {
        at = pos;
        let Some((f_end, _, (ta, tb))) = token(t, &mut first, pos)? else {
            continue;
        };
        let mut tok: &[u8] = &t[ta..tb];
        if tok[0].is_ascii_digit() {
            tok = match token(t, &mut first, f_end)? {
                Some((_, _, (a, b))) => &t[a..b],
                None => b"",
            };
        }
        let first_low = pyre::as_str(rstrip_dots(tok)).to_ascii_lowercase();
        if tok.is_empty()
            || not_street(&first_low)
            || CLINICAL_ABBREVIATIONS.contains(first_low.as_str())
        {
            continue;
        }
        let Some((end, _words, nums, lines, odd, streetword)) = sc.extend(pos, false)? else {
            continue;
        };
        if !((nums > 0 && odd > 0)
            || (lines > 0 && (odd > 0 || nums > 0))
            || (streetword && odd >= 2))
        {
            scanned = scanned.max(end);
            at = at.max(scanned);
            continue;
        }
        let end = postcode_after(t, end, &mut post)?;
        out.push(("LOCATION", s, end, 0.55, "address-block"));
        done = Some(end);
        at = at.max(end);
    }
    named_streets(t, &mut out)?;
    let low = t.to_ascii_lowercase();
    corners(t, &low, &mut out)?;
    form_places(t, &low, &sc.lists, &mut out)?;
    // Cue-led with no house number in front.
    let n = t.len();
    for (cue, needle) in CUE_WORDS.iter().zip(&NEEDLES.cues) {
        let mut at = needle.find(&low, 0);
        while let Some(pos) = at {
            let mut start = pos + cue.len();
            while start < n && b" \t:".contains(&t[start]) {
                start += 1;
            }
            if done.is_none_or(|d| start > d)
                && start < n
                && (pos == 0 || !low[pos - 1].is_ascii_alphanumeric())
                && t[start].is_ascii_uppercase()
            {
                if let Some(got) = sc.extend(start, true)? {
                    let mut end = got.0;
                    if *cue == "corner of" {
                        if let Some((_, e)) = AND_STREET.match_at(t, end)? {
                            end = e;
                        }
                    }
                    let end = postcode_after(t, end, &mut post)?;
                    out.push(("LOCATION", start, end, 0.5, "address-block"));
                    done = Some(end);
                }
            }
            at = needle.find(&low, pos + 1);
        }
    }
    Ok(out)
}

/// `addresses.scan_addresses(text, lex.english, low, lex.street_words)` for ASCII text.
#[pyfunction]
fn scan_addresses(py: Python<'_>, text: &str, lex: Py<Lexicons>) -> PyResult<Vec<Hit>> {
    if !text.is_ascii() {
        return Err(PyValueError::new_err(
            "native detectors take ASCII text only",
        ));
    }
    let lex = lex.get();
    let english = lex.set("english")?;
    let street = lex.set("street_words")?;
    Ok(py.allow_threads(|| scan(text.as_bytes(), english, street))?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_addresses, m)?)?;
    Ok(())
}
