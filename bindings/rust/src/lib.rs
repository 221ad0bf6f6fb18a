//! Safe Rust bindings to libm2v: [Model2Vec](https://github.com/MinishLab/model2vec) static
//! embeddings through the C API of `m2v.h`.
//!
//! ```no_run
//! let model = m2v::Model::load("path/to/model-folder")?;
//! let vectors = model.encode(&["hello world", "static embeddings"])?;
//! for row in vectors.rows() {
//!     println!("{:?}", &row[..4]);
//! }
//! # Ok::<(), m2v::Error>(())
//! ```
//!
//! # Linking
//! `build.rs` links `libm2v.so` from `$M2V_PREFIX/lib`, else from what `pkg-config m2v` says,
//! and gives this crate's tests and examples an rpath to it. The crate has no dependencies.
//!
//! # Errors
//! Every fallible call returns [`Result`]; an [`Error`] carries the library's [`Status`] and the
//! message of `m2v_last_error()`, read on the same thread right after the failing call (the
//! library keeps it per thread, valid until that thread's next m2v call). Errors detected on the
//! Rust side before calling the library (a NUL byte in a path, a size that overflows) are
//! reported the same way with [`Status::InvalidArgument`] or [`Status::OutOfMemory`].
//!
//! # Threads
//! [`Model`], [`Tokenizer`] and [`Classifier`] are `Send + Sync`: m2v.h makes loaded handles
//! immutable and lets any number of threads encode, tokenize, predict and query one handle at
//! once; only freeing must not race, which `Drop` (it needs the value by ownership) guarantees.
//! Share one with `&` across [`std::thread::scope`] or wrap it in an `Arc`. The library's own
//! worker pool is described in m2v.h ("Threads the library starts").
//!
//! # Texts
//! Texts are passed to the library as (pointer, byte length) pairs pointing into your strings:
//! nothing is copied and nothing is allocated per text (one array of pointers and one of lengths
//! per call). They need not be NUL-terminated and may contain NUL. The `*_bytes` variants take
//! arbitrary bytes, for input that may not be UTF-8 ([`InvalidText`] says what happens then).
//!
//! # Raw API
//! [`sys`] declares all of m2v.h (distillation, training, quantization, model creation...);
//! [`Model::as_ptr`] and friends hand the raw handles to it.
//!
//! A borrowed encoder cannot outlive its classifier:
//! ```compile_fail,E0505
//! let classifier = m2v::Classifier::load("pipeline").unwrap();
//! let model = classifier.model();
//! drop(classifier);
//! model.dim(); // error[E0505]: cannot move out of `classifier` because it is borrowed
//! ```
#![warn(missing_docs)]

pub mod sys;

use std::ffi::{c_char, c_int, CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};

// ---- Errors --------------------------------------------------------------------------------

/// A failure status of the library (`m2v_status` without `M2V_OK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `M2V_ERR_INVALID_ARGUMENT`: a NULL pointer, a zero size where one is needed, a bad option.
    InvalidArgument,
    /// `M2V_ERR_NOT_FOUND`: a file or folder does not exist.
    NotFound,
    /// `M2V_ERR_IO`: a file exists but cannot be read, mapped or written.
    Io,
    /// `M2V_ERR_FORMAT`: a malformed, corrupt or inconsistent file.
    Format,
    /// `M2V_ERR_UNSUPPORTED`: valid input using a feature m2v does not implement.
    Unsupported,
    /// `M2V_ERR_BUFFER_TOO_SMALL`: a caller buffer is too small.
    BufferTooSmall,
    /// `M2V_ERR_OUT_OF_MEMORY`: an allocation failed or a size would overflow.
    OutOfMemory,
    /// `M2V_ERR_INVALID_UTF8`: a text is not valid UTF-8.
    InvalidUtf8,
    /// `M2V_ERR_CANCELLED`: a progress callback asked to stop.
    Cancelled,
    /// `M2V_ERR_INTERNAL`: a bug in m2v (please report it with the message).
    Internal,
    /// A code this crate does not know (from a newer library).
    Unknown(i32),
}

impl Status {
    /// The status for a raw code, `None` for `M2V_OK` (0).
    pub fn from_code(code: i32) -> Option<Status> {
        Some(match code {
            sys::M2V_OK => return None,
            sys::M2V_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::M2V_ERR_NOT_FOUND => Status::NotFound,
            sys::M2V_ERR_IO => Status::Io,
            sys::M2V_ERR_FORMAT => Status::Format,
            sys::M2V_ERR_UNSUPPORTED => Status::Unsupported,
            sys::M2V_ERR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::M2V_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::M2V_ERR_INVALID_UTF8 => Status::InvalidUtf8,
            sys::M2V_ERR_CANCELLED => Status::Cancelled,
            sys::M2V_ERR_INTERNAL => Status::Internal,
            other => Status::Unknown(other),
        })
    }

    /// The raw `m2v_status` code.
    pub fn code(self) -> i32 {
        match self {
            Status::InvalidArgument => sys::M2V_ERR_INVALID_ARGUMENT,
            Status::NotFound => sys::M2V_ERR_NOT_FOUND,
            Status::Io => sys::M2V_ERR_IO,
            Status::Format => sys::M2V_ERR_FORMAT,
            Status::Unsupported => sys::M2V_ERR_UNSUPPORTED,
            Status::BufferTooSmall => sys::M2V_ERR_BUFFER_TOO_SMALL,
            Status::OutOfMemory => sys::M2V_ERR_OUT_OF_MEMORY,
            Status::InvalidUtf8 => sys::M2V_ERR_INVALID_UTF8,
            Status::Cancelled => sys::M2V_ERR_CANCELLED,
            Status::Internal => sys::M2V_ERR_INTERNAL,
            Status::Unknown(code) => code,
        }
    }

