//! `runtime/redaction/clinical.py` in Rust: `scan_clinical` (the recall-first detectors) and
//! `address_tails`, line for line, for ASCII text. The Python module is the oracle
//! (`tests/native/test_clinical.py`); read each function next to its Python twin.
// The conditions are kept as the Python writes them, so the two read side by side.
#![allow(clippy::nonminimal_bool, clippy::collapsible_if)]

pub(crate) mod pyre;

use std::sync::LazyLock;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::names::lists::{CLINICAL_ABBREVIATIONS, FAMILY_ROLES};
use pyre::{find, group, is_lower, split_ws, Needle, Res, Rx};

/// A hit as the Python detectors yield it: (category, start, end, confidence, detector).
pub type Hit = (&'static str, usize, usize, f64, &'static str);

const MONTHS: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const STATES: &str = "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|AS|FM|GU|MH|MP|PW|VI|AA|AE|AP";
/// `markers.MARKER`: every marker the engine writes.
const MARKER: &str = r"\[(?:HEALTH_PLAN_ID|ACCOUNT_NUMBER|LICENSE_NUMBER|BIOMETRIC_ID|AGE_OVER_89|CREDIT_CARD|VEHICLE_ID|IP_ADDRESS|DEVICE_ID|OTHER_ID|LOCATION|EMAIL|PHOTO|PHONE|DATE|NAME|FAX|CVV|MRN|DEA|SSN|NPI|URL|CUSTOM_[A-Za-z0-9_]{1,64}?)(?:_\d{1,6})?_*\]";

macro_rules! rx {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Rx> = LazyLock::new(|| Rx::new(&$pat));
    };
    ($name:ident, I, $pat:expr) => {
        static $name: LazyLock<Rx> = LazyLock::new(|| Rx::caseless(&$pat));
    };
}

