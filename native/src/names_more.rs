//! The name detectors that run after `scan_names` on what it found: names listed beside a found name
//! (`list_neighbours`), other mentions of a found name's words (`repeat_mentions`), capitalised words
//! joined by "and" (`joined_names`) and the house number after a found name or place
//! (`numbered_places`). Ports of the functions of the same names at the end of
//! `runtime/redaction/names.py`, which stay the oracle: same hits, same order, for every ASCII text.
//!
//! The text is ASCII (the engine checks), so a byte offset is a Python string offset and Python's
//! character classes reduce to their ASCII members (`str.isalnum`, `\w`, `[^\W\d_]`, `str.split`'s
//! whitespace, which includes `\x1c`-`\x1f`). Other text is refused with an error, never misread.

use std::sync::LazyLock;

use memchr::memmem;
use pcre2::bytes::{CaptureLocations, Regex, RegexBuilder};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::lexicons::Lexicons;
use crate::structured::py_space;

/// One candidate, as the Python detectors yield it: (category, start, end, confidence, detector).
type Hit = (&'static str, usize, usize, f64, &'static str);

// The word sets of names.py and wordlists.py the four detectors read, copied (sorted). A test holds
// each equal to its Python set (`names_more_words`), so an edit on one side alone fails CI.
const COMMON_SRC: &str = "\
    a a/p a1c acct addison addison's admission admit advil aetna african aleve all allah allergies \
    allergy alone also alzheimer alzheimer's amber ambien american an and angel anthem any apartment \
    apgar appeared appears apr april arabic are art as asian assessment at aug august autumn avenue \
    babinski baby bad bcc be bed been behavioral bell bell's best better bilateral bill bishop black \
    blue bmi bmp both bp brown brudzinski bud buddha buddy but by call can cardiology care caucasian cbc \
    cc ccu center centre champ chance charity chart chief chinese chip christ christian church cigna \
    city clinic cmp colonel complaint consult consultation continue continues coral could coumadin \
    county court crohn crohn's cross crystal ct cushing cushing's daisy dale dawn day dea dear dec \
    december denied denies department dept destiny diagnosis did discharge disposition divine dl do doa \
    dob doctor dod does don doppler down drive dx each earl east eastern ecg ed edd ega eight ekg \
    emergency encounter endorsed endorses english epley er european evening every exam faith family feb \
    february feels felt few fh first five floor foley follow follow-up followup for four french fri \
    friday from fx fyi ganz gene general german ginger glasgow glen god golden good grace gram grant \
    graves gray green grey guy had harmony has have he health heimlich hello her here hi him his \
    hispanic history hodgkin hodgkin's holly holter homan homans home honey honor hope hospital house \
    how hpi hr humana hx i icu if ill illness imaging impression in inpatient inr insurance internal \
    iris is it ivory jack jade jan january japanese jesus job joy judge jul july jun june just justice \
    kaiser kernig kg king korean lab labs lane lasix last latina latino left liberty lily lipitor lived \
    lives living lmp long lord love lower major mar march mark max may mcg me medicaid medical medicare \
    medication medications medicine meds mental mercy mg might min minor miracle ml mon monday month \
    more morning most motrin mri mrn murphy murphy's must my neurology new next nicu night nine no noon \
    norco north northern not note noted notes nov november now npi nurse objective oct october of ok \
    okay old olive on oncology one only opal or order orders other our outpatient own pacu page \
    parkinson parkinson's past pat patience patient pcp pe pearl pediatrics per phalen picu place plan \
    please pmh pope precious present presented presents primary problem problems prozac psh psychiatry \
    ptt radiology ray re red referral regards report reported reports result results return review right \
    road romberg room ros rose royal rr ruby russian rusty rx sage same sandy sat saturday school second \
    sep sept september service services seven sh shall she shelter shield should sick signs silver \
    sincerely six so social some sonny south southern spanish spo2 spring ssn start started state stated \
    states sterling stop stopped street subjective such sue sugar summer sun sunday sunny surgery \
    surgical swan sx takes taking telehealth temp ten than thank thanks that the their them then there \
    these they third this those three thu thur thurs thursday tinel tiny to today tomorrow too took town \
    trinity tsh tue tues tuesday two tx tylenol unique unit united upper urgent us very vietnamese \
    village virtual visit vital vitals ward was way we wed wednesday week well wells were west western \
    what when where which white who whom why will winter with without wood work would xanax year yes \
    yesterday you young your zoloft \
";
const ROLE_WORDS_SRC: &str = "\
    attending aunt boss boyfriend brother cardiologist caregiver chaplain child client clinician \
    co-worker coach colleague counsellor counselor cousin coworker dad daughter dentist doula employer \
    father fiance fiancee friend girlfriend granddaughter grandfather grandma grandmother grandpa \
    grandson guardian husband intern landlord manager midwife mom mother mum neighbor neighbour nephew \
    neurologist niece oncologist partner patient pcp pediatrician pharmacist physician provider \
    psychiatrist psychologist pt pts resident resident's roommate sibling sister son sponsor spouse \
    stepdaughter stepfather stepmother stepson supervisor surgeon teacher therapist twin uncle wife \
";
const NEVER_MORE_SRC: &str = "\
    a an and are at but by for from had has have he her his in is it of on or she that the their they \
    this to was were which who with \
";
const STATES_SRC: &str = "\
    alabama alaska america arizona arkansas california canada colorado connecticut delaware florida \
    georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts \
    mexico michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon \
    pennsylvania tennessee texas usa utah vermont virginia washington wisconsin wyoming \
";
const FUNCTION_SRC: &str = "\
    also are as at be been being by can could did do does had has have here ill in is just may might \
    must no not now on out said says should so still then there up very was well were will would yes \
";
const TITLES_SRC: &str = "\
    doctor dr madam miss mister mr mrs ms mx np nurse pa prof professor rev rn sr \
";
const EPONYM_HEADS_SRC: &str = "\
    anomaly bodies body cell cells classification contracture criteria curve deformity disease diseases \
    disorder equation formula fracture index law lesion lesions lymphoma maneuver manoeuvre method \
    neuralgia node nodes operation palsy pattern phenomenon procedure reflex repair sarcoma scale score \
    sign signs stage staging syndrome syndromes test tests triad tumor tumour type ulcer \
";
const EPONYMS_SRC: &str = "\
    barre bechterew behcet dejerine durer gaucher gorlin graefe gruneisen guillain henoch hunner kohler \
    kussmaul loffler lowenstein meniere muller roussy schonlein sjogren tietze tourette \
";
/// The endings of `_DRUG_STEM` (`(?:...)\Z`, so a search is an `ends_with` test), in its order.
#[rustfmt::skip]
const DRUG_STEMS: &[&str] = &[
    "pril", "olol", "sartan", "statin", "mab", "nib", "azole", "cillin", "mycin", "cycline", "floxacin",
    "dipine", "prazole", "tidine", "setron", "triptan", "afil", "gliptin", "glitazone", "parin",
    "xaban", "gatran", "lukast", "terol", "sone", "olone", "semide", "thiazide", "formin", "glipizide",
    "lamide", "barbital", "azepam", "zolam", "oxetine", "aline", "triptyline", "apine", "idone",
    "peridol", "profen", "coxib", "vir", "navir", "tegravir", "caine", "curium", "fentanil", "morphone",
    "codone", "tropin", "mide", "zide", "osin", "ase", "emia", "itis", "osis", "ectomy", "otomy",
    "plasty", "scopy", "gram", "graphy", "pathy", "algia", "ology", "ologist", "uria", "penia",
    "cytosis", "oma", "ectasis", "megaly",
];

