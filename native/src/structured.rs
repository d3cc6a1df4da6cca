//! `scan_structured` of `runtime/redaction/patterns.py`: the structured identifiers (dates, ages, SSN,
//! phones, e-mail, URLs, IPs, cards, NPI/DEA/VIN/MBI, labelled IDs, biometric and photo phrases,
//! image files, counties) on ASCII text.
//!
//! The regexes are the Python module's own, rewritten for PCRE2 by `native/gen_structured.py` into
//! `structured_tables.rs`; this file is the Python function's control flow, line by line. One
//! difference by design: Python walks the trigger words in `set` order (which follows the string hash,
//! so it changes with `PYTHONHASHSEED`); here they are walked in sorted order. Every other section
//! comes out in Python's order.

use std::cell::RefCell;
use std::sync::LazyLock;

use pcre2::bytes::{CaptureLocations, Regex, RegexBuilder};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

#[rustfmt::skip]
#[path = "structured_tables.rs"]
mod tables;

#[path = "checksums.rs"]
mod checksums;

use tables as t;

/// One word-triggered rule of `_TRIGGERS`: its pattern, what it reports and which group is the value.
pub struct Rule {
    pub pattern: usize,
    pub category: &'static str,
    pub confidence: f64,
    pub detector: &'static str,
    pub group: usize,
}

/// A candidate as Python has it: (category, start, end, confidence, detector).
type Hit = (&'static str, usize, usize, f64, &'static str);

/// Why a scan stopped; never carries the text.
#[derive(Debug)]
pub(crate) struct ScanError(pub(crate) String);

impl From<pcre2::Error> for ScanError {
    fn from(e: pcre2::Error) -> Self {
        ScanError(format!("regex match failed: {e}"))
    }
}

type Res<T> = Result<T, ScanError>;

fn compile(jit: bool) -> Result<Vec<Regex>, String> {
    t::PATTERNS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            RegexBuilder::new()
                .jit_if_available(jit)
                .build(p)
                .map_err(|e| format!("pattern {i}: {e}"))
        })
        .collect()
}

/// Every pattern compiled once, JIT where the platform has it. The JIT matches on PCRE2's 32 KiB
/// machine-stack frame store (no JIT stack of its own: those are reserved per pattern and per thread).
static REGEXES: LazyLock<Result<Vec<Regex>, String>> = LazyLock::new(|| compile(true));

/// The same patterns for PCRE2's interpreter, which keeps its backtracking frames on the heap: a match
/// that outgrows the JIT's stack ("a.a.a. ... .com", 1 MiB of it) is run again here, as Python's `re`
/// has no such limit. Compiled on the first such match.
static INTERPRETED: LazyLock<Result<Vec<Regex>, String>> = LazyLock::new(|| compile(false));

/// PCRE2_ERROR_JIT_STACKLIMIT: the JIT ran out of stack, the interpreter may not.
const JIT_STACKLIMIT: i32 = -46;

fn interpreted(p: usize) -> Res<&'static Regex> {
    let rx = INTERPRETED.as_ref().map_err(|e| ScanError(e.clone()))?;
    Ok(&rx[p])
}

/// The lookup tables of `patterns.py`, as sets.
struct Words {
    triggers: FxHashMap<&'static str, usize>,
    ordinals: FxHashSet<&'static str>,
    labels: FxHashMap<&'static str, &'static str>,
    generic: FxHashSet<&'static str>,
    county_lead: FxHashSet<&'static str>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| Words {
    triggers: t::TRIGGERS
        .iter()
        .enumerate()
        .map(|(i, (w, _))| (*w, i))
        .collect(),
    ordinals: t::ORDINALS.iter().copied().collect(),
    labels: t::LABELS.iter().copied().collect(),
    generic: t::GENERIC.iter().copied().collect(),
    county_lead: t::COUNTY_LEAD.iter().copied().collect(),
});

