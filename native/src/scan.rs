//! An ASCII text's whole scan in one call: the engine's `_settled(text)` (its `raw_hits` glue, the
//! union of same-category hits, the marker filter, each policy's mapping and settling, the final
//! sort), running the other modules' ports directly, so per call only the text crosses from Python.
//!
//! The Python engine stays the oracle (`Engine(native=False)._settled`); it keeps the path for text
//! that is not ASCII, for custom RE2 patterns and for NER, which this scanner does not run.

use std::collections::BTreeMap;

use pcre2::bytes::{Regex, RegexBuilder};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::lexicons::Lexicons;
use crate::settle::{self, Out, Span};
use crate::{addresses, clinical, names, names_more, structured};

/// A candidate as Python has it: (category, start, end, confidence, detector).
type Hit = (&'static str, usize, usize, f64, &'static str);

/// A settled finding: (start, end, policy, category, confidence, detector).
type Found<'a> = (usize, usize, &'a str, &'a str, f64, &'static str);

/// A finding as the gateway hands it around (`findings.Plain`, a `Finding`'s fields in order):
/// (policy, category, start, end, confidence, detector).
type Plain<'a> = (&'a str, &'a str, usize, usize, f64, &'static str);

/// Per text its findings, and the (policy, category, count) tally over all of them, sorted.
type Many<'a> = (Vec<Vec<Plain<'a>>>, Vec<(&'a str, &'a str, usize)>);