fn word_set(srcs: &[&'static str]) -> FxHashSet<&'static str> {
    srcs.iter()
        .flat_map(|s| s.split_ascii_whitespace())
        .collect()
}

static COMMON: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| word_set(&[COMMON_SRC]));
/// `_NEVER = TITLES | ROLE_WORDS | STATES | {...}`, built as names.py builds it.
static NEVER: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| word_set(&[TITLES_SRC, ROLE_WORDS_SRC, STATES_SRC, NEVER_MORE_SRC]));
static STATES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| word_set(&[STATES_SRC]));
static FUNCTION: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| word_set(&[FUNCTION_SRC]));
static TITLES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| word_set(&[TITLES_SRC]));
static EPONYM_HEADS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| word_set(&[EPONYM_HEADS_SRC]));
static EPONYMS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| word_set(&[EPONYMS_SRC]));

/// A pattern of names.py, compiled once. `\G` in front makes a search an anchored `match` at the start
/// offset; `\z` is Python's `\Z`. No UTF mode: the subject is ASCII bytes.
fn pcre(pattern: &str, caseless: bool) -> Regex {
    RegexBuilder::new()
        .jit_if_available(true)
        .caseless(caseless)
        .build(pattern)
        .expect("names_more: a fixed pattern compiles")
}