    /// The C name, as `m2v_status_name()` gives it: `"M2V_ERR_NOT_FOUND"`, ... and
    /// `"M2V_ERR_UNKNOWN"` for unknown codes. Computed in Rust: calling it does not touch the
    /// thread's last error message.
    pub fn name(self) -> &'static str {
        match self {
            Status::InvalidArgument => "M2V_ERR_INVALID_ARGUMENT",
            Status::NotFound => "M2V_ERR_NOT_FOUND",
            Status::Io => "M2V_ERR_IO",
            Status::Format => "M2V_ERR_FORMAT",
            Status::Unsupported => "M2V_ERR_UNSUPPORTED",
            Status::BufferTooSmall => "M2V_ERR_BUFFER_TOO_SMALL",
            Status::OutOfMemory => "M2V_ERR_OUT_OF_MEMORY",
            Status::InvalidUtf8 => "M2V_ERR_INVALID_UTF8",
            Status::Cancelled => "M2V_ERR_CANCELLED",
            Status::Internal => "M2V_ERR_INTERNAL",
            Status::Unknown(_) => "M2V_ERR_UNKNOWN",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed call: the library's status and its human-readable message.
///
/// `Display` prints `"<STATUS NAME>: <message>"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure.
    pub status: Status,
    /// The library's message (`m2v_last_error()` right after the call), or the Rust side's for
    /// arguments rejected before calling the library. Names the file, text or field involved.
    pub message: String,
}

impl Error {
    /// The error for a failed status: reads this thread's `m2v_last_error()`. Must be called
    /// right after the failing call, with no m2v call in between.
    fn last(code: sys::m2v_status) -> Error {
        // SAFETY: m2v_last_error never returns NULL; the string is valid until this thread's
        // next m2v call, and it is copied before any.
        let message = unsafe { CStr::from_ptr(sys::m2v_last_error()) }.to_string_lossy().into_owned();
        Error { status: Status::from_code(code).unwrap_or(Status::Internal), message }
    }

    fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

/// `Result<T, m2v::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn check(code: sys::m2v_status) -> Result<()> {
    if code == sys::M2V_OK {
        Ok(())
    } else {
        Err(Error::last(code))
    }
}

fn path_cstring(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(Status::InvalidArgument, format!("path {:?} contains a NUL byte", path)))
}

fn product(a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b).ok_or_else(|| Error::new(Status::OutOfMemory, format!("{a} x {b} elements overflow usize")))
}

fn to_i32(value: u32, field: &str) -> Result<i32> {
    i32::try_from(value)
        .map_err(|_| Error::new(Status::InvalidArgument, format!("{field} {value} is above {}", i32::MAX)))
}

// ---- Version -------------------------------------------------------------------------------

/// The library's version string, e.g. `"0.6.0"` (`m2v_version_string()`).
pub fn version() -> &'static str {
    // SAFETY: a static NUL-terminated ASCII string, never NULL.
    unsafe { CStr::from_ptr(sys::m2v_version_string()) }.to_str().unwrap_or("")
}

/// The library's version as MAJOR*10000 + MINOR*100 + PATCH; compare with
/// [`sys::M2V_VERSION_NUMBER`] (the header this crate mirrors) to detect a mismatch.
pub fn version_number() -> u32 {
    // SAFETY: no arguments, thread-safe.
    unsafe { sys::m2v_version_number() }
}

// ---- Texts ---------------------------------------------------------------------------------

/// The (pointer, length) arrays of one call, borrowing the caller's texts.
struct Texts<'a> {
    ptrs: Vec<*const c_char>,
    lens: Vec<usize>,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> Texts<'a> {
    fn new<T: AsRef<[u8]> + ?Sized + 'a>(texts: impl ExactSizeIterator<Item = &'a T>) -> Texts<'a> {
        let mut ptrs = Vec::with_capacity(texts.len());
        let mut lens = Vec::with_capacity(texts.len());
        for t in texts {
            let b = t.as_ref();
            ptrs.push(b.as_ptr().cast::<c_char>());
            lens.push(b.len());
        }
        Texts { ptrs, lens, _borrow: PhantomData }
    }

    fn from_strs<S: AsRef<str>>(texts: &'a [S]) -> Texts<'a> {
        Texts::new(texts.iter().map(|s| s.as_ref().as_bytes()))
    }

    fn from_bytes<B: AsRef<[u8]>>(texts: &'a [B]) -> Texts<'a> {
        Texts::new(texts.iter().map(|b| b.as_ref()))
    }

    fn len(&self) -> usize {
        self.ptrs.len()
    }
}

// ---- Parameters ----------------------------------------------------------------------------

/// A token limit: encode's truncation (`max_length` fields of m2v.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaxLength {
    /// The default: for loading, config.json's `"max_length"` (512 when absent); for encoding,
    /// the model's [`Model::max_length`].
    Default,
    /// No truncation.
    Unlimited,
    /// At most this many tokens per text (1 ..= `i32::MAX`).
    Tokens(u32),
}

impl MaxLength {
    fn from_raw(v: i32) -> MaxLength {
        match v {
            v if v < 0 => MaxLength::Default,
            0 => MaxLength::Unlimited,
            v => MaxLength::Tokens(v as u32),
        }
    }

    fn to_raw(self, field: &str) -> Result<i32> {
        match self {
            MaxLength::Default => Ok(-1),
            MaxLength::Unlimited => Ok(0),
            MaxLength::Tokens(0) => Err(Error::new(
                Status::InvalidArgument,
                format!("{field}: MaxLength::Tokens(0); use MaxLength::Unlimited for no limit"),
            )),
            MaxLength::Tokens(n) => to_i32(n, field),
        }
    }
}

fn tri_from_raw(v: i32) -> Option<bool> {
    match v {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

fn tri_to_raw(v: Option<bool>) -> i32 {
    match v {
        None => -1,
        Some(false) => 0,
        Some(true) => 1,
    }
}

/// Options of [`Model::load_with`] and [`Classifier::load_with`] (`m2v_load_params`).
///
/// `LoadParams::default()` holds the library's defaults (`m2v_load_default_params()`); fields
/// this struct does not expose keep them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadParams {
    normalize: Option<bool>,
    max_length: MaxLength,
    mmap: bool,
}

impl Default for LoadParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, thread-safe.
        let raw = unsafe { sys::m2v_load_default_params() };
        LoadParams {
            normalize: tri_from_raw(raw.normalize),
            max_length: MaxLength::from_raw(raw.max_length),
            mmap: raw.mmap != 0,
        }
    }
}

impl LoadParams {
    /// Whether encode L2-normalizes by default: `None` = as config.json says (the default;
    /// false when absent).
    pub fn normalize(mut self, normalize: Option<bool>) -> Self {
        self.normalize = normalize;
        self
    }