rx!(
    UNIT_AFTER,
    I,
    r"[ \t]?(?:%|(?:mg|mcg|ug|ml|mL|g|kg|units?|iu|IU|mmol|meq|mEq|cells|copies|/u?l|/mm3|/hpf|cfu|x|k)\b)"
);
rx!(
    GROUPED,
    r"(?<![\w.\-/])[A-Za-z]{0,4}+\d{1,12}+(?:[-/.][A-Za-z]{0,4}+\d{1,12}+[A-Za-z]{0,2}+){1,6}+(?![\w/]|[-.]\w)"
);
rx!(
    DMY_WORD,
    I,
    format!(
        r"(?<![\w])(?:0?[1-9]|[12]\d|3[01])[-/. ]?{MONTHS}\.?[-/. ]?(?:1[89]\d\d|20\d\d|\d\d)(?!\w)"
    )
);
rx!(
    MY_WORD,
    I,
    format!(r"(?<![\w]){MONTHS}[-/.]?(?:1[89]\d\d|20\d\d|'\d\d)(?!\w)")
);
rx!(
    COMPACT,
    r"(?<!\d)(?:19\d\d|20\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"
);
rx!(
    MONTH_YEAR,
    r"(?<![\w/.\-])(?:0?[1-9]|1[0-2])/(?:\d\d|1[89]\d\d|20\d\d)(?![\w/]|\.\d|-\d)"
);
rx!(MARKER_RX, MARKER);
rx!(MARKER_END, format!(r"(?:{MARKER})\z"));
rx!(
    MONTH_ALONE,
    r"\b(?:January|February|April|June|July|September|October|November|December|Sept|Janurary)\b"
);
rx!(
    HOLIDAY,
    r"\b(?:Christmas(?: Eve| Day)?|Thanksgiving|Easter|Halloween|New Year's(?: Eve| Day)?|Fourth of July|Memorial Day|Labor Day|Independence Day)\b"
);
rx!(
    PAGER,
    I,
    r"\b(?:pager|beeper|pgr|page|bleep|ext|extension|x)\.?[ \t]*+(?:#|no\.?|number|:)?[ \t]*+:?[ \t]*+(\d{3,6})(?!\d)"
);
rx!(
    SIGNOFF,
    r"(?<![\w/])([A-Z]{2,4}(?:[:/][ \t]?[a-z][a-z'\-]{1,20}){1,3})(?![\w/])"
);
rx!(
    CREDENTIAL,
    r",?[ \t]+(?:M\.D\.|MD|D\.O\.|DO|R\.N\.|RN|NP|N\.P\.|PA-C|P\.A\.|MBBS|Ph\.D\.|PhD|DDS|DMD|PharmD|FNP|ANP|APRN|CRNA|CNM|LCSW|LPN|DPM|OD|FACP|FACS|FAAP|MPH|MSN|BSN|CNP|DNP)\b\.?"
);
rx!(
    NAME_BEFORE,
    r"(?:[A-Z][A-Za-z'\-]{1,30}|[A-Z]\.)(?:[ \t]+(?:[A-Z][A-Za-z'\-]{0,30}\.?|[A-Z]\.)){0,3}\z"
);
rx!(
    HANDLE,
    r"(?<![\w.@])@[A-Za-z_][A-Za-z0-9_]{1,30}\b(?!\.\w|@)"
);
rx!(
    MONTH_CUE_BEFORE,
    r"\b(?:since|in|during|until|till|by|from|of|last|next|this|early|late|mid|through|before|after|around)[ \t]+(?:early[ \t]+|late[ \t]+|mid-?)?\z"
);
rx!(MY_BEFORE, I, format!(r"(?<![\w]){MONTHS}[-/.]?'?\z"));
rx!(
    IBAN,
    r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b"
);
rx!(ADDRESS_TAIL, address_tail("[A-Z]", STATES));
rx!(
    ADDRESS_TAIL_LOWER,
    address_tail("[a-z]", &STATES.to_lowercase())
);
rx!(
    CITY_ZIP,
    format!(
        r"(?<![\w])([A-Z][a-z][\w'\-.]*(?:[ \t]+[A-Z][\w'\-.]*){{0,3}}),?[ \t]+(?:{STATES})\.?,?[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])"
    )
);
rx!(
    DATE_TIME,
    r"(?<![\d/.\-])(?:(?:19|20)\d\d-\d\d-\d\d|\d{1,2}/\d{1,2}/(?:\d{4}|\d\d))(?:T|[ \t]{1,2}|[ \t]*@[ \t]*)\d{1,2}:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:[ \t]?[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d\d:?\d\d)?(?![\d:])"
);
rx!(
    PHONE_INTL,
    r"(?<![\w+.\-/])(?:\+|00)?\d{1,5}(?:[ \t.\-]?\(\d{1,4}\))?(?:[ .\-]\d{2,5}){2,5}(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,5})?(?![\w]|[.\-/:]\d)"
);
rx!(
    PHONE_PLUS,
    r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{2,5}(?:[ .\-]?\d{2,5}){1,4}(?![\w]|[.\-/]\d)"
);
rx!(
    POSTAL_LABEL,
    I,
    r"\b(?:zip code|zipcode|zip|postal code|postcode|post code|postleitzahl|plz)\b[ \t]*+(?:is|:|#)?[ \t]*+:?[ \t]*+((?=[A-Z0-9 \-]{0,10}\d)[A-Z0-9]{2,6}(?:[ \-][A-Z0-9]{2,4})?)(?![\w\-*])"
);
rx!(
    POSTAL_CA_UK,
    r"(?<![\w])(?:[A-CEGHJ-NPR-TVXY]\d[A-CEGHJ-NPR-TV-Z][ ]?\d[A-CEGHJ-NPR-TV-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2})(?![\w])"
);
rx!(
    MILITARY,
    I,
    r"(?<![\w])(?:(?:Unit|PSC|CMR)[ \t]+\d{1,5}(?:,?[ \t]+|[ \t]*\n[ \t]*)Box[ \t]+\d{1,5}|(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][\w'\-]*(?:[ \t]+[A-Z][\w'\-]*)?)(?:[ \t]*[,\n][ \t\n]*|[ \t]+)(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}(?:-\d{4})?(?!\d)"
);
// The Python pattern less its non-ASCII letters and the branches spelled with them ("Praça", "straße").
rx!(
    STREET_INTL,
    concat!(
        r"(?<![\w])(?:\d{1,6}[ \t]+)?(?:",
        r"(?:Via|Viale|Piazza|Corso|Rue|Avenue|Av\.|Avda\.?|Calle|Carrer|Rua|Travessa|Ul\.|ul\.|Aleja|al\.|Plac|",
        r"Chemin|Boulevard|Bd|Place|Allee|Strada|Calea|Ulica|Camino|Paseo|Largo)",
        r"(?:[ \t]+(?:de|del|della|delle|dei|di|da|do|dos|das|du|des|la|le|les|van|von|der|den)){0,2}",
        r"(?:[ \t]+[A-Z][\w'\-.]*){1,3}",
        r"|[A-Z][\w'\-]*(?:strasse|str\.|weg|gasse|platz|allee|ring|damm|vej|gade|gata|gatan|vegen|veien|",
        r"katu|tie|polku|kuja|laan|straat|gracht|plein|kade|dreef|steeg|utca|ulice|",
        r"korut|vei|stien|tee|iela|gatve)",
        r"(?:[ \t]+[A-Z][\w'\-]*)?)",
        r"[ \t]+\d{1,5}[A-Za-z]?(?![\w])"
    )
);
rx!(
    CODE_BEFORE,
    I,
    r"(?:cpt|code|codes|icd|icd-?\d{1,2}|hcpcs|loinc|snomed|ndc|drg|rxnorm|lot|#)[\s\x1c-\x1f:#]*\z"
);
rx!(
    PHONE_CUE,
    I,
    r"\b(?:phone|telephone|tel|mobile|cell|desk|office|fax|call(?:ed)?(?: me)?(?: on| at)?|answering at|reach(?: me)? at|registered|contact)\b[^\d]{0,12}?([+(]?\d[\d ()\-.]{4,18}\d)(?![\d])"
);
rx!(
    UNIT_LINE,
    r"(?im)^[ \t>?]*((?:apt|apartment|suite|ste|unit)\.?[ \t]*+#?[ \t]*+\d{1,5}[a-z]?)[ \t]*$"
);
rx!(
    NUM_NAME_NUM,
    r"\d{2,6}[ \t]+([A-Z][\w'\-]+(?:[ \t]+[A-Z][\w'\-]+){0,2})[ \t]+\d{1,5}[A-Za-z]?(?![\w]|[.,]\d)"
);
rx!(
    DATE_CTX_BEFORE,
    I,
    r"\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|born(?: on)?|admitted(?: on)?|admission(?: date)?|discharged(?: on)?|discharge(?: date)?|seen on|visit(?: date)?|dated|died(?: on)?|date of death|dod|doa|on|since|from|until|through|by)[\s\x1c-\x1f]*[:\-]?[\s\x1c-\x1f]*\z"
);