/// `normalise.join_digit_groups`: "-" between digit groups joined by one separator no identifier
/// pattern reads, the same one throughout ("123*45*6789", "555|867|5309", "123,45,6789"), when the run
/// holds 6+ digits (7+ for "," and ":"), stands alone (no letter, digit or the same separator glued to
/// either end) and is neither thousands ("1,234,567") nor a time ("10:45:30").
/// None when nothing changes. (A bullet arrives here as "|": `inert` stands it in.)
fn join_digit_groups(t: &[u8]) -> Option<Vec<u8>> {
    const SEPARATORS: &[u8] = b",:|*~_";
    let n = t.len();
    let digits_at = |mut p: usize| {
        let s = p;
        while p < n && t[p].is_ascii_digit() {
            p += 1;
        }
        p - s
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < n {
        if !t[i].is_ascii_digit() || (i > 0 && t[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let first = digits_at(i);
        let mut end = i + first;
        let sep = if end < n { t[end] } else { 0 };
        if first > 12 || !SEPARATORS.contains(&sep) {
            i = end;
            continue;
        }
        // `(?:\1[0-9]{1,12})+(?![0-9])`: each next group is 1-12 digits after the same separator; a
        // group that is too long ends the run before its separator
        let mut groups = vec![first];
        while end < n && t[end] == sep {
            let len = digits_at(end + 1);
            if len == 0 || len > 12 {
                break;
            }
            groups.push(len);
            end += 1 + len;
        }
        if groups.len() < 2 {
            i = end;
            continue;
        }
        let digits: usize = groups.iter().sum();
        let glued = |c: u8| c.is_ascii_alphanumeric() || c == sep;
        let keep = (i > 0 && glued(t[i - 1])) // inside a longer token: an IPv6 address, a hex dump
            || (end < n && glued(t[end]))
            || digits < 6
            || (sep == b',' || sep == b':') && digits < 7
            || sep == b',' && groups[0] <= 3 && groups[1..].iter().all(|g| *g == 3)
            || sep == b':' && groups.len() <= 3 && groups.iter().all(|g| *g <= 2);
        if !keep {
            let buf = out.get_or_insert_with(|| t.to_vec());
            for c in &mut buf[i..end] {
                if *c == sep {
                    *c = b'-';
                }
            }
        }
        i = end;
    }
    out
}

/// Why a scan stopped; never carries the text (it may be PHI).
struct Fail(&'static str);

/// `_DENSE_MIN`, `_DENSE_RUNS`, `_RUNS_FIRST`, `_LABEL_REACH` of `engine.py`.
const DENSE_MIN: usize = 64 * 2;
const DENSE_RUNS: usize = 64;
const LABEL_REACH: usize = 24;

/// `_MENTION_DETECTORS`.
const MENTION_DETECTORS: [&str; 2] = ["biometric-phrase", "photo-phrase"];

/// `_CHANCE_CHECKSUMS`: the category a label must give a checksum guess's span for it to stay.
fn chance_checksum(det: &str) -> Option<&'static str> {
    match det {
        "dea-checksum" => Some("DEA"),
        "npi-luhn" => Some("NPI"),
        _ => None,
    }
}

/// `_dense_regions(text)` from the text's digit runs. `_DENSE` (`\d(?<!\d\d)\d*+(?:[^\d\n]{1,3}+\d++){63,}+`)
/// starts at a run's first digit and, possessively, takes each next run whose gap holds 1 to 3
/// characters and no line break: a match is a maximal chain of runs with at least 63 such gaps, and
/// the search goes on after it. (`_may_be_dense` only skips the search where no chain can be.)
fn dense_regions(t: &[u8], runs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if t.len() < DENSE_MIN || runs.len() < DENSE_RUNS {
        return out;
    }
    let mut first = 0;
    for i in 1..=runs.len() {
        let joined = i < runs.len() && {
            let (gs, ge) = (runs[i - 1].1, runs[i].0);
            ge - gs <= 3 && !t[gs..ge].contains(&b'\n')
        };
        if !joined {
            if i - first >= DENSE_RUNS {
                out.push((runs[first].0, runs[i - 1].1));
            }
            first = i;
        }
    }
    out
}

/// `_drop_labels(hits)`.
fn drop_labels(hits: Vec<Hit>) -> Vec<Hit> {
    let values: Vec<(&str, usize)> = hits
        .iter()
        .filter(|h| !MENTION_DETECTORS.contains(&h.4))
        .map(|h| (h.0, h.1))
        .collect();
    hits.iter()
        .filter(|h| {
            !MENTION_DETECTORS.contains(&h.4)
                || !values
                    .iter()
                    .any(|&(c, s)| c == h.0 && h.1 <= s && s <= h.2 + LABEL_REACH)
        })
        .copied()
        .collect()
}

/// `_label_beats_checksum(hits)`.
fn label_beats_checksum(hits: Vec<Hit>) -> Vec<Hit> {
    let mut labelled: FxHashMap<(usize, usize), &str> = FxHashMap::default();
    for h in hits.iter().filter(|h| h.4 == "labelled-id") {
        labelled.insert((h.1, h.2), h.0); // a later label of the same span wins, as in the dict
    }
    hits.iter()
        .filter(|h| match chance_checksum(h.4) {
            None => true,
            Some(cat) => labelled.get(&(h.1, h.2)).copied().unwrap_or(h.0) == cat,
        })
        .copied()
        .collect()
}

/// Each distinct string's rank in string order, for settling's sorts (`settle::Span::cat`).
fn ranks<'a>(cats: impl Iterator<Item = &'a str>) -> FxHashMap<&'a str, u32> {
    let mut v: Vec<&str> = cats.collect::<FxHashSet<_>>().into_iter().collect();
    v.sort_unstable();
    v.into_iter().zip(0u32..).collect()
}

fn spans<'a, C: AsRef<str>>(
    hits: &'a [(C, usize, usize, f64, &'static str)],
    rank: &FxHashMap<&'a str, u32>,
) -> Vec<Span> {
    hits.iter()
        .enumerate()
        .map(|(at, h)| Span {
            cat: rank[h.0.as_ref()],
            start: h.1 as i64,
            end: h.2 as i64,
            conf: h.3,
            at,
        })
        .collect()
}

