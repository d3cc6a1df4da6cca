//! packgate's detector core in Rust.
//!
//! Each detector here is a port of one function of the Python engine (`runtime/redaction`) and must
//! return exactly what that function returns: the Python code stays the oracle, and the property tests
//! in `tests/native/` compare the two on generated and corpus text. Offsets are Python string offsets
//! (code points). The Python engine calls a port only for text it hands over (see `native.py`).

use pyo3::prelude::*;

mod addresses;
mod clinical;
mod lexicons;
mod names;
mod names_more;
mod scan;
mod settle;
mod structured;

/// The crate's version, so the Python side can tell a stale build from the sources it was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn packgate_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_class::<lexicons::Lexicons>()?;
    clinical::register(m)?;
    addresses::register(m)?;
    names::register(m)?;
    names_more::register(m)?;
    scan::register(m)?;
    settle::register(m)?;
    structured::register(m)?;
    Ok(())
}