/// `_LIST_NEXT.match`: the member listed after a name.
static LIST_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    pcre(
        r"\G(?:,[ \t]{1,2}(?:and[ \t]{1,2})?|[ \t]{1,2}(?:and|&)[ \t]{1,2})([A-Z][\w'\-]*[^\W\d_])(?![\w'\-])",
        false,
    )
});
/// `_LIST_PREV.search(text, a, pos)`: the member listed before a name (the subject is cut at `pos`).
static LIST_PREV: LazyLock<Regex> = LazyLock::new(|| {
    pcre(
        r"(?<![\w'\-])([A-Z][\w'\-]*[^\W\d_])(?:,[ \t]{1,2}(?:and[ \t]{1,2})?|[ \t]{1,2}(?:and|&)[ \t]{1,2})\z",
        false,
    )
});
/// `_JOINED.finditer(text, a, b)`: capitalised words joined by "and" (the subject is cut at `b`).
static JOINED: LazyLock<Regex> = LazyLock::new(|| {
    pcre(
        r"(?<![\w'\-])((?:[A-Z][\w'\-]*[^\W\d_],[ \t]{1,2}){0,3}[A-Z][\w'\-]*[^\W\d_]),?[ \t]{1,2}(?:and|&)[ \t]{1,2}([A-Z][\w'\-]*[^\W\d_])(?![\w'\-])",
        false,
    )
});
/// `_NUMBER_AFTER.match`: a house number after a name or place.
static NUMBER_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    pcre(
        r"\G[ \t]{1,2}(\d{1,5}[A-Za-z]?)(?:\.?(?=[ \t]*(?:\n|\z|[,;!?)]))|(?=\.(?:[ \t]|\n|\z))|(?=[ \t]+(?:St|Str|Street|st|street)\b))",
        false,
    )
});
/// `_NUMBER_CUE_BEFORE.search(text, a, s)`: a place's preposition right before the name.
static NUMBER_CUE_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| pcre(r"(?<![\w'\-])(?:on|of|at|to)[ \t]{1,2}\z", true));
/// `_AND_NUMBER.match`: "and", a second street's name and its house number.
static AND_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    pcre(
        r"\G[ \t]+(?:and|&)[ \t]+([A-Z][\w'\-]*[^\W\d_])[ \t]+\d{1,5}(?![\w/.,:]?\d|[\w/])(?![ \t]*(?:%|(?:x|times|days?|weeks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|mg|mcg|g|kg|lbs?|units?|ml|mL|am|pm|o'clock)\b))",
        false,
    )
});
/// `_AND_CUE_BEFORE.search(text, a, s)`.
static AND_CUE_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| pcre(r"(?<![\w'\-])(?:on|of|at|to|is)[ \t]{1,2}\z", true));

const LIST_REACH: usize = 48;
const LIST_MAX: usize = 4;
const MENTION_MAX: usize = 16;
const MENTION_NAMES: usize = 64;
const MENTION_WORDS: usize = 24;
const MENTION_REACH: usize = 1 << 16;
const MENTION_OCC: usize = 4096;
const JOINED_REACH: usize = 80;

/// The lexicon sets these detectors read, looked up once per call.
pub(crate) struct Lists<'a> {
    last_any: &'a FxHashSet<String>,
    first_any: &'a FxHashSet<String>,
    foreign: &'a FxHashSet<String>,
    english: &'a FxHashSet<String>,
    english_common: &'a FxHashSet<String>,
}

impl<'a> Lists<'a> {
    pub(crate) fn new(lex: &'a Lexicons) -> PyResult<Self> {
        Ok(Lists {
            last_any: lex.set("last_any")?,
            first_any: lex.set("first_any")?,
            foreign: lex.set("foreign")?,
            english: lex.set("english")?,
            english_common: lex.set("english_common")?,
        })
    }