/// A byte-class table from a string of its members.
const fn class(members: &str) -> [bool; 256] {
    let mut out = [false; 256];
    let b = members.as_bytes();
    let mut i = 0;
    while i < b.len() {
        out[b[i] as usize] = true;
        i += 1;
    }
    out
}

static TOKEN_CHARS: [bool; 256] = class(t::TOKEN_CHARS);
static EMAIL_LOCAL: [bool; 256] = class(t::EMAIL_LOCAL);
static DOMAIN_CHARS: [bool; 256] = class(t::DOMAIN_CHARS);
static FILE_CHARS: [bool; 256] = class(t::FILE_CHARS);
static HEX_COLON: [bool; 256] = class(t::HEX_COLON);

/// Python's `str.isspace()` on an ASCII character (`\x1c`-`\x1f` included).
pub(crate) fn py_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

/// Python's `hay.find(needle, from)`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    memchr::memmem::find(&hay[from..], needle).map(|i| i + from)
}

/// The scan's state: the compiled patterns, capture buffers made on first use, the hits so far.
struct Scan<'a> {
    rx: &'a [Regex],
    text: &'a [u8],
    locs: Vec<Option<CaptureLocations>>,
    hits: Vec<Hit>,
}

impl<'a> Scan<'a> {
    /// `PATTERNS[p]` searched (or, for a `\G` pattern, matched) in `subject` from `start`.
    fn find(&self, p: usize, subject: &[u8], start: usize) -> Res<Option<(usize, usize)>> {
        if start > subject.len() {
            return Ok(None);
        }
        let found = match self.rx[p].find_at(subject, start) {
            Err(e) if e.code() == JIT_STACKLIMIT => interpreted(p)?.find_at(subject, start)?,
            other => other?,
        };
        Ok(found.map(|m| (m.start(), m.end())))
    }

    /// As `find` on the whole text, keeping the groups in `self.locs[p]`.
    fn captures(&mut self, p: usize, start: usize) -> Res<bool> {
        if start > self.text.len() {
            return Ok(false);
        }
        let rx = &self.rx[p];
        let locs = self.locs[p].get_or_insert_with(|| rx.capture_locations());
        match rx.captures_read_at(locs, self.text, start) {
            Err(e) if e.code() == JIT_STACKLIMIT => {
                let slow = interpreted(p)?;
                let mut fresh = slow.capture_locations();
                let found = slow
                    .captures_read_at(&mut fresh, self.text, start)?
                    .is_some();
                self.locs[p] = Some(fresh);
                Ok(found)
            }
            other => Ok(other?.is_some()),
        }
    }

    fn group(&self, p: usize, g: usize) -> Res<(usize, usize)> {
        self.locs[p]
            .as_ref()
            .and_then(|l| l.get(g))
            .ok_or_else(|| ScanError(format!("pattern {p}: group {g} did not take part")))
    }

