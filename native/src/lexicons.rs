//! The word lists, handed over once per engine (`native.lexicons`): lookups are by token text.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// Separator of a multi-word place's tokens (`("new", "york")` -> "new\x1fyork"): no token holds it.
pub const TUPLE_SEP: char = '\u{1f}';

/// Every word list of the Python `Lexicons`, by field name: string sets as they are, sets of token
/// tuples (cities, towns) as joined strings, and the integer fields.
#[pyclass(frozen, module = "packgate_native")]
pub struct Lexicons {
    sets: FxHashMap<String, FxHashSet<String>>,
    ints: FxHashMap<String, i64>,
}

#[pymethods]
impl Lexicons {
    #[new]
    fn new(sets: FxHashMap<String, Vec<String>>, ints: FxHashMap<String, i64>) -> Self {
        let sets = sets
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect::<FxHashSet<String>>()))
            .collect();
        Lexicons { sets, ints }
    }

    /// How many entries the named set holds (for the hand-over's own test).
    fn size(&self, name: &str) -> PyResult<usize> {
        Ok(self.set(name)?.len())
    }
}

impl Lexicons {
    /// The named set; a name the hand-over did not fill is a programming error, raised as KeyError.
    pub fn set(&self, name: &str) -> PyResult<&FxHashSet<String>> {
        self.sets
            .get(name)
            .ok_or_else(|| PyKeyError::new_err(format!("lexicon set {name}")))
    }

    /// The named integer field.
    pub fn int(&self, name: &str) -> PyResult<i64> {
        self.ints
            .get(name)
            .copied()
            .ok_or_else(|| PyKeyError::new_err(format!("lexicon int {name}")))
    }
}