    fn on_list(&self, low: &str) -> bool {
        self.last_any.contains(low) || self.first_any.contains(low) || self.foreign.contains(low)
    }
}

/// Why a scan stopped: the text was not ASCII, or PCRE2 gave up (a match limit; never on these patterns).
pub(crate) enum Fail {
    NotAscii,
    Regex,
}

impl From<pcre2::Error> for Fail {
    fn from(_: pcre2::Error) -> Self {
        Fail::Regex
    }
}

impl From<Fail> for PyErr {
    fn from(f: Fail) -> PyErr {
        // no text in the message: it may be PHI
        match f {
            Fail::NotAscii => PyValueError::new_err("names_more: the text is not ASCII"),
            Fail::Regex => PyRuntimeError::new_err("names_more: a pattern match failed"),
        }
    }
}

/// `str.split()`: the runs of non-whitespace.
fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_ascii() && py_space(c as u8))
        .filter(|w| !w.is_empty())
}

/// `str.isupper()` on ASCII: some cased character, none lower case.
fn is_upper(w: &str) -> bool {
    let b = w.as_bytes();
    !b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase)
}

/// `_DRUG_STEM.search(low)`.
fn drug_stem(low: &str) -> bool {
    DRUG_STEMS.iter().any(|s| low.ends_with(s))
}

/// `_APOS_NAME.match(low)`: `(?:o|d|l|mc|mac|di|da)'[a-z]{2,}\Z` (no prefix holds the apostrophe).
fn apos_name(low: &str) -> bool {
    match low.split_once('\'') {
        Some((head, rest)) => {
            matches!(head, "o" | "d" | "l" | "mc" | "mac" | "di" | "da")
                && rest.len() >= 2
                && rest.bytes().all(|c| c.is_ascii_lowercase())
        }
        None => false,
    }
}

/// `TOKEN.fullmatch(w)` on ASCII: letters and apostrophes after a letter, hyphen-joined parts.
fn is_token(w: &str) -> bool {
    w.split('-').all(|part| {
        let b = part.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphabetic()
            && b.iter().all(|&c| c.is_ascii_alphabetic() || c == b'\'')
    })
}

/// `text[a:b]` with Python's clamping (out-of-range and reversed bounds give "").
fn slice(text: &str, a: usize, b: usize) -> &str {
    let n = text.len();
    let (a, b) = (a.min(n), b.min(n));
    if a < b {
        &text[a..b]
    } else {
        ""
    }
}

fn check_ascii(text: &str) -> Result<(), Fail> {
    if text.is_ascii() {
        Ok(())
    } else {
        Err(Fail::NotAscii)
    }
}

/// `pattern.search(text, start, end)` (or `.match`, for a `\G` pattern): the subject ends at `end`, as
/// Python's `endpos` makes it; look-behind still sees the text before `start`.
fn search(
    re: &Regex,
    locs: &mut CaptureLocations,
    text: &[u8],
    start: usize,
    end: usize,
) -> Result<Option<(usize, usize)>, Fail> {
    let end = end.min(text.len());
    let start = start.min(end);
    Ok(re
        .captures_read_at(locs, &text[..end], start)?
        .map(|m| (m.start(), m.end())))
}

fn group(locs: &CaptureLocations, i: usize) -> (usize, usize) {
    locs.get(i)
        .expect("names_more: the group takes part in every match")
}

// --- list_neighbours -----------------------------------------------------------------------------

fn list_member(word: &str, l: &Lists) -> bool {
    let low = word.to_ascii_lowercase();
    let low = low.as_str();
    if is_upper(word)
        || COMMON.contains(low)
        || NEVER.contains(low)
        || STATES.contains(low)
        || FUNCTION.contains(low)
    {
        return false;
    }
    if low.len() < 3 || (low.contains('\'') && !apos_name(low)) {
        return false;
    }
    l.on_list(low) || (!l.english_common.contains(low) && !drug_stem(low))
}

fn list_cue(piece: &str) -> bool {
    piece.contains(',') || piece.contains("and") || piece.contains('&')
}