    /// Encode's default truncation in tokens ([`MaxLength::Default`]: config.json's, 512 when
    /// absent).
    pub fn max_length(mut self, max_length: MaxLength) -> Self {
        self.max_length = max_length;
        self
    }

    /// `true` (the default): map model.safetensors read-only instead of copying it. Hazard: if
    /// the file is truncated or overwritten in place while the model lives, the next encode
    /// touching lost pages gets SIGBUS. Replace model files by rename, or pass `false` to read
    /// the file into memory the model owns (m2v.h, `m2v_load_params.mmap`).
    pub fn mmap(mut self, mmap: bool) -> Self {
        self.mmap = mmap;
        self
    }

    fn to_raw(self) -> Result<sys::m2v_load_params> {
        // SAFETY: as in default().
        let mut raw = unsafe { sys::m2v_load_default_params() };
        raw.normalize = tri_to_raw(self.normalize);
        raw.max_length = self.max_length.to_raw("LoadParams.max_length")?;
        raw.mmap = self.mmap as i32;
        Ok(raw)
    }
}

/// What a text that cannot be tokenized (invalid UTF-8, too long) does to an encode call
/// (`m2v_invalid_text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum InvalidText {
    /// The call fails with the first bad text's status and message (the default).
    #[default]
    Error,
    /// Each maximal invalid UTF-8 subsequence becomes U+FFFD (as Python's
    /// `errors="replace"`); other per-text errors still fail the call.
    Replace,
    /// A bad text gets no tokens: a zero vector; the call succeeds.
    Skip,
}

/// Options of the `*_with` encode calls (`m2v_encode_params`).
///
/// `EncodeParams::default()` holds the library's defaults (`m2v_encode_default_params()`); the
/// calls without `_with` pass NULL params, which means the same. The progress callback and the
/// per-text status array of the C struct are not exposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeParams {
    max_length: MaxLength,
    normalize: Option<bool>,
    n_threads: u32,
    batch_size: usize,
    character_cut: bool,
    invalid_text: InvalidText,
}

impl Default for EncodeParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, thread-safe.
        let raw = unsafe { sys::m2v_encode_default_params() };
        EncodeParams {
            max_length: MaxLength::from_raw(raw.max_length),
            normalize: tri_from_raw(raw.normalize),
            n_threads: raw.n_threads.max(0) as u32,
            batch_size: raw.batch_size,
            character_cut: raw.character_cut != 0,
            invalid_text: match raw.invalid_text {
                sys::M2V_INVALID_TEXT_REPLACE => InvalidText::Replace,
                sys::M2V_INVALID_TEXT_SKIP => InvalidText::Skip,
                _ => InvalidText::Error,
            },
        }
    }
}

impl EncodeParams {
    /// Tokens per text: [`MaxLength::Default`] is the model's [`Model::max_length`] for
    /// encode and tokenize, no limit for [`Model::encode_as_sequence_with`]. Texts are first cut
    /// to max_length × median token length characters unless [`character_cut`](Self::character_cut)
    /// is off.
    pub fn max_length(mut self, max_length: MaxLength) -> Self {
        self.max_length = max_length;
        self
    }

    /// L2-normalize each vector: `None` = the model's setting (default).
    pub fn normalize(mut self, normalize: Option<bool>) -> Self {
        self.normalize = normalize;
        self
    }

    /// Most threads for this call: 0 = all CPUs (default), 1 = the calling thread only. Small
    /// inputs use the calling thread alone; output bytes are identical whatever the count.
    pub fn n_threads(mut self, n_threads: u32) -> Self {
        self.n_threads = n_threads;
        self
    }

    /// Texts per batch (0 = 1024, the default). Without a progress callback it changes nothing
    /// observable.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// `true` (default): cut each text to max_length × median token length code points before
    /// tokenizing, as model2vec's encode; `false`: token truncation only, as model2vec's
    /// tokenize().
    pub fn character_cut(mut self, character_cut: bool) -> Self {
        self.character_cut = character_cut;
        self
    }

    /// What a text that cannot be tokenized does to the call (default [`InvalidText::Error`]).
    pub fn invalid_text(mut self, invalid_text: InvalidText) -> Self {
        self.invalid_text = invalid_text;
        self
    }

    fn to_raw(self) -> Result<sys::m2v_encode_params> {
        // SAFETY: as in default().
        let mut raw = unsafe { sys::m2v_encode_default_params() };
        raw.max_length = self.max_length.to_raw("EncodeParams.max_length")?;
        raw.normalize = tri_to_raw(self.normalize);
        raw.n_threads = to_i32(self.n_threads, "EncodeParams.n_threads")?;
        raw.batch_size = self.batch_size;
        raw.character_cut = self.character_cut as i32;
        raw.invalid_text = match self.invalid_text {
            InvalidText::Error => sys::M2V_INVALID_TEXT_ERROR,
            InvalidText::Replace => sys::M2V_INVALID_TEXT_REPLACE,
            InvalidText::Skip => sys::M2V_INVALID_TEXT_SKIP,
        };
        Ok(raw)
    }
}

/// NULL for `None`, else a pointer to `slot` filled from `params`.
fn params_ptr(
    params: Option<&EncodeParams>,
    slot: &mut Option<sys::m2v_encode_params>,
) -> Result<*const sys::m2v_encode_params> {
    Ok(match params {
        None => ptr::null(),
        Some(p) => slot.insert(p.to_raw()?) as *const _,
    })
}

// ---- Results -------------------------------------------------------------------------------

/// A row-major matrix of `f32`: one row per text, [`dim`](Self::dim) floats each. Owned by Rust
/// (a `Vec<f32>`), independent of the model that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct Embeddings {
    data: Vec<f32>,
    rows: usize,
    dim: usize,
}

impl Embeddings {
    /// Number of rows (texts).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Floats per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`, `None` when out of range.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        (i < self.rows).then(|| &self.data[i * self.dim..(i + 1) * self.dim])
    }

    /// The rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + DoubleEndedIterator + '_ {
        (0..self.rows).map(move |i| &self.data[i * self.dim..(i + 1) * self.dim])
    }

    /// All `len() * dim()` floats, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The floats as a `Vec`, row-major.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// The floats as little-endian bytes, row-major: what `bindings/c/stream.c` writes.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.data.iter().flat_map(|f| f.to_le_bytes()).collect()
    }
}