/// `clinical._address_tail`: ", City, ST 12345" after a street, for one case of letters.
fn address_tail(cap: &str, states: &str) -> String {
    let word = format!(r"{cap}[\w'\-.]*");
    format!(
        r"(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++)(?:(?i:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Bldg|Floor|Fl)\.?[ \t]*+#?[ \t]*+[A-Za-z0-9-]{{1,6}}(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++))?(?:{word}(?:[ \t]++{word}){{0,3}}[ \t]*+[,\n]?[ \t\n]*+,?[ \t]*+)?(?:(?:{states})\.?(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++))?(?:{word}(?:[ \t]++{word}){{0,2}}[ \t]++)?\d{{3,5}}(?:-\d{{3,4}})?(?![\w-])"
    )
}

// The word sets that gate the word-led detectors (`words` in Python), as bits per lower-case word.
const PAGER_W: u16 = 1;
const POSTAL_W: u16 = 1 << 1;
const PHONE_W: u16 = 1 << 2;
const UNIT_W: u16 = 1 << 3;
const MILITARY_W: u16 = 1 << 4;
const STREET_KW: u16 = 1 << 5;
const MONTH_ALONE_W: u16 = 1 << 6;
const MONTH_CUED_W: u16 = 1 << 7;
const HOLIDAY_W: u16 = 1 << 8;
const CREDENTIAL_W: u16 = 1 << 9;

const PHONE_WORDS: &str =
    "phone telephone tel mobile cell desk office fax call answering reach registered contact";
const MONTH_CUED_WORDS: &str = "may march august jan feb mar apr jun jul aug sep oct nov dec";

static WORD_BITS: LazyLock<FxHashMap<&'static str, u16>> = LazyLock::new(|| {
    let mut m: FxHashMap<&'static str, u16> = FxHashMap::default();
    let sets: [(u16, &'static str); 10] = [
        (PAGER_W, "pager beeper pgr page bleep ext extension"),
        (POSTAL_W, "zip zipcode postal postcode post postleitzahl plz"),
        (PHONE_W, PHONE_WORDS),
        (UNIT_W, "apt apartment suite ste unit"),
        (MILITARY_W, "unit psc cmr usns usnv uss uscgc"),
        (STREET_KW, "via viale piazza corso rue avenue avda calle carrer rua travessa ul aleja plac chemin boulevard allee strada calea ulica camino paseo pra largo"),
        (MONTH_ALONE_W, "january february april june july september october november december sept janurary"),
        (MONTH_CUED_W, MONTH_CUED_WORDS),
        (HOLIDAY_W, "christmas thanksgiving easter halloween new fourth memorial labor independence"),
        (CREDENTIAL_W, "md do rn np pa mbbs phd dds dmd pharmd fnp anp aprn crna cnm lcsw lpn dpm od facp facs faap mph msn bsn cnp dnp"),
    ];
    for (bit, words) in sets {
        for w in words.split(' ') {
            *m.entry(w).or_default() |= bit;
        }
    }
    m
});

/// `_STREET_SUFFIXES`, the ASCII ones ("straße" cannot be in ASCII text).
const STREET_SUFFIXES: [&str; 28] = [
    "strasse", "weg", "gasse", "platz", "allee", "damm", "vej", "gade", "gata", "gatan", "vegen",
    "veien", "katu", "polku", "kuja", "laan", "straat", "gracht", "plein", "kade", "dreef",
    "steeg", "utca", "ulice", "korut", "stien", "iela", "gatve",
];