pub(crate) fn list_neighbours_in(
    text: &str,
    names: &[(usize, usize)],
    l: &Lists,
) -> Result<Vec<Hit>, Fail> {
    check_ascii(text)?;
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut next_locs = LIST_NEXT.capture_locations();
    let mut prev_locs = LIST_PREV.capture_locations();
    for &(s, e) in names {
        let nxt = slice(text, e, e.saturating_add(6));
        if nxt.starts_with(',') || nxt.contains("and") || nxt.contains('&') {
            let mut pos = e;
            for _ in 0..LIST_MAX {
                if search(&LIST_NEXT, &mut next_locs, b, pos, b.len())?.is_none() {
                    break;
                }
                let (ms, me) = group(&next_locs, 1);
                if !list_member(&text[ms..me], l) {
                    break;
                }
                out.push(("NAME", ms, me, 0.6, "name-list"));
                pos = me;
            }
        }
        if list_cue(slice(text, s.saturating_sub(8), s)) {
            let mut pos = s;
            for _ in 0..LIST_MAX {
                let start = pos.saturating_sub(LIST_REACH);
                if search(&LIST_PREV, &mut prev_locs, b, start, pos)?.is_none() {
                    break;
                }
                let (ms, me) = group(&prev_locs, 1);
                if !list_member(&text[ms..me], l) {
                    break;
                }
                out.push(("NAME", ms, me, 0.6, "name-list"));
                pos = ms;
            }
        }
    }
    Ok(out)
}

// --- repeat_mentions -----------------------------------------------------------------------------

fn after_sentence_end(b: &[u8], pos: usize) -> bool {
    let mut k = pos;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t' | b'"' | b'\'' | b'(') {
        k -= 1;
    }
    // `_SENTENCE_END` less its one non-ASCII member, the bullet
    k == 0 || b".!?:;\n*-#>|".contains(&b[k - 1])
}

pub(crate) fn repeat_mentions_in(
    text: &str,
    names: &[(usize, usize)],
    l: &Lists,
) -> Result<Vec<Hit>, Fail> {
    check_ascii(text)?;
    let mut out = Vec::new();
    if names.is_empty() {
        return Ok(out);
    }
    // name word -> how many found names hold it, in first-seen order (a Python dict)
    let mut found: Vec<(&str, usize)> = Vec::new();
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    for &(s, e) in names.iter().take(MENTION_NAMES) {
        for w in py_split(slice(text, s, e)) {
            let w = w.trim_matches(|c: char| matches!(c, '.' | ',' | '\'' | '"' | '(' | ')'));
            if w.len() >= 3 {
                match index.get(w) {
                    Some(&i) => found[i].1 += 1,
                    None => {
                        index.insert(w, found.len());
                        found.push((w, 1));
                    }
                }
            }
        }
    }
    let reach = slice(text, 0, MENTION_REACH);
    let mut wanted: Vec<&str> = Vec::new();
    for &(w, held) in found.iter().take(MENTION_WORDS) {
        // non-overlapping, as `str.count`
        if memmem::find_iter(reach.as_bytes(), w.as_bytes()).count() <= held {
            continue;
        }
        let low = w.to_ascii_lowercase();
        let low = low.as_str();
        if COMMON.contains(low)
            || NEVER.contains(low)
            || FUNCTION.contains(low)
            || TITLES.contains(low)
            || !is_token(w)
            || is_upper(w)
            || (!w.as_bytes()[0].is_ascii_uppercase() && l.english.contains(low))
        {
            continue;
        }
        wanted.push(w);
    }
    let mut spans = names.to_vec();
    spans.sort_unstable();
    let b = text.as_bytes();
    let n = b.len();
    let mut budget = MENTION_OCC;
    for &w in wanted.iter().take(MENTION_MAX) {
        let wordy = l.english_common.contains(&w.to_ascii_lowercase());
        let find = memmem::Finder::new(w);
        let mut at = find.find(b);
        while let Some(pos) = at {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let end = pos + w.len();
            let open = pos == 0
                || !(b[pos - 1].is_ascii_alphanumeric() || matches!(b[pos - 1], b'-' | b'\''));
            let close = end == n || !(b[end].is_ascii_alphanumeric() || b[end] == b'-');
            if open && close {
                let k = spans.partition_point(|&(s, _)| s <= pos);
                let inside = k > 0 && spans[k - 1].1 >= end;
                // a capitalised dictionary word at a sentence's start is the word, not the name
                let word_at_start = wordy && after_sentence_end(b, pos);
                if !inside && !word_at_start {
                    out.push(("NAME", pos, end, 0.6, "name-repeat"));
                }
            }
            at = find.find(&b[end..]).map(|i| i + end);
        }
    }
    Ok(out)
}