    fn run(&mut self, runs: &[(usize, usize)]) -> Res<()> {
        let text = self.text;
        let n = text.len();
        let low = text.to_ascii_lowercase();
        self.triggered(&low)?;
        if text
            .iter()
            .any(|&c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'(' || c == b'+')
        {
            self.scan_digits(runs)?;
        }
        // the rest are anchored on a rare character or suffix, then matched from the token's start
        if text.contains(&b'@') {
            let mut pos = find(text, b"@", 0);
            while let Some(p) = pos {
                let mut k = p;
                while k > 0 && EMAIL_LOCAL[text[k - 1] as usize] {
                    k -= 1;
                }
                if k < p {
                    if let Some((s, e)) = self.find(t::EMAIL, text, k)? {
                        self.hits.push(("EMAIL", s, e, 0.99, "email"));
                    }
                }
                pos = find(text, b"@", p + 1);
            }
        }
        if find(&low, b"http", 0).is_some() || find(&low, b"www.", 0).is_some() {
            let mut from = 0;
            while let Some((ms, me)) = self.find(t::URL_AT, &low, from)? {
                from = me;
                if let Some((s, e)) = self.find(t::URL, text, ms)? {
                    let end = trim_punct(text, s, e);
                    self.hits.push(("URL", s, end, 0.95, "url"));
                }
            }
        }
        if text.contains(&b'.') {
            let mut from = 0;
            while let Some((ts, te)) = self.find(t::TLD, text, from)? {
                from = te;
                let mut k = ts;
                while k > 0 && DOMAIN_CHARS[text[k - 1] as usize] {
                    k -= 1;
                }
                if let Some((s, e)) = self.find(t::BARE_DOMAIN, text, k)? {
                    let end = trim_punct(text, s, e);
                    self.hits.push(("URL", s, end, 0.7, "url"));
                }
            }
            let mut from = 0;
            while let Some((ts, te)) = self.find(t::IMAGE_EXT, text, from)? {
                from = te;
                let mut k = ts;
                while k > 0 && FILE_CHARS[text[k - 1] as usize] && ts - k < 80 {
                    k -= 1;
                }
                if let Some((s, e)) = self.find(t::IMAGE_FILE, text, k)? {
                    self.hits.push(("PHOTO", s, e, 0.8, "image-file"));
                }
            }
        }
        if text.contains(&b':') {
            let mut pos = find(text, b":", 0);
            let mut done: Option<usize> = None;
            // Every ":" of one run of hex digits and colons walks back to the same start, and the
            // match from there is the same: tried once per run (Python retries it per colon, so
            // 1 MiB of "1:" is quadratic there). A match ends at its run's end ((?![\w:])), so
            // a colon later in the run is never past `done` either.
            let mut tried_to = 0;
            while let Some(p) = pos {
                if done.is_none_or(|d| p > d)
                    && p + 1 < n
                    && HEX_COLON[text[p + 1] as usize]
                    && p >= tried_to
                {
                    let mut k = p;
                    while k > 0 && HEX_COLON[text[k - 1] as usize] {
                        k -= 1;
                    }
                    tried_to = p;
                    while tried_to < n && HEX_COLON[text[tried_to] as usize] {
                        tried_to += 1;
                    }
                    if let Some((s, e)) = self.find(t::IPV6, text, k)? {
                        done = Some(e);
                        let m = &text[s..e];
                        if m.iter().filter(|&&c| c == b':').count() >= 2
                            && m.iter().any(|c| c.is_ascii_digit())
                        {
                            self.hits.push(("IP_ADDRESS", s, e, 0.9, "ipv6"));
                        }
                    }
                }
                pos = find(text, b":", p + 1);
            }
        }
        for word in t::COUNTY_WORDS {
            let w = word.as_bytes();
            let mut pos = find(text, w, 0);
            while let Some(p) = pos {
                let endpos = p + w.len();
                let sub = &text[..endpos];
                let mut from = p.saturating_sub(60);
                while let Some((ms, me)) = self.find(t::COUNTY, sub, from)? {
                    from = me;
                    if me == endpos {
                        let mut st = ms;
                        // "From Orange County": a capitalised cue word is not part of the name
                        while let Some(sp) = find(&text[..me], b" ", st) {
                            let lead = text[st..sp].to_ascii_lowercase();
                            let lead = std::str::from_utf8(&lead).unwrap_or("");
                            if !WORDS.county_lead.contains(lead) {
                                break;
                            }
                            st = sp + 1;
                        }
                        if st < p {
                            self.hits.push(("LOCATION", st, me, 0.93, "county"));
                        }
                    }
                }
                pos = find(text, w, p + 1);
            }
        }
        Ok(())
    }