/// `_MEDICAL_ENDING`: "RUQ: cholelithiasis" is a finding, not a sign-off.
const MEDICAL_ENDINGS: [&[u8]; 11] = [
    b"itis", b"iasis", b"osis", b"emia", b"ectomy", b"otomy", b"ostomy", b"plasty", b"opathy",
    b"algia", b"uria",
];
static SIGNOFF_WORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    "po iv im sq sc pr prn od os ou ad as au np pa md rn bid tid qid qd hs ac pc mg ml kg hr min sec neg \
     pos yes no na nd wnl and or with without left right bilat bilateral pending done ok none normal self full \
     dnr dni"
        .split(' ')
        .chain(FAMILY_ROLES.iter().copied())
        .collect()
});
const NOT_STREET: &str = "bed beds room rooms floor ward bay mg mcg units tablets tabs caps capsules times days weeks hours minutes years months puffs drops sprays patches am pm bp hr rr";
static NOT_STREET_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| NOT_STREET.split(' ').collect());
const DATE_CUE_ENDS: [&str; 23] = [
    "dob",
    "d.o.b",
    "d.o.b.",
    "birth",
    "birthdate",
    "date",
    "born",
    "on",
    "admitted",
    "admission",
    "discharged",
    "discharge",
    "visit",
    "dated",
    "died",
    "death",
    "dod",
    "doa",
    "since",
    "from",
    "until",
    "through",
    "by",
];

