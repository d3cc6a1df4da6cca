//! Settling a scan's candidates: `findings.settle_spans` (overlapping spans of one policy resolved to
//! a non-overlapping set that still covers every character any of them covered) and the engine's
//! `_union_same_category` (overlapping hits of one category joined into one). Ports of those Python
//! functions, which stay the oracle: the same list, in the same order, for any spans.
//!
//! The spans are numbers, whatever script the text was in, so no ASCII gate applies. A span is a tuple
//! `(category, start, end, confidence, detector)`; the output holds the input's own tuple objects where
//! Python keeps a span as it is, and new tuples of the same members where it moves a bound.

use std::cmp::Ordering;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PyTuple};
use rustc_hash::FxHashMap;

/// What settling reads of a span; `at` is its index in the input. `cat` is the category's rank in
/// string order (equal strings, equal ranks), so the spans are plain data the scan can hold without
/// the GIL.
pub(crate) struct Span {
    pub(crate) cat: u32,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) conf: f64,
    pub(crate) at: usize,
}

/// A span of the output: input `at` as it is when `bounds` is None, else its category (from
/// `cat_from`) and confidence and detector (from `at`) over new bounds.
pub(crate) struct Out {
    pub(crate) cat_from: usize,
    pub(crate) at: usize,
    pub(crate) bounds: Option<(i64, i64)>,
}