    /// The word-triggered rules, tried where their trigger word occurs (`_TRIGGERS`, `word_index`).
    fn triggered(&mut self, low: &[u8]) -> Res<()> {
        let words = &*WORDS;
        let mut at: Vec<(usize, usize)> = Vec::new(); // (trigger, offset), in text order
        let mut i = 0;
        let n = low.len();
        while i < n {
            if low[i].is_ascii_lowercase() {
                let s = i;
                while i < n && low[i].is_ascii_lowercase() {
                    i += 1;
                }
                if let Ok(w) = std::str::from_utf8(&low[s..i]) {
                    if let Some(&k) = words.triggers.get(w) {
                        at.push((k, s));
                    }
                }
            } else {
                i += 1;
            }
        }
        at.sort_by_key(|&(k, _)| k); // stable: offsets stay in order within a word
        for (k, p) in at {
            let (word, rules) = t::TRIGGERS[k];
            for &r in rules {
                let rule = &t::RULES[r as usize];
                if self.captures(rule.pattern, p)? {
                    self.emit(rule)?;
                }
            }
            if words.ordinals.contains(word) {
                if let Some((ts, _)) = self.find(t::THE_BEFORE, &low[..p], p.saturating_sub(12))? {
                    if let Some((s, e)) = self.find(t::DATE_ORDINAL, self.text, ts)? {
                        self.hits
                            .push(("DATE", s, e, t::DATE_ORDINAL_CONFIDENCE, "date"));
                    }
                }
            }
        }
        Ok(())
    }

    /// `_emit`: the hit for a triggered rule's match (held in `self.locs[rule.pattern]`).
    fn emit(&mut self, rule: &Rule) -> Res<()> {
        let text = self.text;
        let p = rule.pattern;
        if rule.detector == "labelled-id" {
            let (ls, le) = self.group(p, 1)?;
            let (vs, ve) = self.group(p, 2)?;
            let label = text[ls..le]
                .split(|&c| py_space(c))
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            let mut ve2 = ve;
            while ve2 > vs && matches!(text[ve2 - 1], b'.' | b'-') {
                ve2 -= 1;
            }
            let value = &text[vs..ve2];
            let Some(&real) = WORDS.labels.get(label.as_str()) else {
                return Ok(());
            };
            if value.len() < 3 || self.find(t::DOSE, value, 0)?.is_some() {
                return Ok(());
            }
            let generic = WORDS.generic.contains(label.as_str());
            if generic
                && (value.len() < 4
                    || (value.iter().all(u8::is_ascii_digit)
                        && value.len() == 4
                        && matches!(&value[..2], b"19" | b"20")))
            {
                return Ok(());
            }
            let conf = if generic { 0.8 } else { 0.93 };
            self.hits
                .push((real, vs, vs + value.len(), conf, rule.detector));
            return Ok(());
        }
        let mut cat = rule.category;
        if rule.detector == "phone-context" {
            let (cs, ce) = self.group(p, 1)?;
            if find(&text[cs..ce].to_ascii_lowercase(), b"fax", 0).is_some() {
                cat = "FAX";
            }
        }
        let (s, e) = self.group(p, rule.group)?;
        self.hits.push((cat, s, e, rule.confidence, rule.detector));
        Ok(())
    }