fn is_wc(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `_MONTH_START` (less the long s, not ASCII).
fn month_start(c: u8) -> bool {
    b"JFMASONDjfmasond".contains(&c)
}

fn count_digits(s: &[u8]) -> usize {
    s.iter().filter(|c| c.is_ascii_digit()).count()
}

/// The maximal runs of ASCII letters, lower-cased: the words of `_LOW_WORD.findall(text.lower())`.
fn for_each_word(t: &[u8], mut f: impl FnMut(&str)) {
    let mut buf = [0u8; 24];
    let mut i = 0;
    let n = t.len();
    while i < n {
        if !t[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && t[i].is_ascii_alphabetic() {
            i += 1;
        }
        let w = &t[s..i];
        if w.len() <= buf.len() {
            for (b, c) in buf.iter_mut().zip(w) {
                *b = c.to_ascii_lowercase();
            }
            f(pyre::as_str(&buf[..w.len()]));
        } else {
            f(&pyre::as_str(w).to_ascii_lowercase());
        }
    }
}

/// The street suffixes by their last two letters (a bit per `STREET_SUFFIXES` index): a word is tried
/// against the few that end as it does.
static SUFFIXES_BY_END: LazyLock<FxHashMap<[u8; 2], u32>> = LazyLock::new(|| {
    let mut m: FxHashMap<[u8; 2], u32> = FxHashMap::default();
    for (i, suf) in STREET_SUFFIXES.iter().enumerate() {
        let b = suf.as_bytes();
        *m.entry([b[b.len() - 2], b[b.len() - 1]]).or_default() |= 1 << i;
    }
    m
});

/// The gate bits of the words in `t`, and whether a word ends in a street suffix that `t` holds as
/// written (`_street_suffix_word`).
fn word_gates(t: &[u8]) -> (u16, bool) {
    let bits_of = &*WORD_BITS;
    let by_end = &*SUFFIXES_BY_END;
    let mut bits = 0;
    let mut suffix = false;
    let mut present: [Option<bool>; STREET_SUFFIXES.len()] = [None; STREET_SUFFIXES.len()];
    for_each_word(t, |w| {
        if w.len() <= 12 {
            if let Some(b) = bits_of.get(w) {
                bits |= *b;
            }
        }
        let wb = w.as_bytes();
        if suffix || wb.len() < 3 {
            return;
        }
        let Some(&cands) = by_end.get(&[wb[wb.len() - 2], wb[wb.len() - 1]]) else {
            return;
        };
        for (i, suf) in STREET_SUFFIXES.iter().enumerate() {
            if cands & (1 << i) != 0 && w.ends_with(suf) {
                let here = *present[i].get_or_insert_with(|| find(t, suf.as_bytes(), 0).is_some());
                if here {
                    suffix = true;
                    return;
                }
            }
        }
    });
    (bits, suffix)
}

/// `patterns.date_cue_before`: a date cue word ("DOB", "admitted on", "since") right before `s`.
fn date_cue_before(t: &[u8], s: usize) -> Res<bool> {
    let a = s.saturating_sub(48);
    let mut e = s;
    while e > a && b" \t\n:-".contains(&t[e - 1]) {
        e -= 1;
    }
    let tail = pyre::as_str(&t[a..e]).to_ascii_lowercase();
    if !DATE_CUE_ENDS.iter().any(|c| tail.ends_with(c)) {
        return Ok(false);
    }
    Ok(DATE_CTX_BEFORE.search(t, a, s)?.is_some())
}

fn glued_to_marker(t: &[u8], s: usize, e: usize) -> Res<bool> {
    Ok(
        (s > 0 && t[s - 1] == b']' && MARKER_END.search(t, s.saturating_sub(96), s)?.is_some())
            || (e < t.len() && t[e] == b'[' && MARKER_RX.matches_at(t, e)?),
    )
}

/// `_SPACED.match(text, s)`, `(?<![\w.])\d(?:[ .\-]\d){6,}(?![\w])`, without the regex: its
/// backtracking kept one frame per digit (PCRE2's JIT stack ran out on long runs of spaced digits).
/// Greedy repetition gives back at most one step: the character after any shorter run is a separator.
fn spaced_at(t: &[u8], s: usize) -> Option<(usize, usize)> {
    if s >= t.len() || !t[s].is_ascii_digit() || (s > 0 && (is_wc(t[s - 1]) || t[s - 1] == b'.')) {
        return None;
    }
    let mut reps = 0;
    let mut end = s + 1;
    while end + 1 < t.len() && b" .-".contains(&t[end]) && t[end + 1].is_ascii_digit() {
        reps += 1;
        end += 2;
    }
    if reps < 6 {
        return None;
    }
    if end == t.len() || !is_wc(t[end]) {
        return Some((s, end));
    }
    (reps > 6).then_some((s, end - 2))
}

fn intl_may_follow(t: &[u8], e: usize, n: usize) -> bool {
    if e >= n {
        return false;
    }
    let c = t[e];
    if c == b'(' {
        return true;
    }
    if !b" \t.-".contains(&c) || e + 1 >= n {
        return false;
    }
    let d = t[e + 1];
    d == b'(' || (c != b'\t' && d.is_ascii_digit())
}

fn phone_at(t: &[u8], s: usize, prev: u8, out: &mut Vec<Hit>) -> Res<()> {
    let intl_at = if s >= 2 && &t[s - 2..s] == b"00" {
        s - 2
    } else {
        s
    };
    let tries: [(&Rx, Option<usize>); 2] = [
        (&PHONE_PLUS, s.checked_sub(1)),
        (&PHONE_INTL, Some(intl_at)),
    ];
    for (i, (rx, at)) in tries.into_iter().enumerate() {
        let Some(at) = at else { continue };
        if i == 0 && prev != b'+' {
            continue;
        }
        if let Some((a, b)) = rx.match_at(t, at)? {
            let nd = count_digits(&t[a..b]);
            if (8..=15).contains(&nd) && !UNIT_AFTER.matches_at(t, b)? {
                out.push(("PHONE", a, b, 0.55, "phone-intl"));
                return Ok(());
            }
        }
    }
    Ok(())
}

/// `_digit_led`: every digit-led pattern, tried at the start of each digit run its shape allows.
fn digit_led(t: &[u8], n: usize, runs: &[(usize, usize)], out: &mut Vec<Hit>) -> Res<()> {
    let mut done = 0usize; // end of the last spaced-digits match (Python's -1: nothing is before 0)
    let mut num_locs = NUM_NAME_NUM.locations();
    for &(s, e) in runs {
        if s < done {
            continue;
        }
        let ln = e - s;
        let nxt = if e < n { t[e] } else { b' ' };
        let prev = if s > 0 { t[s - 1] } else { b' ' };
        if ln == 2
            && s >= 2
            && prev.is_ascii_uppercase()
            && t[s - 2].is_ascii_uppercase()
            && (s == 2 || !t[s - 3].is_ascii_alphanumeric())
        {
            if let Some((a, b)) = IBAN.match_at(t, s - 2)? {
                if count_digits(&t[a..b]) >= 8 {
                    out.push(("ACCOUNT_NUMBER", a, b, 0.9, "iban"));
                    done = b;
                    continue;
                }
            }
        }
        if ln <= 4 && b" \n\t,;)".contains(&nxt) && !b"+(".contains(&prev) {
            // the common case (a dose, a count, a year): only "1 2 3 ..." spaced digits start here
            if ln == 1 && nxt == b' ' && e + 1 < n && t[e + 1].is_ascii_digit() {
                if let Some((a, b)) = spaced_at(t, s) {
                    out.push(("OTHER_ID", a, b, 0.55, "spaced-digits"));
                    done = b;
                    continue;
                }
            }
            if ln <= 2 && nxt == b' ' && e + 1 < n && month_start(t[e + 1]) {
                if let Some((a, b)) = DMY_WORD.match_at(t, s)? {
                    out.push(("DATE", a, b, 0.92, "date-word"));
                }
            }
            if (ln == 3 || ln == 4) && intl_may_follow(t, e, n) {
                phone_at(t, s, prev, out)?;
            }
            if ln >= 2 && nxt == b' ' && e + 1 < n && t[e + 1].is_ascii_uppercase() && !is_wc(prev)
            {
                if NUM_NAME_NUM.caps_at(&mut num_locs, t, s)? {
                    let (a, b) = group(&num_locs, 0);
                    let (ga, gb) = group(&num_locs, 1);
                    if !UNIT_AFTER.matches_at(t, b)?
                        && !split_ws(&t[ga..gb]).any(|w| {
                            let low = w.to_ascii_lowercase();
                            let low = pyre::as_str(&low);
                            NOT_STREET_SET.contains(low) || CLINICAL_ABBREVIATIONS.contains(low)
                        })
                    {
                        out.push(("LOCATION", a, b, 0.6, "street-address"));
                    }
                }
            }
            continue;
        }
        let nxt2 = if e + 1 < n { t[e + 1] } else { 0 }; // only tested for digits and letters
        if ln <= 2 && prev.is_ascii_uppercase() {
            for k in [s.checked_sub(2), s.checked_sub(1)] {
                let m = match k {
                    Some(k) => POSTAL_CA_UK.match_at(t, k)?,
                    None => None,
                };
                if let Some((a, b)) = m {
                    out.push(("LOCATION", a, b, 0.8, "postal-code"));
                    break;
                }
            }
        }
        if (ln == 2 || ln == 4)
            && (prev.is_ascii_alphabetic() || b"-/.'".contains(&prev))
            && !is_wc(nxt)
        {
            if let Some((a, _)) = MY_BEFORE.search(t, s.saturating_sub(11), s)? {
                if MY_WORD.matches_at(t, a)? {
                    out.push(("DATE", a, e, 0.88, "date-word"));
                }
            }
        }
        if ln <= 4 && nxt == b'.' && nxt2.is_ascii_digit() {
            let tok = &t[s..(s + 9).min(n)];
            let len = tok
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b'.')
                .count();
            let dots = tok[..len].iter().filter(|c| **c == b'.').count();
            if dots < 2 && len < 8 {
                continue; // a decimal: 3.2, 98.6, F32.1
            }
        } else if ln <= 4 && nxt.is_ascii_alphabetic() && !month_start(nxt) {
            continue; // 3x, 45yo, 5mg
        } else if ln <= 3 && b"%'\"".contains(&nxt) {
            continue;
        }
        if ln >= 6 {
            if !UNIT_AFTER.matches_at(t, e)? {
                out.push(("OTHER_ID", s, e, 0.5, "digit-run"));
            }
            if ln == 8 && COMPACT.matches_at(t, s)? {
                out.push(("DATE", s, e, 0.85, "date-compact"));
            }
        } else if ln == 5
            && !is_wc(prev)
            && !b".,-/$#".contains(&prev)
            && !is_wc(nxt)
            && !(b".,-/".contains(&nxt) && nxt2.is_ascii_digit())
            && !UNIT_AFTER.matches_at(t, e)?
            && CODE_BEFORE.search(t, s.saturating_sub(16), s)?.is_none()
        {
            out.push(("LOCATION", s, e, 0.4, "five-digits"));
            if b" \t,\n".contains(&prev) {
                if let Some((a, b)) = CITY_ZIP.search(t, s.saturating_sub(80), (e + 5).min(n))? {
                    if b >= e {
                        out.push(("LOCATION", a, b, 0.85, "city-state-zip"));
                    }
                }
            }
        }
        if b"-/.".contains(&nxt) && nxt2.is_ascii_alphanumeric() {
            let mut k = s;
            while k > 0 && s - k < 4 && t[k - 1].is_ascii_alphabetic() {
                k -= 1;
            }
            if let Some((a, b)) = GROUPED.match_at(t, k)? {
                if count_digits(&t[a..b]) >= 7 && !UNIT_AFTER.matches_at(t, b)? {
                    out.push(("OTHER_ID", a, b, 0.45, "grouped-id"));
                }
            }
            if (ln == 4 && nxt == b'-') || (ln <= 2 && nxt == b'/') {
                if let Some((a, b)) = DATE_TIME.match_at(t, s)? {
                    out.push(("DATE", a, b, 0.96, "date-time"));
                }
            }
            if ln <= 2 && nxt == b'/' {
                if let Some((a, b)) = MONTH_YEAR.match_at(t, s)? {
                    if !glued_to_marker(t, s, b)? {
                        let m = &t[a..b];
                        let slash = m
                            .iter()
                            .position(|c| *c == b'/')
                            .expect("a month/year has a slash");
                        let denom = &m[slash + 1..];
                        let score = matches!(denom, b"10" | b"5" | b"4");
                        if !score || date_cue_before(t, s)? {
                            out.push(("DATE", a, b, 0.7, "date-month-year"));
                        }
                    }
                }
            }
        }
        if ln == 1 && b" .-".contains(&nxt) && nxt2.is_ascii_digit() {
            if let Some((a, b)) = spaced_at(t, s) {
                out.push(("OTHER_ID", a, b, 0.55, "spaced-digits"));
                done = b;
                continue;
            }
        }
        if ln <= 2
            && (month_start(nxt) || (b"-/. ".contains(&nxt) && e + 1 < n && month_start(t[e + 1])))
        {
            if let Some((a, b)) = DMY_WORD.match_at(t, s)? {
                out.push(("DATE", a, b, 0.92, "date-word"));
            }
        }
        if prev == b'+' || ((b" .-(".contains(&nxt) || prev == b'(') && intl_may_follow(t, e, n)) {
            phone_at(t, s, prev, out)?;
        }
    }
    Ok(())
}

/// The words of `list` (a space-separated set) that the gate found, in the order Python's set
/// intersection gives them when the caller says (`order`), else in `list`'s order.
/// `bit` is `list`'s bit in `WORD_BITS`, so each word of the text is one table lookup.
fn present<'a>(
    t: &[u8],
    list: &'a str,
    bit: u16,
    order: Option<&'a [String]>,
) -> Vec<std::borrow::Cow<'a, str>> {
    match order {
        Some(words) => words.iter().map(|w| w.as_str().into()).collect(),
        None => {
            let mut seen: FxHashSet<&'static str> = FxHashSet::default();
            for_each_word(t, |w| {
                if let Some((k, b)) = WORD_BITS.get_key_value(w) {
                    if b & bit != 0 {
                        seen.insert(k);
                    }
                }
            });
            list.split(' ')
                .filter(|w| seen.contains(*w))
                .map(Into::into)
                .collect()
        }
    }
}

