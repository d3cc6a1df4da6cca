//! Python `re` calls (`match` at a position, `search` in a window, `finditer`) on ASCII text through
//! PCRE2, so the ports read like the Python they copy. Byte offsets are string offsets (ASCII text).
//!
//! The patterns are the Python ones with the differences of the two engines written out: `\Z` is
//! PCRE's `\z`, `\s` gains `\x1c-\x1f` (Python counts them as space), and classes or branches of
//! non-ASCII characters are dropped (they cannot match ASCII text, so dropping them changes nothing).

use pcre2::bytes::{CaptureLocations, Regex, RegexBuilder};
use pyo3::exceptions::PyRuntimeError;
use pyo3::PyErr;

/// A failed match (PCRE2's limits): an error that carries no text, so the engine fails closed.
#[derive(Debug)]
pub struct MatchError(pub i32);

impl From<pcre2::Error> for MatchError {
    fn from(e: pcre2::Error) -> Self {
        MatchError(e.code())
    }
}

impl From<MatchError> for PyErr {
    fn from(e: MatchError) -> PyErr {
        PyRuntimeError::new_err(format!(
            "native detector: regex match failed (PCRE2 code {})",
            e.0
        ))
    }
}

pub type Res<T> = Result<T, MatchError>;

/// One Python pattern, compiled twice: as it is (`search`, `finditer`) and anchored with `\G`
/// (Python's `match` at a position).
pub struct Rx {
    any: Regex,
    at: Regex,
}

fn build(pattern: &str, caseless: bool) -> Regex {
    RegexBuilder::new()
        .caseless(caseless)
        .jit_if_available(true)
        .build(pattern)
        .unwrap_or_else(|e| panic!("native pattern does not compile: {e}"))
}

impl Rx {
    pub fn new(pattern: &str) -> Rx {
        Rx::with(pattern, false)
    }

    /// `re.IGNORECASE`.
    pub fn caseless(pattern: &str) -> Rx {
        Rx::with(pattern, true)
    }

    fn with(pattern: &str, caseless: bool) -> Rx {
        Rx {
            any: build(pattern, caseless),
            at: build(&format!(r"\G(?:{pattern})"), caseless),
        }
    }

    pub fn locations(&self) -> CaptureLocations {
        self.at.capture_locations()
    }

    /// `rx.match(text, pos)`: the span of a match that starts at `pos`.
    pub fn match_at(&self, t: &[u8], pos: usize) -> Res<Option<(usize, usize)>> {
        if pos > t.len() {
            return Ok(None);
        }
        Ok(self.at.find_at(t, pos)?.map(|m| (m.start(), m.end())))
    }

    /// `rx.match(text, pos) is not None`.
    pub fn matches_at(&self, t: &[u8], pos: usize) -> Res<bool> {
        if pos > t.len() {
            return Ok(false);
        }
        Ok(self.at.is_match_at(t, pos)?)
    }

    /// `rx.match(text, pos)` with its groups in `locs` (from `self.locations()`).
    pub fn caps_at(&self, locs: &mut CaptureLocations, t: &[u8], pos: usize) -> Res<bool> {
        if pos > t.len() {
            return Ok(false);
        }
        Ok(self.at.captures_read_at(locs, t, pos)?.is_some())
    }

    /// `rx.search(text, start, end)`: the first match inside the window (look-behind sees before
    /// `start`, as in Python; nothing sees past `end`).
    pub fn search(&self, t: &[u8], start: usize, end: usize) -> Res<Option<(usize, usize)>> {
        let end = end.min(t.len());
        if start > end {
            return Ok(None);
        }
        Ok(self
            .any
            .find_at(&t[..end], start)?
            .map(|m| (m.start(), m.end())))
    }

    /// `rx.search(text, start, end)` with its groups in `locs` (from `self.search_locations()`).
    pub fn search_caps(
        &self,
        locs: &mut CaptureLocations,
        t: &[u8],
        start: usize,
        end: usize,
    ) -> Res<bool> {
        let end = end.min(t.len());
        if start > end {
            return Ok(false);
        }
        Ok(self.any.captures_read_at(locs, &t[..end], start)?.is_some())
    }

    pub fn search_locations(&self) -> CaptureLocations {
        self.any.capture_locations()
    }

    /// `rx.finditer(text)` for a pattern that never matches empty: `f(locs)` per match, in order.
    pub fn for_each(&self, t: &[u8], mut f: impl FnMut(&CaptureLocations) -> Res<()>) -> Res<()> {
        let mut locs = self.any.capture_locations();
        let mut pos = 0;
        while pos <= t.len() && self.any.captures_read_at(&mut locs, t, pos)?.is_some() {
            let (s, e) = locs.get(0).expect("group 0 of a match");
            f(&locs)?;
            pos = if e > s { e } else { e + 1 };
        }
        Ok(())
    }
}

/// Group `i` of a match (it took part in the match).
pub fn group(locs: &CaptureLocations, i: usize) -> (usize, usize) {
    locs.get(i).expect("a group the pattern always sets")
}

/// Python's `str.isspace()` for one ASCII byte (`\x1c`-`\x1f` included).
pub fn is_space(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | 0x1c..=0x1f
    )
}

/// Python's `str.split()` of ASCII bytes.
pub fn split_ws(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    s.split(|&c| is_space(c)).filter(|w| !w.is_empty())
}

/// Python's `str.isupper()` of ASCII bytes: a cased letter and no lower-case one.
pub fn is_upper(s: &[u8]) -> bool {
    s.iter().any(u8::is_ascii_uppercase) && !s.iter().any(u8::is_ascii_lowercase)
}

/// Python's `str.islower()` of ASCII bytes.
pub fn is_lower(s: &[u8]) -> bool {
    s.iter().any(u8::is_ascii_lowercase) && !s.iter().any(u8::is_ascii_uppercase)
}

/// `s.rstrip(".")`.
pub fn rstrip_dots(s: &[u8]) -> &[u8] {
    let mut e = s.len();
    while e > 0 && s[e - 1] == b'.' {
        e -= 1;
    }
    &s[..e]
}

/// ASCII bytes as the `&str` they are.
pub fn as_str(s: &[u8]) -> &str {
    std::str::from_utf8(s).expect("ASCII text")
}

/// `text.find(needle, from)` for one needle searched again and again (its searcher built once).
pub struct Needle<'n>(memchr::memmem::Finder<'n>);

impl<'n> Needle<'n> {
    pub fn new(needle: &'n [u8]) -> Self {
        Needle(memchr::memmem::Finder::new(needle))
    }

    pub fn owned(needle: Vec<u8>) -> Needle<'static> {
        Needle(memchr::memmem::Finder::new(&needle).into_owned())
    }

    pub fn find(&self, t: &[u8], from: usize) -> Option<usize> {
        if from > t.len() {
            return None;
        }
        self.0.find(&t[from..]).map(|i| i + from)
    }
}

/// `text.find(needle, from)`.
pub fn find(t: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > t.len() || needle.len() > t.len() - from {
        return None;
    }
    memchr::memmem::find(&t[from..], needle).map(|i| i + from)
}