    /// `_scan_digits`: the digit family tried only where a match can start (see the Python).
    fn scan_digits(&mut self, runs: &[(usize, usize)]) -> Res<()> {
        let text = self.text;
        let n = text.len();
        let all = (1u32 << t::BRANCHES.len()) - 1;
        let mut done = 0usize;
        for &(s, e) in runs {
            if s < done {
                continue;
            }
            if e > n || s >= e {
                return Err(ScanError("digit run out of range".into()));
            }
            let mut k = s;
            while k > 0 && TOKEN_CHARS[text[k - 1] as usize] && s - k < 17 {
                k -= 1;
            }
            let mut starts: Vec<usize> = Vec::with_capacity(4);
            if s > 0 && (text[s - 1] == b'(' || text[s - 1] == b'+') {
                if s > 1 && text[s - 2] == b'+' {
                    starts.push(s - 2);
                }
                starts.push(s - 1);
            }
            if k != s {
                starts.push(k);
            }
            starts.push(s);
            for st in starts {
                if st < done {
                    continue;
                }
                let mask = if st == s {
                    let nxt = if e < n { text[e] } else { b'?' };
                    let ln = e - s;
                    let card =
                        (nxt == b' ' || nxt == b'-') && e + 1 < n && text[e + 1].is_ascii_digit();
                    let age = (ln == 2 && text[s] == b'9')
                        || (ln == 3 && text[s] == b'1' && matches!(text[s + 1], b'0'..=b'2'));
                    let mask = t::SHAPES[shape_index(ln, nxt, card, age)];
                    if mask == 0 {
                        continue;
                    }
                    mask
                } else {
                    all
                };
                // the combined alternation: the first branch (in order) that matches at `st`
                let mut first = None;
                for (b, &(_, p)) in t::BRANCHES.iter().enumerate() {
                    if mask & (1 << b) != 0 && self.captures(p, st)? {
                        first = Some(b);
                        break;
                    }
                }
                let Some(b) = first else { continue };
                let m_end = self.group(t::BRANCHES[b].1, 0)?.1;
                let mut hit = self.digit_hit(b)?;
                if hit.is_none() {
                    // `_retry`: every later branch that fits the run's shape gets its chance
                    for later in b + 1..t::BRANCHES.len() {
                        if mask & (1 << later) != 0 && self.captures(t::BRANCHES[later].1, st)? {
                            hit = self.digit_hit(later)?;
                            if hit.is_some() {
                                break;
                            }
                        }
                    }
                }
                if let Some(h) = hit {
                    self.hits.push(h);
                    done = done.max(m_end).max(h.2);
                    break;
                }
            }
        }
        Ok(())
    }

    /// `_digit_hit`: branch `b`'s hit for its match (in `self.locs`), or None when a check says no.
    fn digit_hit(&self, b: usize) -> Res<Option<Hit>> {
        let (name, p) = t::BRANCHES[b];
        let text = self.text;
        let (s, e) = self.group(p, 0)?;
        let v = &text[s..e];
        Ok(match name {
            "card" => {
                let digits: Vec<u8> = v.iter().copied().filter(u8::is_ascii_digit).collect();
                checksums::card_ok(&digits).then_some(("CREDIT_CARD", s, e, 0.97, "card-luhn"))
            }
            "ssn" => {
                if v.len() < 11 || !checksums::ssn_ok(&v[0..3], &v[4..6], &v[7..11]) {
                    None
                } else {
                    Some(("SSN", s, e, if v[3] == b'-' { 0.95 } else { 0.85 }, "ssn"))
                }
            }
            "phone" => {
                let back = text[s.saturating_sub(24)..s].to_ascii_lowercase();
                let cat = if find(&back, b"fax", 0).is_some() {
                    "FAX"
                } else {
                    "PHONE"
                };
                Some((cat, s, e, 0.9, "phone"))
            }
            "ipv4" => Some(("IP_ADDRESS", s, e, 0.95, "ipv4")),
            "date0" | "date2" => Some(("DATE", s, e, 0.95, "date")),
            "date1" => Some(("DATE", s, e, 0.9, "date")),
            "npi" => checksums::npi_ok(v).then_some(("NPI", s, e, 0.75, "npi-luhn")),
            "mbi" => Some(("HEALTH_PLAN_ID", s, e, 0.85, "mbi")),
            "vin" => checksums::vin_ok(v).then_some(("VEHICLE_ID", s, e, 0.9, "vin-check")),
            "dea" => checksums::dea_ok(v).then_some(("DEA", s, e, 0.85, "dea-checksum")),
            "daymonth" => Some(("DATE", s, e, 0.9, "date")),
            "age0" | "age3" => {
                let (a, z) = self.group(p, 1)?;
                Some(("AGE_OVER_89", a, z, 0.9, "age"))
            }
            "street" | "streetlow" | "streetup" => Some(("LOCATION", s, e, 0.9, "street-address")),
            "monthday" => self
                .date_cue_before(s)?
                .then_some(("DATE", s, e, 0.8, "date-context")),
            _ => None,
        })
    }