/// `scan_clinical(text, words, runs)` for ASCII `t`. `cues` and `cued`: the words of `_PHONE_WORDS`
/// and `_MONTH_CUED_WORDS` in `words`, in the order Python iterates their intersection (the hits of
/// those two loops come out in that order).
pub fn scan(t: &[u8], cues: Option<&[String]>, cued: Option<&[String]>) -> Res<Vec<Hit>> {
    let n = t.len();
    let mut out = Vec::new();
    let (bits, suffix_word) = word_gates(t);
    if t.iter().any(u8::is_ascii_digit) {
        digit_led(t, n, &crate::structured::digit_runs(t), &mut out)?;
        if bits & PAGER_W != 0 {
            PAGER.for_each(t, |m| {
                let (a, b) = group(m, 1);
                out.push(("PHONE", a, b, 0.8, "pager"));
                Ok(())
            })?;
        }
        if bits & POSTAL_W != 0 {
            POSTAL_LABEL.for_each(t, |m| {
                let (a, b) = group(m, 1);
                out.push(("LOCATION", a, b, 0.9, "postal-label"));
                Ok(())
            })?;
        }
        let cues = if bits & PHONE_W != 0 || cues.is_some() {
            present(t, PHONE_WORDS, PHONE_W, cues)
        } else {
            vec![]
        };
        if !cues.is_empty() {
            let low = t.to_ascii_lowercase();
            let mut seen: FxHashSet<usize> = FxHashSet::default();
            let mut locs = PHONE_CUE.locations();
            for cue in &cues {
                let needle = Needle::new(cue.as_bytes());
                let mut at = needle.find(&low, 0);
                while let Some(pos) = at {
                    if !seen.contains(&pos) && (pos == 0 || !low[pos - 1].is_ascii_alphanumeric()) {
                        seen.insert(pos);
                        if PHONE_CUE.caps_at(&mut locs, t, pos)? {
                            let (a, b) = group(&locs, 1);
                            if count_digits(&t[a..b]) >= 6 {
                                out.push(("PHONE", a, b, 0.7, "phone-cue"));
                            }
                        }
                    }
                    at = needle.find(&low, pos + 1);
                }
            }
        }
        if bits & UNIT_W != 0 {
            UNIT_LINE.for_each(t, |m| {
                let (a, b) = group(m, 1);
                out.push(("LOCATION", a, b, 0.7, "unit-line"));
                Ok(())
            })?;
        }
        if bits & MILITARY_W != 0 {
            MILITARY.for_each(t, |m| {
                let (a, b) = group(m, 0);
                out.push(("LOCATION", a, b, 0.9, "military-address"));
                Ok(())
            })?;
        }
        if bits & STREET_KW != 0 || suffix_word {
            STREET_INTL.for_each(t, |m| {
                let (a, b) = group(m, 0);
                out.push(("LOCATION", a, b, 0.7, "street-address"));
                Ok(())
            })?;
        }
    }
    if bits & MONTH_ALONE_W != 0 {
        MONTH_ALONE.for_each(t, |m| {
            let (a, b) = group(m, 0);
            out.push(("DATE", a, b, 0.6, "month"));
            Ok(())
        })?;
    }
    let cued = if bits & MONTH_CUED_W != 0 || cued.is_some() {
        present(t, MONTH_CUED_WORDS, MONTH_CUED_W, cued)
    } else {
        vec![]
    };
    for w in &cued {
        let mut cw = w.as_bytes().to_ascii_lowercase();
        if let Some(c) = cw.first_mut() {
            c.make_ascii_uppercase();
        }
        if cw.is_empty() {
            continue;
        }
        let needle = Needle::new(&cw);
        let mut at = needle.find(t, 0);
        while let Some(pos) = at {
            let mut end = pos + cw.len();
            if (end == n || !t[end].is_ascii_alphanumeric())
                && (pos == 0 || !t[pos - 1].is_ascii_alphanumeric())
                && MONTH_CUE_BEFORE
                    .search(t, pos.saturating_sub(24), pos)?
                    .is_some()
            {
                if end < n && t[end] == b'.' && cw.len() == 3 {
                    end += 1; // "Mar.", not the full stop
                }
                out.push(("DATE", pos, end, 0.6, "month"));
            }
            at = needle.find(t, end);
        }
    }
    if bits & HOLIDAY_W != 0 {
        HOLIDAY.for_each(t, |m| {
            let (a, b) = group(m, 0);
            out.push(("DATE", a, b, 0.6, "holiday"));
            Ok(())
        })?;
    }
    let mut at = memchr::memchr(b'@', t);
    while let Some(pos) = at {
        if let Some((a, b)) = HANDLE.match_at(t, pos)? {
            out.push(("OTHER_ID", a, b, 0.8, "handle"));
        }
        at = memchr::memchr(b'@', &t[pos + 1..]).map(|i| i + pos + 1);
    }
    if t.contains(&b':') || t.contains(&b'/') {
        signoffs(t, &mut out)?;
    }
    if bits & CREDENTIAL_W != 0 {
        CREDENTIAL.for_each(t, |m| {
            let (k, _) = group(m, 0);
            if let Some((a, b)) = NAME_BEFORE.search(t, k.saturating_sub(80), k)? {
                if b == k {
                    out.push(("NAME", a, b, 0.8, "name-credential"));
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// `_signoffs` and what `scan_clinical` keeps of them: `_SIGNOFF` tried only after a run of 2-4
/// capitals right before a ":" or "/".
fn signoffs(t: &[u8], out: &mut Vec<Hit>) -> Res<()> {
    let mut end = 0;
    let mut locs = SIGNOFF.locations();
    for p in memchr::memchr2_iter(b':', b'/', t) {
        let mut q = p;
        while q > 0 && p - q < 5 && t[q - 1].is_ascii_uppercase() {
            q -= 1;
        }
        if p - q < 2 || p - q > 4 || q < end {
            continue;
        }
        if !SIGNOFF.caps_at(&mut locs, t, q)? {
            continue;
        }
        end = group(&locs, 0).1;
        let (a, b) = group(&locs, 1);
        let mut parts = t[a..b].split(|c| *c == b':' || *c == b'/');
        parts.next();
        let stop = parts.any(|p| {
            let p = match p.first() {
                Some(b' ' | b'\t') => &p[1..],
                _ => p,
            };
            SIGNOFF_WORDS.contains(pyre::as_str(p))
                || MEDICAL_ENDINGS.iter().any(|e| p.ends_with(e))
        });
        if !stop {
            out.push(("NAME", a, b, 0.75, "signoff"));
        }
    }
    Ok(())
}

/// `address_tails(text, hits)` given the spans of the street-address hits, in order.
pub fn tails(t: &[u8], streets: &[(usize, usize)]) -> Res<Vec<Hit>> {
    let n = t.len();
    // where the last three digits in a row start (`_LAST_3_DIGITS` in the reversed text)
    let mut last3: Option<usize> = None;
    let mut run = 0;
    for i in (0..n).rev() {
        if t[i].is_ascii_digit() {
            run += 1;
            if run == 3 {
                last3 = Some(i);
                break;
            }
        } else {
            run = 0;
        }
    }
    let mut out = Vec::new();
    let Some(last3) = last3 else { return Ok(out) };
    for &(hs, he) in streets {
        if he > last3 || hs > he || he > n {
            continue;
        }
        let mut m = ADDRESS_TAIL.match_at(t, he)?;
        if m.is_none() && is_lower(&t[hs..he]) {
            m = ADDRESS_TAIL_LOWER.match_at(t, he)?;
        }
        if let Some((_, me)) = m {
            let mut s = he;
            while s < me && !t[s].is_ascii_alphanumeric() {
                s += 1;
            }
            out.push(("LOCATION", s, me, 0.6, "address-tail"));
        }
    }
    Ok(out)
}

fn ascii(text: &str) -> PyResult<&[u8]> {
    if text.is_ascii() {
        Ok(text.as_bytes())
    } else {
        Err(PyValueError::new_err(
            "native detectors take ASCII text only",
        ))
    }
}

/// `clinical.scan_clinical(text, words)` for ASCII text (see `scan`).
#[pyfunction]
#[pyo3(signature = (text, cues=None, cued=None))]
fn scan_clinical(
    py: Python<'_>,
    text: &str,
    cues: Option<Vec<String>>,
    cued: Option<Vec<String>>,
) -> PyResult<Vec<Hit>> {
    let t = ascii(text)?;
    Ok(py.allow_threads(|| scan(t, cues.as_deref(), cued.as_deref()))?)
}

/// `clinical.address_tails(text, hits)` given `[(h[1], h[2]) for h in hits if h[4] == "street-address"]`.
#[pyfunction]
fn address_tails(py: Python<'_>, text: &str, streets: Vec<(usize, usize)>) -> PyResult<Vec<Hit>> {
    let t = ascii(text)?;
    Ok(py.allow_threads(|| tails(t, &streets))?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_clinical, m)?)?;
    m.add_function(wrap_pyfunction!(address_tails, m)?)?;
    Ok(())
}