/// A settled span as the tuple it stands for: the category of `cat_from`, the confidence and detector
/// of `at`, over `bounds` (else `at`'s own).
fn span_of<C: Copy>(
    hits: &[(C, usize, usize, f64, &'static str)],
    o: &Out,
) -> (C, usize, usize, f64, &'static str) {
    let lead = &hits[o.at];
    let (s, e) = match o.bounds {
        Some((s, e)) => (s as usize, e as usize),
        None => (lead.1, lead.2),
    };
    (hits[o.cat_from].0, s, e, lead.3, lead.4)
}

/// `scan_many`'s merge of one text's two views: `_merge` per policy (each overlapping group becomes one
/// finding over its union, labelled as its most confident member, the earlier one on a tie), then
/// sorted by (start, end, policy, category). `found` holds the text's own findings, then the joined
/// text's clipped to it: a stable sort keeps that order among equal (start, end), as Python's does.
fn merge(mut found: Vec<Plain<'_>>) -> Vec<Plain<'_>> {
    found.sort_by(|a, b| (a.0, a.2, b.3).cmp(&(b.0, b.2, a.3)));
    let mut out: Vec<Plain<'_>> = Vec::with_capacity(found.len());
    for f in found {
        match out.last_mut() {
            Some(last) if last.0 == f.0 && f.2 < last.3 => {
                let lead = if last.4 >= f.4 { *last } else { f };
                *last = (lead.0, lead.1, last.2, last.3.max(f.3), lead.4, lead.5);
            }
            _ => out.push(f),
        }
    }
    out.sort_by(|a, b| (a.2, a.3, a.0, a.1).cmp(&(b.2, b.3, b.0, b.1)));
    out
}

/// `Engine.count` over every text's findings, as (policy, category, count) sorted by the pair.
fn tally<'a>(per_text: &[Vec<Plain<'a>>]) -> Vec<(&'a str, &'a str, usize)> {
    let mut n: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in per_text.iter().flatten() {
        *n.entry((f.0, f.1)).or_insert(0) += 1;
    }
    n.into_iter().map(|((p, c), k)| (p, c, k)).collect()
}

/// One engine's policies, and the scan of a text for them.
#[pyclass(frozen, module = "packgate_native")]
pub struct Scanner {
    lex: Py<Lexicons>,
    /// (policy name, category -> policy category), in the engine's order
    policies: Vec<(String, FxHashMap<String, String>)>,
    /// `markers.MARKER`
    marker: Regex,
}

impl Scanner {
    /// `Engine.raw_hits(text)` for ASCII `t` (no NER).
    fn raw_hits(
        &self,
        t: &[u8],
        lex: &Lexicons,
        lx: names::Lex<'_>,
        l: &names_more::Lists<'_>,
    ) -> Result<Vec<Hit>, Fail> {
        let text = std::str::from_utf8(t).map_err(|_| Fail("text is not ASCII"))?;
        let runs = crate::structured::digit_runs(t);
        let dense = dense_regions(t, &runs);
        let blanked: Vec<u8>;
        let digits_text: &[u8] = if dense.is_empty() {
            t
        } else {
            let mut b = t.to_vec();
            for &(a, e) in &dense {
                b[a..e].fill(0);
            }
            blanked = b;
            &blanked
        };
        // the runs of the blanked text: a region covers whole runs; none left, no digit left
        let runs: Option<Vec<(usize, usize)>> = {
            let mut r = runs;
            if !dense.is_empty() {
                // both sorted: one pass (a text can hold thousands of regions)
                let mut k = 0;
                r.retain(|&(s, _)| {
                    while k < dense.len() && dense[k].1 <= s {
                        k += 1;
                    }
                    !(k < dense.len() && dense[k].0 <= s)
                });
            }
            (!r.is_empty()).then_some(r)
        };
        let mut hits: Vec<Hit> = dense
            .iter()
            .map(|&(a, b)| ("OTHER_ID", a, b, 0.5, "digit-dense"))
            .collect();
        hits.extend(
            structured::scan(digits_text, runs.clone())
                .map_err(|_| Fail("scan_structured failed"))?,
        );
        hits.extend(
            clinical::scan(digits_text, None, None).map_err(|_| Fail("scan_clinical failed"))?,
        );
        let english = lex.set("english").map_err(|_| Fail("lexicon missing"))?;
        let street = lex
            .set("street_words")
            .map_err(|_| Fail("lexicon missing"))?;
        hits.extend(
            addresses::scan(digits_text, english, street)
                .map_err(|_| Fail("scan_addresses failed"))?,
        );
        if hits.iter().any(|h| h.4 == "street-address") {
            let streets: Vec<(usize, usize)> = hits
                .iter()
                .filter(|h| h.4 == "street-address")
                .map(|h| (h.1, h.2))
                .collect();
            hits.extend(clinical::tails(t, &streets).map_err(|_| Fail("address_tails failed"))?);
        }
        if hits.iter().any(|h| MENTION_DETECTORS.contains(&h.4)) {
            hits = drop_labels(hits);
        }
        if hits.iter().any(|h| chance_checksum(h.4).is_some()) {
            hits = label_beats_checksum(hits);
        }
        let found = names::scan(text, lx);
        let name_spans: Vec<(usize, usize)> = found
            .iter()
            .filter(|h| h.0 == "NAME")
            .map(|h| (h.1, h.2))
            .collect();
        let place_spans: Vec<(usize, usize)> = found.iter().map(|h| (h.1, h.2)).collect();
        hits.extend(found);
        let more = |r: Result<Vec<Hit>, names_more::Fail>| r.map_err(|_| Fail("names_more failed"));
        hits.extend(more(names_more::list_neighbours_in(text, &name_spans, l))?);
        hits.extend(more(names_more::repeat_mentions_in(text, &name_spans, l))?);
        hits.extend(more(names_more::joined_names_in(text, l))?);
        if runs.is_some() {
            hits.extend(more(names_more::numbered_places_in(text, &place_spans, l))?);
        }
        Ok(hits)
    }

    /// `Engine._settled(text)` for ASCII `t`, with no custom pattern and no NER.
    fn settled(
        &self,
        t: &[u8],
        lex: &Lexicons,
        lx: names::Lex<'_>,
        l: &names_more::Lists<'_>,
    ) -> Result<Vec<Found<'_>>, Fail> {
        let joined = join_digit_groups(t);
        let t = joined.as_deref().unwrap_or(t);
        let raw = self.raw_hits(t, lex, lx, l)?;
        let rank = ranks(raw.iter().map(|h| h.0));
        let mut hits: Vec<Hit> = settle::union(spans(&raw, &rank))
            .iter()
            .map(|o| span_of(&raw, o))
            .collect();
        if t.contains(&b'[') {
            let mut marks: Vec<(usize, usize)> = Vec::new();
            let mut pos = 0;
            while pos <= t.len() {
                match self
                    .marker
                    .find_at(t, pos)
                    .map_err(|_| Fail("marker match failed"))?
                {
                    Some(m) => {
                        marks.push((m.start(), m.end()));
                        // a marker is never empty (it holds `[` and `]`)
                        pos = m.end().max(m.start() + 1);
                    }
                    None => break,
                }
            }
            if !marks.is_empty() {
                hits.retain(|h| {
                    let i = marks.partition_point(|&(s, _)| s < h.2); // bisect_left(mark_starts, end)
                    !(i > 0 && marks[i - 1].1 > h.1)
                });
            }
        }
        let mut out: Vec<Found<'_>> = Vec::new();
        for (name, mp) in &self.policies {
            let mapped: Vec<(&str, usize, usize, f64, &'static str)> = hits
                .iter()
                .filter(|h| h.2 > h.1)
                .filter_map(|h| mp.get(h.0).map(|c| (c.as_str(), h.1, h.2, h.3, h.4)))
                .collect();
            let rank = ranks(mapped.iter().map(|h| h.0));
            for o in settle::settle(spans(&mapped, &rank)) {
                let (c, s, e, conf, det) = span_of(&mapped, &o);
                out.push((s, e, name.as_str(), c, conf, det));
            }
        }
        // (start, end, policy, category) is unique after settling
        out.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        Ok(out)
    }

    /// `Engine.scan(text)` for ASCII `t` (offsets are the identity), as plain tuples.
    fn plain(
        &self,
        t: &[u8],
        lex: &Lexicons,
        lx: names::Lex<'_>,
        l: &names_more::Lists<'_>,
    ) -> Result<Vec<Plain<'_>>, Fail> {
        if t.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .settled(t, lex, lx, l)?
            .into_iter()
            .map(|(s, e, p, c, conf, det)| (p, c, s, e, conf, det))
            .collect())
    }

    /// `Engine.scan_many(texts)` for ASCII texts: the texts joined (a space where a letter meets a
    /// boundary between two non-empty texts) and scanned as one, each text scanned on its own, and per
    /// text its own findings merged with the joined text's clipped to it.
    fn many(
        &self,
        texts: &[&[u8]],
        lex: &Lexicons,
        lx: names::Lex<'_>,
        l: &names_more::Lists<'_>,
    ) -> Result<Vec<Vec<Plain<'_>>>, Fail> {
        if texts.len() <= 1 {
            return texts.iter().map(|t| self.plain(t, lex, lx, l)).collect();
        }
        let mut joined: Vec<u8> = Vec::with_capacity(texts.iter().map(|t| t.len() + 1).sum());
        let mut bases = Vec::with_capacity(texts.len());
        let mut prev: &[u8] = &[];
        for (i, t) in texts.iter().enumerate() {
            if i > 0 {
                if let (Some(a), Some(b)) = (prev.last(), t.first()) {
                    if a.is_ascii_alphabetic() || b.is_ascii_alphabetic() {
                        joined.push(b' ');
                    }
                }
            }
            bases.push(joined.len());
            joined.extend_from_slice(t);
            prev = t;
        }
        let across = self.plain(&joined, lex, lx, l)?;
        texts
            .iter()
            .zip(bases)
            .map(|(t, base)| {
                let end = base + t.len();
                let mut own = self.plain(t, lex, lx, l)?;
                own.extend(across.iter().filter(|f| f.2 < end && base < f.3).map(|f| {
                    (
                        f.0,
                        f.1,
                        f.2.max(base) - base,
                        f.3.min(end) - base,
                        f.4,
                        f.5,
                    )
                }));
                Ok(merge(own))
            })
            .collect()
    }
}