    /// `date_cue_before`: a date cue word ("DOB", "admitted on", "since") right before `s`.
    fn date_cue_before(&self, s: usize) -> Res<bool> {
        let from = s.saturating_sub(48);
        let mut end = s;
        while end > from && matches!(self.text[end - 1], b' ' | b'\t' | b'\n' | b':' | b'-') {
            end -= 1;
        }
        let tail = self.text[from..end].to_ascii_lowercase();
        if !t::DATE_CUE_ENDS
            .iter()
            .any(|w| tail.ends_with(w.as_bytes()))
        {
            return Ok(false);
        }
        Ok(self
            .find(t::DATE_CTX_BEFORE, &self.text[..s], from)?
            .is_some())
    }
}

/// Index into `SHAPES` of a run's shape (`_ShapeKey`).
fn shape_index(run: usize, nxt: u8, card: bool, age: bool) -> usize {
    let cls = if py_space(nxt) {
        b' '
    } else if nxt.is_ascii_alphabetic() {
        b'a'
    } else if matches!(nxt, b'-' | b'.' | b'/' | b'(') {
        nxt
    } else {
        b'?'
    };
    let c = t::SHAPE_CLASSES
        .bytes()
        .position(|x| x == cls)
        .unwrap_or(t::SHAPE_CLASSES.len() - 1);
    (((run.min(20) - 1) * t::SHAPE_CLASSES.len() + c) * 2 + card as usize) * 2 + age as usize
}

/// A URL's trailing sentence punctuation is not part of it.
fn trim_punct(text: &[u8], s: usize, mut end: usize) -> usize {
    while end > s && matches!(text[end - 1], b'.' | b',' | b';' | b':' | b'!' | b'?') {
        end -= 1;
    }
    end
}

/// The digit runs (`\d+` spans, `_RUN.finditer(text)`) of ASCII `text`: one function for every port.
pub(crate) fn digit_runs(text: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_digit() {
            let s = i;
            while i < text.len() && text[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((s, i));
        } else {
            i += 1;
        }
    }
    runs
}

thread_local! {
    /// Each pattern's capture buffers, kept between scans on this thread: making one allocates PCRE2
    /// match data and a JIT stack, which cost more than the matches of a 2 KB note.
    static LOCS: RefCell<Vec<Option<CaptureLocations>>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn scan(text: &[u8], runs: Option<Vec<(usize, usize)>>) -> Res<Vec<Hit>> {
    let rx = REGEXES.as_ref().map_err(|e| ScanError(e.clone()))?;
    let runs = runs.unwrap_or_else(|| digit_runs(text));
    let mut locs = LOCS.with(|l| std::mem::take(&mut *l.borrow_mut()));
    locs.resize_with(rx.len(), || None);
    let mut scan = Scan {
        rx,
        text,
        locs,
        hits: Vec::new(),
    };
    let done = scan.run(&runs);
    LOCS.with(|l| *l.borrow_mut() = std::mem::take(&mut scan.locs));
    done?;
    Ok(scan.hits)
}

/// `patterns.scan_structured(text, runs=runs)` for ASCII `text`; `runs` are its digit runs (found
/// here when None). Text that is not ASCII is refused (ValueError): the engine keeps it on Python.
#[pyfunction]
#[pyo3(signature = (text, runs=None))]
fn scan_structured(
    py: Python<'_>,
    text: &str,
    runs: Option<Vec<(usize, usize)>>,
) -> PyResult<Vec<Hit>> {
    if !text.is_ascii() {
        return Err(PyValueError::new_err(
            "scan_structured: text is not ASCII (the Python detector handles it)",
        ));
    }
    py.allow_threads(|| scan(text.as_bytes(), runs))
        .map_err(|e| PyRuntimeError::new_err(format!("scan_structured: {}", e.0)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_structured, m)?)?;
    Ok(())
}