// --- joined_names --------------------------------------------------------------------------------

fn joined_member(word: &str, low: &str, l: &Lists) -> bool {
    if is_upper(word)
        || low.len() < 3
        || low.contains('\'')
        || NEVER.contains(low)
        || STATES.contains(low)
        || FUNCTION.contains(low)
    {
        return false;
    }
    if l.on_list(low) {
        return !EPONYMS.contains(low);
    }
    !COMMON.contains(low) && !l.english.contains(low) && !drug_stem(low)
}

pub(crate) fn joined_names_in(text: &str, l: &Lists) -> Result<Vec<Hit>, Fail> {
    check_ascii(text)?;
    let mut out = Vec::new();
    if !text.contains(" and ") && !text.contains(" & ") {
        return Ok(out);
    }
    let b = text.as_bytes();
    let n = b.len();
    let mut locs = JOINED.capture_locations();
    for conj in [" and ", " & "] {
        let k_off = conj.len();
        let mut at = text.find(conj);
        while let Some(pos) = at {
            at = text[pos + 1..].find(conj).map(|i| i + pos + 1);
            let k = pos + k_off;
            // most "and"s join lower-case words: no regex for them
            if !(k < n && b[k].is_ascii_uppercase() && pos > 0 && b[pos - 1].is_ascii_alphabetic())
            {
                continue;
            }
            let cut = n.min(k + 48);
            let mut from = pos.saturating_sub(JOINED_REACH);
            let mut hit = None;
            while let Some((ms, me)) = search(&JOINED, &mut locs, b, from, cut)? {
                if group(&locs, 2).0 == k {
                    hit = Some(me);
                    break;
                }
                from = if me > ms { me } else { me + 1 };
            }
            let Some(m_end) = hit else { continue };
            let (g1s, g1e) = group(&locs, 1);
            let mut members: Vec<(usize, usize)> = Vec::new();
            let mut i = g1s;
            while i < g1e {
                if py_space(b[i]) || b[i] == b',' {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < g1e && !(py_space(b[i]) || b[i] == b',') {
                    i += 1;
                }
                members.push((s, i));
            }
            members.push(group(&locs, 2));
            // the first members only as far as they still read as names
            let mut ok: Vec<(usize, usize, String)> = Vec::new();
            for &(s, e) in members.iter().rev() {
                let w = &text[s..e];
                let low = w.to_ascii_lowercase();
                if !joined_member(w, &low, l) {
                    break;
                }
                ok.push((s, e, low));
            }
            let after = slice(text, m_end, m_end + 24).to_ascii_lowercase();
            let nxt = py_split(&after)
                .next()
                .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':')))
                .unwrap_or("");
            if ok.len() >= 2
                && !EPONYM_HEADS.contains(nxt)
                && !drug_stem(nxt)
                && ok
                    .iter()
                    .any(|(_, _, w)| l.on_list(w) && !l.english_common.contains(w))
            {
                out.extend(
                    ok.iter()
                        .map(|&(s, e, _)| ("NAME", s, e, 0.55, "name-joined")),
                );
            }
        }
    }
    Ok(out)
}

// --- numbered_places -----------------------------------------------------------------------------