fn read(spans: &[Bound<'_, PyAny>]) -> PyResult<Vec<Span>> {
    // a scan's categories are a few string objects: each is read once, by identity
    let mut seen: FxHashMap<usize, u32> = FxHashMap::default();
    let mut cats: Vec<PyBackedStr> = Vec::new();
    let mut out = Vec::with_capacity(spans.len());
    for (at, obj) in spans.iter().enumerate() {
        let t = obj.downcast::<PyTuple>()?;
        let c = t.get_borrowed_item(0)?;
        let k = match seen.get(&(c.as_ptr() as usize)) {
            Some(&k) => k,
            None => {
                let k = cats.len() as u32;
                cats.push(c.extract()?);
                seen.insert(c.as_ptr() as usize, k);
                k
            }
        };
        out.push(Span {
            cat: k,
            start: t.get_borrowed_item(1)?.extract()?,
            end: t.get_borrowed_item(2)?.extract()?,
            conf: t.get_borrowed_item(3)?.extract()?,
            at,
        });
    }
    let mut order: Vec<usize> = (0..cats.len()).collect();
    order.sort_by(|&a, &b| (*cats[a]).cmp(&*cats[b]));
    let mut rank = vec![0u32; cats.len()];
    for w in 1..order.len() {
        let same = *cats[order[w]] == *cats[order[w - 1]];
        rank[order[w]] = rank[order[w - 1]] + u32::from(!same);
    }
    for f in &mut out {
        f.cat = rank[f.cat as usize];
    }
    Ok(out)
}

fn write<'py>(
    py: Python<'py>,
    spans: &[Bound<'py, PyAny>],
    out: Vec<Out>,
) -> PyResult<Bound<'py, PyList>> {
    let items = out
        .into_iter()
        .map(|o| -> PyResult<Bound<'py, PyAny>> {
            let orig = &spans[o.at];
            match o.bounds {
                None => Ok(orig.clone()),
                Some((s, e)) => {
                    let t = orig.downcast::<PyTuple>()?;
                    let cat = spans[o.cat_from].downcast::<PyTuple>()?.get_item(0)?;
                    Ok(PyTuple::new(
                        py,
                        [
                            cat,
                            s.into_pyobject(py)?.into_any(),
                            e.into_pyobject(py)?.into_any(),
                            t.get_item(3)?,
                            t.get_item(4)?,
                        ],
                    )?
                    .into_any())
                }
            }
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// Python's `float` order (`sorted` on `-confidence`); NaN never comes from a detector.
fn fcmp(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// `_start_key`: (start, end, category).
fn start_order(a: &Span, b: &Span) -> Ordering {
    (a.start, a.end, a.cat).cmp(&(b.start, b.end, b.cat))
}

fn keep(f: &Span) -> Out {
    Out {
        cat_from: f.at,
        at: f.at,
        bounds: None,
    }
}

pub(crate) fn settle(mut spans: Vec<Span>) -> Vec<Out> {
    spans.sort_by(start_order); // stable, as `sorted`
    let mut out = Vec::with_capacity(spans.len());
    let mut cluster: Vec<Span> = Vec::new();
    let mut reach = i64::MIN;
    for f in spans {
        if !cluster.is_empty() && f.start >= reach {
            flush(&mut cluster, &mut out);
        }
        let end = f.end;
        cluster.push(f);
        reach = if cluster.len() > 1 {
            reach.max(end)
        } else {
            end
        };
    }
    flush(&mut cluster, &mut out);
    out
}

fn flush(cluster: &mut Vec<Span>, out: &mut Vec<Out>) {
    match cluster.len() {
        0 => {}
        1 => out.push(keep(&cluster[0])),
        _ => settle_cluster(cluster, out),
    }
    cluster.clear();
}

/// `_settle_cluster`: the best-ranked spans that overlap no better one, each widened over the
/// characters of the spans it beat (up to the next kept span; the first from the cluster's start).
fn settle_cluster(spans: &mut [Span], out: &mut Vec<Out>) {
    let lo = spans
        .iter()
        .map(|f| f.start)
        .min()
        .expect("a cluster holds spans");
    let hi = spans
        .iter()
        .map(|f| f.end)
        .max()
        .expect("a cluster holds spans");
    // `_rank_key`: (-confidence, start - end, start, category), stable
    spans.sort_by(|a, b| {
        fcmp(b.conf, a.conf)
            .then(
                (i128::from(a.start) - i128::from(a.end))
                    .cmp(&(i128::from(b.start) - i128::from(b.end))),
            )
            .then(a.start.cmp(&b.start))
            .then(a.cat.cmp(&b.cat))
    });
    let mut kept: Vec<&Span> = Vec::new();
    let mut starts: Vec<i64> = Vec::new();
    let mut ends: Vec<i64> = Vec::new();
    for f in spans.iter() {
        let i = starts.partition_point(|&s| s < f.end); // bisect_left
        if i > 0 && ends[i - 1] > f.start {
            continue;
        }
        starts.insert(i, f.start);
        ends.insert(i, f.end);
        kept.push(f);
    }
    kept.sort_by(|a, b| start_order(a, b));
    let last = kept.len() - 1;
    for (i, f) in kept.iter().enumerate() {
        let s = if i == 0 { lo } else { f.start };
        let e = if i < last { kept[i + 1].start } else { hi };
        out.push(if (s, e) == (f.start, f.end) {
            keep(f)
        } else {
            Out {
                cat_from: f.at,
                at: f.at,
                bounds: Some((s, e)),
            }
        });
    }
}

/// `_union_same_category`: sorted by (category, start, -end); a hit starting inside the previous one
/// of its category extends it, and the more confident of the two lends its confidence and detector.
pub(crate) fn union(mut hits: Vec<Span>) -> Vec<Out> {
    hits.sort_by(|a, b| (a.cat, a.start, b.end).cmp(&(b.cat, b.start, a.end)));
    // the current union: its first hit (category, start), its end, its lead (confidence, detector)
    let mut out: Vec<Out> = Vec::new();
    let mut last: Option<(usize, i64, i64, f64, usize)> = None; // (first index, start, end, conf, lead)
    let mut changed = false;
    let mut cat = 0;
    let close = |out: &mut Vec<Out>, u: (usize, i64, i64, f64, usize), changed: bool| {
        out.push(Out {
            cat_from: u.0,
            at: u.4,
            bounds: changed.then_some((u.1, u.2)),
        });
    };
    for h in &hits {
        if let Some(u) = last.as_mut() {
            if h.cat == cat && h.start < u.2 {
                if h.end > u.2 || h.conf > u.3 {
                    if h.conf > u.3 {
                        u.3 = h.conf;
                        u.4 = h.at;
                    }
                    u.2 = u.2.max(h.end);
                    changed = true;
                }
                continue;
            }
            close(&mut out, *u, changed);
        }
        last = Some((h.at, h.start, h.end, h.conf, h.at));
        cat = h.cat;
        changed = false;
    }
    if let Some(u) = last {
        close(&mut out, u, changed);
    }
    out
}

/// `findings.settle_spans(spans)`.
#[pyfunction]
fn settle_spans<'py>(
    py: Python<'py>,
    spans: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let read = read(&spans)?;
    let out = py.allow_threads(|| settle(read));
    write(py, &spans, out)
}

/// The engine's `_union_same_category(hits)`.
#[pyfunction]
fn union_same_category<'py>(
    py: Python<'py>,
    hits: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    if hits.len() < 2 {
        return PyList::new(py, hits);
    }
    let read = read(&hits)?;
    let out = py.allow_threads(|| union(read));
    write(py, &hits, out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(settle_spans, m)?)?;
    m.add_function(wrap_pyfunction!(union_same_category, m)?)?;
    Ok(())
}