#[pymethods]
impl Scanner {
    /// `lex`: the engine's word lists; `policies`: (name, mapping) per policy, in order; `marker`:
    /// the pattern of `markers.MARKER`.
    #[new]
    fn new(
        lex: Py<Lexicons>,
        policies: Vec<(String, FxHashMap<String, String>)>,
        marker: &str,
    ) -> PyResult<Self> {
        let marker = RegexBuilder::new()
            .jit_if_available(true)
            .build(marker)
            .map_err(|_| PyValueError::new_err("Scanner: the marker pattern does not compile"))?;
        Ok(Scanner {
            lex,
            policies,
            marker,
        })
    }

    /// `Engine._settled(text)` for ASCII text: [(start, end, policy, category, confidence, detector)].
    /// Other text raises ValueError (the engine keeps it on Python); the error names no part of it.
    fn scan<'py>(&'py self, py: Python<'py>, text: &str) -> PyResult<Vec<Found<'py>>> {
        if !text.is_ascii() {
            return Err(PyValueError::new_err("scan_ascii: text is not ASCII"));
        }
        let lex = self.lex.get();
        let lx = names::Lex::new(lex)?;
        let l = names_more::Lists::new(lex)?;
        py.allow_threads(|| self.settled(text.as_bytes(), lex, lx, &l))
            .map_err(|f| PyRuntimeError::new_err(format!("scan_ascii: {}", f.0)))
    }

    /// `Engine.scan_many(texts)` as the gateway's `scan_slots` wants it, when every text is ASCII:
    /// per text [(policy, category, start, end, confidence, detector)], and the sorted
    /// [(policy, category, count)] over all texts (`Engine.count`). None when a text is not ASCII (the
    /// engine keeps it on Python); an error names no part of any text.
    fn scan_many<'py>(
        &'py self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
    ) -> PyResult<Option<Many<'py>>> {
        if !texts.iter().all(|t| t.is_ascii()) {
            return Ok(None);
        }
        let lex = self.lex.get();
        let lx = names::Lex::new(lex)?;
        let l = names_more::Lists::new(lex)?;
        let bytes: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
        let per_text = py
            .allow_threads(|| self.many(&bytes, lex, lx, &l))
            .map_err(|f| PyRuntimeError::new_err(format!("scan_many: {}", f.0)))?;
        let counts = tally(&per_text);
        Ok(Some((per_text, counts)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scanner>()?;
    Ok(())
}