/// Token ids of a batch of texts, in memory the library allocated (`m2v_ids`, freed on drop).
/// Independent of the model or tokenizer that made them. `Send + Sync`: immutable plain data.
pub struct TokenIds {
    raw: NonNull<sys::m2v_ids>,
}

// SAFETY: the m2v_ids block is plain memory nothing else references; it is only read until
// m2v_ids_free, which Drop calls once, from whichever thread owns the value.
unsafe impl Send for TokenIds {}
unsafe impl Sync for TokenIds {}

impl TokenIds {
    fn raw(&self) -> &sys::m2v_ids {
        // SAFETY: valid until drop.
        unsafe { self.raw.as_ref() }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.raw().n_texts
    }

    /// Whether there are no texts.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `len() + 1` offsets into [`ids`](Self::ids): text `i` has `ids()[offsets()[i]..offsets()[i + 1]]`.
    pub fn offsets(&self) -> &[usize] {
        let r = self.raw();
        if r.offsets.is_null() {
            return &[0];
        }
        // SAFETY: m2v.h: n_texts + 1 entries.
        unsafe { std::slice::from_raw_parts(r.offsets, r.n_texts + 1) }
    }

    /// All ids, text after text.
    pub fn ids(&self) -> &[i32] {
        let r = self.raw();
        let n = self.offsets()[r.n_texts];
        if n == 0 || r.ids.is_null() {
            return &[];
        }
        // SAFETY: m2v.h: offsets[n_texts] ids.
        unsafe { std::slice::from_raw_parts(r.ids, n) }
    }

    /// The ids of text `i`, `None` when out of range.
    pub fn get(&self, i: usize) -> Option<&[i32]> {
        (i < self.len()).then(|| {
            let o = self.offsets();
            &self.ids()[o[i]..o[i + 1]]
        })
    }

    /// Each text's ids in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[i32]> + '_ {
        let (o, ids) = (self.offsets(), self.ids());
        (0..self.len()).map(move |i| &ids[o[i]..o[i + 1]])
    }
}