pub(crate) fn numbered_places_in(
    text: &str,
    spans: &[(usize, usize)],
    l: &Lists,
) -> Result<Vec<Hit>, Fail> {
    check_ascii(text)?;
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut locs = NUMBER_AFTER.capture_locations();
    let mut and_locs = AND_NUMBER.capture_locations();
    let mut cue_locs = AND_CUE_BEFORE.capture_locations();
    for &(s, e) in spans {
        let rest = if e <= n { &b[e..] } else { &b[n..] };
        if rest.starts_with(b" and ") || rest.starts_with(b" & ") {
            if let Some((_, m_end)) = search(&AND_NUMBER, &mut and_locs, b, e, n)? {
                let (gs, ge) = group(&and_locs, 1);
                if !l.first_any.contains(&text[gs..ge].to_ascii_lowercase())
                    && search(&AND_CUE_BEFORE, &mut cue_locs, b, s.saturating_sub(8), s)?.is_some()
                {
                    out.push(("LOCATION", s, m_end, 0.6, "street-number"));
                }
            }
            continue;
        }
        // most names are followed by no number: one look at two characters
        if e.saturating_add(1) >= n || !b[e + 1].is_ascii_digit() || !matches!(b[e], b' ' | b'\t') {
            continue;
        }
        if search(&NUMBER_AFTER, &mut locs, b, e, n)?.is_none()
            || search(&NUMBER_CUE_BEFORE, &mut cue_locs, b, s.saturating_sub(8), s)?.is_none()
        {
            continue;
        }
        let (gs, ge) = group(&locs, 1);
        let num = &text[gs..ge];
        if num.len() == 4 && num.bytes().all(|c| c.is_ascii_digit()) {
            let year: u32 = num.parse().expect("four ASCII digits");
            if (1900..=2099).contains(&year) {
                continue; // "moved to Tampere 2019."
            }
        }
        out.push(("LOCATION", gs, ge, 0.6, "street-number"));
    }
    Ok(out)
}

// --- the Python functions ------------------------------------------------------------------------

/// `names.list_neighbours(text, names, lex)` as a list.
#[pyfunction]
fn list_neighbours(
    py: Python<'_>,
    text: &str,
    names: Vec<(usize, usize)>,
    lex: Bound<'_, Lexicons>,
) -> PyResult<Vec<Hit>> {
    let l = Lists::new(lex.get())?;
    Ok(py.allow_threads(|| list_neighbours_in(text, &names, &l))?)
}

/// `names.repeat_mentions(text, names, lex)` as a list.
#[pyfunction]
fn repeat_mentions(
    py: Python<'_>,
    text: &str,
    names: Vec<(usize, usize)>,
    lex: Bound<'_, Lexicons>,
) -> PyResult<Vec<Hit>> {
    let l = Lists::new(lex.get())?;
    Ok(py.allow_threads(|| repeat_mentions_in(text, &names, &l))?)
}

/// `names.joined_names(text, lex)` as a list.
#[pyfunction]
fn joined_names(py: Python<'_>, text: &str, lex: Bound<'_, Lexicons>) -> PyResult<Vec<Hit>> {
    let l = Lists::new(lex.get())?;
    Ok(py.allow_threads(|| joined_names_in(text, &l))?)
}

/// `names.numbered_places(text, spans, lex)` as a list.
#[pyfunction]
fn numbered_places(
    py: Python<'_>,
    text: &str,
    spans: Vec<(usize, usize)>,
    lex: Bound<'_, Lexicons>,
) -> PyResult<Vec<Hit>> {
    let l = Lists::new(lex.get())?;
    Ok(py.allow_threads(|| numbered_places_in(text, &spans, &l))?)
}

/// The copied word sets and drug endings by their Python names, so a test holds them equal to names.py's.
#[pyfunction]
fn names_more_words(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let sets: [(&str, &FxHashSet<&str>); 7] = [
        ("COMMON", &COMMON),
        ("_NEVER", &NEVER),
        ("STATES", &STATES),
        ("_FUNCTION", &FUNCTION),
        ("TITLES", &TITLES),
        ("_EPONYM_HEADS", &EPONYM_HEADS),
        ("_EPONYMS", &EPONYMS),
    ];
    for (name, set) in sets {
        d.set_item(name, set.iter().copied().collect::<Vec<&str>>())?;
    }
    d.set_item("_DRUG_STEM", DRUG_STEMS.to_vec())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(list_neighbours, m)?)?;
    m.add_function(wrap_pyfunction!(repeat_mentions, m)?)?;
    m.add_function(wrap_pyfunction!(joined_names, m)?)?;
    m.add_function(wrap_pyfunction!(numbered_places, m)?)?;
    m.add_function(wrap_pyfunction!(names_more_words, m)?)?;
    Ok(())
}