impl Drop for TokenIds {
    fn drop(&mut self) {
        // SAFETY: allocated by the library, freed once.
        unsafe { sys::m2v_ids_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for TokenIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One vector per token for a batch of texts (`m2v_sequence`, freed on drop), from
/// [`Model::encode_as_sequence`]. Independent of the model. `Send + Sync`: immutable plain data.
pub struct Sequence {
    raw: NonNull<sys::m2v_sequence>,
}

// SAFETY: as for TokenIds.
unsafe impl Send for Sequence {}
unsafe impl Sync for Sequence {}

impl Sequence {
    fn raw(&self) -> &sys::m2v_sequence {
        // SAFETY: valid until drop.
        unsafe { self.raw.as_ref() }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.raw().n_texts
    }

    /// Whether there are no texts.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Floats per token vector.
    pub fn dim(&self) -> usize {
        self.raw().dim
    }

    /// `len() + 1` token offsets: text `i` has tokens `offsets()[i]..offsets()[i + 1]`.
    pub fn offsets(&self) -> &[usize] {
        let r = self.raw();
        if r.offsets.is_null() {
            return &[0];
        }
        // SAFETY: m2v.h: n_texts + 1 entries.
        unsafe { std::slice::from_raw_parts(r.offsets, r.n_texts + 1) }
    }

    /// The token vectors of text `i` (tokens × dim floats, row-major), `None` when out of range.
    pub fn get(&self, i: usize) -> Option<&[f32]> {
        if i >= self.len() {
            return None;
        }
        let (o, d, r) = (self.offsets(), self.dim(), self.raw());
        let total = o[r.n_texts] * d;
        if total == 0 || r.vectors.is_null() {
            return Some(&[]);
        }
        // SAFETY: m2v.h: offsets[n_texts] * dim floats.
        let all = unsafe { std::slice::from_raw_parts(r.vectors, total) };
        Some(&all[o[i] * d..o[i + 1] * d])
    }
}

impl Drop for Sequence {
    fn drop(&mut self) {
        // SAFETY: allocated by the library, freed once.
        unsafe { sys::m2v_sequence_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sequence").field("len", &self.len()).field("dim", &self.dim()).finish()
    }
}

// ---- Models --------------------------------------------------------------------------------

/// A loaded Model2Vec model (`m2v_model`), freed on drop.
///
/// `Send + Sync`: m2v.h says a loaded model is immutable and any number of threads may call
/// encode, tokenize and the query functions on one handle at once; only `m2v_model_free` must
/// not race with other uses, and `Drop` runs only once no borrow is left.
pub struct Model {
    raw: NonNull<sys::m2v_model>,
}

// SAFETY: see the type's documentation (m2v.h, "Thread-safety").
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    /// Loads a model folder (config.json, model.safetensors, tokenizer.json, or the
    /// sentence-transformers layout), or a HuggingFace hub id (`"org/name"`, `"org/name@rev"`)
    /// found in the local HuggingFace cache when no such path exists (nothing is downloaded).
    /// The table is mapped, not copied: see [`LoadParams::mmap`] for the hazard.
    ///
    /// Errors: [`Status::NotFound`] (no folder or required file; for a hub id the message lists
    /// every path tried), [`Status::Format`], [`Status::Unsupported`], [`Status::Io`],
    /// [`Status::OutOfMemory`], [`Status::InvalidArgument`] (a NUL byte in the path).
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        Model::load_raw(path.as_ref(), None)
    }

    /// [`Model::load`] with options.
    pub fn load_with(path: impl AsRef<Path>, params: &LoadParams) -> Result<Model> {
        Model::load_raw(path.as_ref(), Some(params.to_raw()?))
    }

    fn load_raw(path: &Path, params: Option<sys::m2v_load_params>) -> Result<Model> {
        let c = path_cstring(path)?;
        let mut out = ptr::null_mut();
        let p = params.as_ref().map_or(ptr::null(), |p| p as *const _);
        // SAFETY: valid NUL-terminated path, params NULL or a valid struct, out a valid slot.
        check(unsafe { sys::m2v_model_load(c.as_ptr(), p, &mut out) })?;
        NonNull::new(out)
            .map(|raw| Model { raw })
            .ok_or_else(|| Error::new(Status::Internal, "m2v_model_load returned M2V_OK and NULL"))
    }

    /// The raw handle, for [`sys`] calls. Valid while `self` lives; do not free it.
    pub fn as_ptr(&self) -> *const sys::m2v_model {
        self.raw.as_ptr()
    }

    /// Embedding width: floats per vector.
    pub fn dim(&self) -> usize {
        // SAFETY: valid handle; thread-safe query.
        unsafe { sys::m2v_model_dim(self.as_ptr()) }
    }

    /// Number of token ids the tokenizer can produce (one more than the largest id).
    pub fn vocab_size(&self) -> usize {
        // SAFETY: as dim().
        unsafe { sys::m2v_model_vocab_size(self.as_ptr()) }
    }

    /// Whether encode L2-normalizes by default (config.json or the load params).
    pub fn normalize(&self) -> bool {
        // SAFETY: as dim().
        unsafe { sys::m2v_model_normalize(self.as_ptr()) == 1 }
    }

    /// Encode's default truncation in tokens, `None` for no truncation.
    pub fn max_length(&self) -> Option<usize> {
        // SAFETY: as dim().
        let n = unsafe { sys::m2v_model_max_length(self.as_ptr()) };
        (n > 0).then_some(n as usize)
    }

    /// model2vec's median token length in code points (encode's character cut is
    /// max_length × this).
    pub fn median_token_length(&self) -> usize {
        // SAFETY: as dim().
        unsafe { sys::m2v_model_median_token_length(self.as_ptr()) }
    }

    /// The id of the unknown token (removed from every tokenization), `None` when there is none.
    pub fn unk_token_id(&self) -> Option<i32> {
        // SAFETY: as dim().
        let id = unsafe { sys::m2v_model_unk_token_id(self.as_ptr()) };
        (id >= 0).then_some(id)
    }

    /// The token string of `id`, borrowed from the model; `None` for an id out of range (or a
    /// token that is not UTF-8).
    pub fn token(&self, id: i32) -> Option<&str> {
        let mut len = 0usize;
        // SAFETY: valid handle and out-pointer; the bytes live as long as the model.
        let p = unsafe { sys::m2v_model_token(self.as_ptr(), id, &mut len) };
        if p.is_null() {
            return None;
        }
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
        std::str::from_utf8(bytes).ok()
    }

    /// The model's config as compact JSON (config.json with `"max_length"` and `"normalize"`
    /// set to the model's values), borrowed from the model.
    pub fn config_json(&self) -> &str {
        let mut len = 0usize;
        // SAFETY: valid handle; the string lives as long as the model.
        let p = unsafe { sys::m2v_model_config_json(self.as_ptr(), &mut len) };
        if p.is_null() {
            return "";
        }
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
        std::str::from_utf8(bytes).unwrap_or("")
    }

    /// Encodes texts with the defaults: one `f32` vector of [`dim`](Self::dim) floats per text,
    /// the numbers of model2vec's `StaticModel.encode` (tokenize without special tokens,
    /// truncate, drop unknown tokens, weighted mean, optional L2 normalization; a text without
    /// tokens gives a zero vector). An empty slice gives an empty result.
    ///
    /// Errors: [`Status::InvalidArgument`] (a text longer than the library's limit),
    /// [`Status::OutOfMemory`].
    pub fn encode<S: AsRef<str>>(&self, texts: &[S]) -> Result<Embeddings> {
        self.encode_texts(&Texts::from_strs(texts), None)
    }

    /// [`Model::encode`] with options.
    pub fn encode_with<S: AsRef<str>>(&self, texts: &[S], params: &EncodeParams) -> Result<Embeddings> {
        self.encode_texts(&Texts::from_strs(texts), Some(params))
    }

    /// [`Model::encode_with`] for texts given as bytes, which may be invalid UTF-8:
    /// [`Status::InvalidUtf8`] (the message names the text and byte offset) unless
    /// [`EncodeParams::invalid_text`] says to replace or skip.
    pub fn encode_bytes<B: AsRef<[u8]>>(&self, texts: &[B], params: &EncodeParams) -> Result<Embeddings> {
        self.encode_texts(&Texts::from_bytes(texts), Some(params))
    }

    /// Encodes with the defaults into `out` (at least `texts.len() * dim()` floats; the first
    /// that many are written, row-major). No allocation besides the two text arrays: reuse one
    /// buffer to stream a large input in chunks (the bytes equal one call on all of it).
    ///
    /// Errors: [`Status::BufferTooSmall`] (nothing written), and those of [`Model::encode`]; on
    /// error the contents of `out` are unspecified.
    pub fn encode_into<S: AsRef<str>>(&self, texts: &[S], out: &mut [f32]) -> Result<()> {
        self.encode_into_raw(&Texts::from_strs(texts), None, out)
    }

    /// [`Model::encode_into`] with options.
    pub fn encode_into_with<S: AsRef<str>>(&self, texts: &[S], params: &EncodeParams, out: &mut [f32]) -> Result<()> {
        self.encode_into_raw(&Texts::from_strs(texts), Some(params), out)
    }

    fn encode_texts(&self, texts: &Texts<'_>, params: Option<&EncodeParams>) -> Result<Embeddings> {
        let dim = self.dim();
        let mut data = vec![0f32; product(texts.len(), dim)?];
        self.encode_into_raw(texts, params, &mut data)?;
        Ok(Embeddings { data, rows: texts.len(), dim })
    }

    fn encode_into_raw(&self, texts: &Texts<'_>, params: Option<&EncodeParams>, out: &mut [f32]) -> Result<()> {
        let mut slot = None;
        let p = params_ptr(params, &mut slot)?;
        // SAFETY: texts.len() pointers and lengths into live texts, params NULL or valid, out
        // valid for out.len() floats.
        check(unsafe {
            sys::m2v_encode(
                self.as_ptr(),
                texts.ptrs.as_ptr(),
                texts.lens.as_ptr(),
                texts.len(),
                p,
                out.as_mut_ptr(),
                out.len(),
            )
        })
    }

    /// Pools precomputed token ids (the second half of encode): text `i` is
    /// `ids[offsets[i]..offsets[i + 1]]`; `offsets` has one entry more than there are texts and
    /// starts at 0 (the shape of [`TokenIds::offsets`]). `model.encode(t)` equals
    /// `model.encode_ids(ids.ids(), ids.offsets())` for `ids = model.tokenize(t)`, byte for byte.
    /// `params`: `None` = defaults; only max_length (> 0: keep the first ids), normalize and
    /// n_threads are used.
    ///
    /// Errors: [`Status::InvalidArgument`] (empty or bad offsets, an id outside the vocabulary).
    pub fn encode_ids(&self, ids: &[i32], offsets: &[usize], params: Option<&EncodeParams>) -> Result<Embeddings> {
        let n = offsets.len().checked_sub(1).ok_or_else(|| {
            Error::new(Status::InvalidArgument, "encode_ids: offsets is empty (it needs texts + 1 entries)")
        })?;
        if offsets[n] > ids.len() {
            return Err(Error::new(
                Status::InvalidArgument,
                format!("encode_ids: offsets end at {} but there are {} ids", offsets[n], ids.len()),
            ));
        }
        let dim = self.dim();
        let mut data = vec![0f32; product(n, dim)?];
        let mut slot = None;
        let p = params_ptr(params, &mut slot)?;
        // SAFETY: offsets has n + 1 entries, ids at least offsets[n] (the library checks the
        // rest), out valid for data.len() floats.
        check(unsafe {
            sys::m2v_encode_ids(self.as_ptr(), ids.as_ptr(), offsets.as_ptr(), n, p, data.as_mut_ptr(), data.len())
        })?;
        Ok(Embeddings { data, rows: n, dim })
    }

    /// The token ids encode uses for each text (after the character cut, truncation, and
    /// removal of the unknown token), with the defaults. Errors as [`Model::encode`].
    pub fn tokenize<S: AsRef<str>>(&self, texts: &[S]) -> Result<TokenIds> {
        self.tokenize_raw(&Texts::from_strs(texts), None)
    }

    /// [`Model::tokenize`] with options.
    pub fn tokenize_with<S: AsRef<str>>(&self, texts: &[S], params: &EncodeParams) -> Result<TokenIds> {
        self.tokenize_raw(&Texts::from_strs(texts), Some(params))
    }

    fn tokenize_raw(&self, texts: &Texts<'_>, params: Option<&EncodeParams>) -> Result<TokenIds> {
        let mut slot = None;
        let p = params_ptr(params, &mut slot)?;
        let mut out = ptr::null_mut();
        // SAFETY: as encode_into_raw; out a valid slot.
        check(unsafe {
            sys::m2v_tokenize(self.as_ptr(), texts.ptrs.as_ptr(), texts.lens.as_ptr(), texts.len(), p, &mut out)
        })?;
        NonNull::new(out)
            .map(|raw| TokenIds { raw })
            .ok_or_else(|| Error::new(Status::Internal, "m2v_tokenize returned M2V_OK and NULL"))
    }

    /// One vector per token (weights applied, no mean, no normalization), as model2vec's
    /// `encode_as_sequence`; no truncation. Errors as [`Model::encode`].
    pub fn encode_as_sequence<S: AsRef<str>>(&self, texts: &[S]) -> Result<Sequence> {
        self.sequence_raw(&Texts::from_strs(texts), None)
    }

    /// [`Model::encode_as_sequence`] with options ([`MaxLength::Default`] means no truncation
    /// here).
    pub fn encode_as_sequence_with<S: AsRef<str>>(&self, texts: &[S], params: &EncodeParams) -> Result<Sequence> {
        self.sequence_raw(&Texts::from_strs(texts), Some(params))
    }

    fn sequence_raw(&self, texts: &Texts<'_>, params: Option<&EncodeParams>) -> Result<Sequence> {
        let mut slot = None;
        let p = params_ptr(params, &mut slot)?;
        let mut out = ptr::null_mut();
        // SAFETY: as tokenize_raw.
        check(unsafe {
            sys::m2v_encode_as_sequence(
                self.as_ptr(),
                texts.ptrs.as_ptr(),
                texts.lens.as_ptr(),
                texts.len(),
                p,
                &mut out,
            )
        })?;
        NonNull::new(out)
            .map(|raw| Sequence { raw })
            .ok_or_else(|| Error::new(Status::Internal, "m2v_encode_as_sequence returned M2V_OK and NULL"))
    }

    /// Writes the model to the folder `path` in model2vec's format (config.json,
    /// model.safetensors, tokenizer.json, modules.json, README.md), atomically and durably
    /// (m2v.h, `m2v_model_save`). Errors: [`Status::Io`] (naming the path and errno),
    /// [`Status::InvalidArgument`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let c = path_cstring(path.as_ref())?;
        // SAFETY: valid handle and path.
        check(unsafe { sys::m2v_model_save(self.as_ptr(), c.as_ptr()) })
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: owned handle, freed once; no borrow of self is left.
        unsafe { sys::m2v_model_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("dim", &self.dim()).field("vocab_size", &self.vocab_size()).finish()
    }
}

// ---- Tokenizers ----------------------------------------------------------------------------

/// A HuggingFace tokenizer.json (`m2v_tokenizer`), freed on drop. Gives the ids HuggingFace
/// `tokenizers` gives. `Send + Sync` for the reasons given on [`Model`] (m2v.h: immutable,
/// shareable across threads).
pub struct Tokenizer {
    raw: NonNull<sys::m2v_tokenizer>,
}

// SAFETY: m2v.h, "Thread-safety": a loaded m2v_tokenizer is immutable; only free must not race.
unsafe impl Send for Tokenizer {}
unsafe impl Sync for Tokenizer {}

impl Tokenizer {
    /// Loads a tokenizer.json file. Errors: [`Status::NotFound`], [`Status::Io`],
    /// [`Status::Format`], [`Status::Unsupported`] (the message names the component).
    pub fn load(path: impl AsRef<Path>) -> Result<Tokenizer> {
        let c = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        // SAFETY: valid path and out slot.
        check(unsafe { sys::m2v_tokenizer_load(c.as_ptr(), &mut out) })?;
        Tokenizer::wrap(out)
    }

    /// Loads a tokenizer from tokenizer.json bytes (copied; `json` may be dropped afterwards).
    /// Errors as [`Tokenizer::load`].
    pub fn from_json(json: &[u8]) -> Result<Tokenizer> {
        let mut out = ptr::null_mut();
        // SAFETY: json.len() bytes at json.as_ptr(), out a valid slot.
        check(unsafe { sys::m2v_tokenizer_load_from_memory(json.as_ptr().cast(), json.len(), &mut out) })?;
        Tokenizer::wrap(out)
    }

    fn wrap(out: *mut sys::m2v_tokenizer) -> Result<Tokenizer> {
        NonNull::new(out)
            .map(|raw| Tokenizer { raw })
            .ok_or_else(|| Error::new(Status::Internal, "tokenizer load returned M2V_OK and NULL"))
    }

    /// The raw handle, for [`sys`] calls. Valid while `self` lives; do not free it.
    pub fn as_ptr(&self) -> *const sys::m2v_tokenizer {
        self.raw.as_ptr()
    }

    /// One more than the largest token id (vocabulary and added tokens).
    pub fn vocab_size(&self) -> usize {
        // SAFETY: valid handle.
        unsafe { sys::m2v_tokenizer_vocab_size(self.as_ptr()) }
    }

    /// The string of token `id` (an added token's content, else the vocabulary's entry), as
    /// HF's `id_to_token`; `None` when no token has this id. Invalid UTF-8 in a token is replaced
    /// by U+FFFD.
    pub fn token(&self, id: i32) -> Option<String> {
        let mut need = 0usize;
        let mut buf = vec![0u8; 64];
        // SAFETY: valid handle; buf holds buf.len() bytes.
        let mut st = unsafe { sys::m2v_tokenizer_token(self.as_ptr(), id, buf.as_mut_ptr().cast(), buf.len(), &mut need) };
        if st == sys::M2V_ERR_BUFFER_TOO_SMALL {
            buf = vec![0u8; need];
            // SAFETY: as above, with the size the library asked for.
            st = unsafe { sys::m2v_tokenizer_token(self.as_ptr(), id, buf.as_mut_ptr().cast(), buf.len(), &mut need) };
        }
        if st != sys::M2V_OK {
            return None;
        }
        buf.truncate(need);
        Some(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Tokenizes a batch as HuggingFace `tokenizers`' `encode_batch(texts, add_special_tokens)`,
    /// with tokenizer.json's own truncation and padding applied. Errors:
    /// [`Status::InvalidArgument`] (a text above the library's length limit),
    /// [`Status::OutOfMemory`].
    pub fn encode<S: AsRef<str>>(&self, texts: &[S], add_special_tokens: bool) -> Result<TokenIds> {
        let t = Texts::from_strs(texts);
        let mut out = ptr::null_mut();
        // SAFETY: as Model::tokenize_raw.
        check(unsafe {
            sys::m2v_tokenizer_encode(
                self.as_ptr(),
                t.ptrs.as_ptr(),
                t.lens.as_ptr(),
                t.len(),
                add_special_tokens as c_int,
                &mut out,
            )
        })?;
        NonNull::new(out)
            .map(|raw| TokenIds { raw })
            .ok_or_else(|| Error::new(Status::Internal, "m2v_tokenizer_encode returned M2V_OK and NULL"))
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        // SAFETY: owned handle, freed once.
        unsafe { sys::m2v_tokenizer_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer").field("vocab_size", &self.vocab_size()).finish()
    }
}

// ---- Hub cache -----------------------------------------------------------------------------

/// Resolves a path or HuggingFace hub id to a local folder, as [`Model::load`] does: an
/// existing path (or a string that is not a hub id) is returned unchanged; `"org/name"`,
/// `"name"` or `"org/name@revision"` is looked up in the local HuggingFace cache
/// (`$HF_HUB_CACHE`, `$HF_HOME/hub`, ... `~/.cache/huggingface/hub`). Nothing is downloaded.
///
/// Errors: [`Status::NotFound`] (the message names the cache, every path tried and how to
/// download the model), [`Status::InvalidArgument`] (a NUL byte). Reads the environment:
/// do not call `std::env::set_var` on another thread meanwhile.
pub fn hub_resolve(path_or_id: &str) -> Result<PathBuf> {
    let c = CString::new(path_or_id)
        .map_err(|_| Error::new(Status::InvalidArgument, format!("{path_or_id:?} contains a NUL byte")))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let mut need = 0usize;
        // SAFETY: buf.len() writable bytes, need a valid slot.
        let code = unsafe { sys::m2v_hub_resolve(c.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut need) };
        if code == sys::M2V_ERR_BUFFER_TOO_SMALL && need > buf.len() {
            buf.resize(need, 0);
            continue;
        }
        check(code)?;
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        buf.truncate(len);
        return Ok(PathBuf::from(std::ffi::OsString::from_vec(buf)));
    }
}

// ---- Classifiers ---------------------------------------------------------------------------

/// What a [`Classifier`] predicts (`m2v_task`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// Softmax: one class per text.
    SingleLabel,
    /// Sigmoid: every class whose probability is above a threshold.
    MultiLabel,
    /// Identity: raw output values.
    Regression,
}

/// A model2vec pipeline (`model2vec.inference.StaticModelPipeline`): a model whose vectors go
/// through an MLP head (`m2v_classifier`), freed on drop. `Send + Sync`: m2v.h makes it immutable
/// after load, any number of threads may predict with it at once, and only free must not race.
pub struct Classifier {
    raw: NonNull<sys::m2v_classifier>,
    /// The classifier's encoder, borrowed from it: never freed by this wrapper (ManuallyDrop),
    /// and only handed out as `&Model` tied to `&self`.
    model: ManuallyDrop<Model>,
}

// SAFETY: m2v.h, "Classifiers": immutable after load; only m2v_classifier_free must not race.
unsafe impl Send for Classifier {}
unsafe impl Sync for Classifier {}

impl Classifier {
    /// Loads a pipeline folder (the model files, head.safetensors, config.json's head_config),
    /// or a hub id found in the local cache as [`Model::load`].
    ///
    /// Errors: [`Status::NotFound`] (no folder, no head.safetensors), [`Status::Unsupported`]
    /// (a legacy pipeline.skops folder), [`Status::Format`], [`Status::Io`],
    /// [`Status::OutOfMemory`].
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier> {
        Classifier::load_raw(path.as_ref(), None)
    }

    /// [`Classifier::load`] with the options of [`Model::load_with`].
    pub fn load_with(path: impl AsRef<Path>, params: &LoadParams) -> Result<Classifier> {
        Classifier::load_raw(path.as_ref(), Some(params.to_raw()?))
    }

    fn load_raw(path: &Path, params: Option<sys::m2v_load_params>) -> Result<Classifier> {
        let c = path_cstring(path)?;
        let mut out = ptr::null_mut();
        let p = params.as_ref().map_or(ptr::null(), |p| p as *const _);
        // SAFETY: as Model::load_raw.
        check(unsafe { sys::m2v_classifier_load(c.as_ptr(), p, &mut out) })?;
        let raw = NonNull::new(out)
            .ok_or_else(|| Error::new(Status::Internal, "m2v_classifier_load returned M2V_OK and NULL"))?;
        // SAFETY: valid handle; the model is valid while the classifier lives.
        let model = NonNull::new(unsafe { sys::m2v_classifier_model(raw.as_ptr()) }.cast_mut());
        match model {
            Some(m) => Ok(Classifier { raw, model: ManuallyDrop::new(Model { raw: m }) }),
            None => {
                // SAFETY: owned, freed once.
                unsafe { sys::m2v_classifier_free(raw.as_ptr()) };
                Err(Error::new(Status::Internal, "m2v_classifier_model returned NULL"))
            }
        }
    }

    /// The raw handle, for [`sys`] calls. Valid while `self` lives; do not free it.
    pub fn as_ptr(&self) -> *const sys::m2v_classifier {
        self.raw.as_ptr()
    }

    /// The classifier's encoder, borrowed: every [`Model`] method works on it
    /// ([`Model::encode`] gives the vectors the head reads).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The task, from the head's activation.
    pub fn task(&self) -> Task {
        // SAFETY: valid handle.
        match unsafe { sys::m2v_classifier_task(self.as_ptr()) } {
            sys::M2V_TASK_SINGLE_LABEL => Task::SingleLabel,
            sys::M2V_TASK_MULTI_LABEL => Task::MultiLabel,
            _ => Task::Regression,
        }
    }

    /// Outputs per text: classes, or regression values.
    pub fn n_outputs(&self) -> usize {
        // SAFETY: valid handle.
        unsafe { sys::m2v_classifier_n_outputs(self.as_ptr()) }
    }

    /// Linear layers of the head.
    pub fn n_layers(&self) -> usize {
        // SAFETY: valid handle.
        unsafe { sys::m2v_classifier_n_layers(self.as_ptr()) }
    }

    /// Classes in config.json's head_config (usually 0 for regression heads).
    pub fn n_classes(&self) -> usize {
        // SAFETY: valid handle.
        unsafe { sys::m2v_classifier_n_classes(self.as_ptr()) }
    }

    /// The name of class `index` (integer labels in decimal), borrowed from the classifier;
    /// `None` when out of range.
    pub fn class_name(&self, index: usize) -> Option<&str> {
        let mut len = 0usize;
        // SAFETY: valid handle; the name lives as long as the classifier.
        let p = unsafe { sys::m2v_classifier_class_name(self.as_ptr(), index, &mut len) };
        if p.is_null() {
            return None;
        }
        std::str::from_utf8(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }).ok()
    }

    /// Whether class `index` is an integer label; `None` when out of range.
    pub fn class_is_integer(&self, index: usize) -> Option<bool> {
        // SAFETY: valid handle.
        match unsafe { sys::m2v_classifier_class_is_integer(self.as_ptr(), index) } {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        }
    }

    /// The predicted labels as class indices ([`class_name`](Self::class_name) names them):
    /// single-label, one index per text (`threshold` ignored); multi-label, `n_outputs()` 0/1
    /// flags per text, 1 when the class's probability is strictly above `threshold` (model2vec's
    /// default is 0.5). Texts are encoded with the model's defaults.
    ///
    /// Errors: those of [`Model::encode`]; [`Status::InvalidArgument`] for a regression head
    /// (use [`predict_proba`](Self::predict_proba)) or a NaN threshold.
    pub fn predict<S: AsRef<str>>(&self, texts: &[S], threshold: f32) -> Result<Vec<i32>> {
        let t = Texts::from_strs(texts);
        let per_text = if self.task() == Task::MultiLabel { self.n_outputs() } else { 1 };
        let mut out = vec![0i32; product(t.len(), per_text)?];
        // SAFETY: as Model::encode_into_raw, out valid for out.len() entries.
        check(unsafe {
            sys::m2v_classifier_predict(
                self.as_ptr(),
                t.ptrs.as_ptr(),
                t.lens.as_ptr(),
                t.len(),
                ptr::null(),
                threshold,
                out.as_mut_ptr(),
                out.len(),
            )
        })?;
        Ok(out)
    }

    /// The head's outputs, one row of [`n_outputs`](Self::n_outputs) floats per text: softmax
    /// probabilities (single-label), sigmoid probabilities (multi-label) or the raw values
    /// (regression), as model2vec's `predict_proba`. Errors: those of [`Model::encode`].
    pub fn predict_proba<S: AsRef<str>>(&self, texts: &[S]) -> Result<Embeddings> {
        let t = Texts::from_strs(texts);
        let dim = self.n_outputs();
        let mut data = vec![0f32; product(t.len(), dim)?];
        // SAFETY: as Model::encode_into_raw.
        check(unsafe {
            sys::m2v_classifier_predict_proba(
                self.as_ptr(),
                t.ptrs.as_ptr(),
                t.lens.as_ptr(),
                t.len(),
                ptr::null(),
                data.as_mut_ptr(),
                data.len(),
            )
        })?;
        Ok(Embeddings { data, rows: t.len(), dim })
    }
}

impl Drop for Classifier {
    fn drop(&mut self) {
        // SAFETY: owned handle, freed once; `model` is borrowed from it and not freed.
        unsafe { sys::m2v_classifier_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier").field("task", &self.task()).field("n_outputs", &self.n_outputs()).finish()
    }
}
