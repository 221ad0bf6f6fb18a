//! Raw declarations of `m2v.h` 0.6, written by hand (no bindgen): every type, constant and
//! function of the header, in its order, with the same names.
//!
//! The header is the documentation of these items (ownership, thread-safety, errors); the doc
//! comments here only summarize it. Everything here is `unsafe` to call: use the safe wrappers
//! of the crate root unless you need something they do not cover (distillation, training,
//! quantization, model creation).
//!
//! Mapping: `size_t` → `usize`, `int32_t` → `i32`, `int` → [`c_int`], `unsigned` → [`c_uint`],
//! C enums → a `c_int` type alias plus one constant per enumerator (a Rust `enum` would be
//! undefined behaviour for a value the library adds later), opaque handles → zero-sized
//! `#[repr(C)]` structs that are neither `Send`, `Sync` nor `Unpin`, nullable function pointers
//! → `Option<unsafe extern "C" fn ...>`. `tests/layout.rs` checks every struct's size and every
//! field's offset against the C compiler's view of the installed header, and that every
//! function of the header is declared here.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}

// ---- Version -------------------------------------------------------------------------------

/// `M2V_VERSION_MAJOR` of the header these declarations mirror.
pub const M2V_VERSION_MAJOR: c_uint = 0;
/// `M2V_VERSION_MINOR` of the header these declarations mirror.
pub const M2V_VERSION_MINOR: c_uint = 6;
/// `M2V_VERSION_PATCH` of the header these declarations mirror.
pub const M2V_VERSION_PATCH: c_uint = 0;
/// `M2V_VERSION_STRING` of the header these declarations mirror.
pub const M2V_VERSION_STRING: &str = "0.6.0";
/// `M2V_VERSION_NUMBER`: MAJOR*10000 + MINOR*100 + PATCH.
pub const M2V_VERSION_NUMBER: c_uint = M2V_VERSION_MAJOR * 10000 + M2V_VERSION_MINOR * 100 + M2V_VERSION_PATCH;

// ---- Errors --------------------------------------------------------------------------------

/// `m2v_status`: 0 on success, a positive code on failure. Values are ABI and never renumbered.
pub type m2v_status = c_int;
/// Success.
pub const M2V_OK: m2v_status = 0;
/// NULL pointer, zero size where one is needed, bad option.
pub const M2V_ERR_INVALID_ARGUMENT: m2v_status = 1;
/// A file or folder does not exist.
pub const M2V_ERR_NOT_FOUND: m2v_status = 2;
/// A file exists but cannot be read, mapped or written.
pub const M2V_ERR_IO: m2v_status = 3;
/// Malformed, corrupt or inconsistent file.
pub const M2V_ERR_FORMAT: m2v_status = 4;
/// Valid input using a feature m2v does not implement.
pub const M2V_ERR_UNSUPPORTED: m2v_status = 5;
/// Caller buffer too small.
pub const M2V_ERR_BUFFER_TOO_SMALL: m2v_status = 6;
/// An allocation failed or a size would overflow.
pub const M2V_ERR_OUT_OF_MEMORY: m2v_status = 7;
/// A text is not valid UTF-8.
pub const M2V_ERR_INVALID_UTF8: m2v_status = 8;
/// A progress callback asked to stop.
pub const M2V_ERR_CANCELLED: m2v_status = 9;
/// A bug in m2v.
pub const M2V_ERR_INTERNAL: m2v_status = 10;

// ---- Models --------------------------------------------------------------------------------

opaque!(
    /// `m2v_model`: a loaded model, immutable; shareable across threads (not `*_free`).
    m2v_model
);

/// `m2v_load_params`: options of `m2v_model_load`; get one from `m2v_load_default_params`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_load_params {
    /// `sizeof(m2v_load_params)`.
    pub struct_size: usize,
    /// -1 = config.json's setting (default), 0 = off, 1 = on.
    pub normalize: i32,
    /// 0, ignored.
    pub reserved0: i32,
    /// since 0.2: -1 = config.json's (default), 0 = none, > 0 tokens.
    pub max_length: i32,
    /// 0, ignored.
    pub reserved1: i32,
    /// since 0.3: 1 = map model.safetensors (default; see the header's hazard), 0 = read it.
    pub mmap: i32,
    /// 0, ignored.
    pub reserved2: i32,
}

/// `m2v_dtype`: element type of a tensor.
pub type m2v_dtype = c_int;
/// float32.
pub const M2V_DTYPE_F32: m2v_dtype = 0;
/// float16.
pub const M2V_DTYPE_F16: m2v_dtype = 1;
/// float64.
pub const M2V_DTYPE_F64: m2v_dtype = 2;
/// int8.
pub const M2V_DTYPE_I8: m2v_dtype = 3;
/// bfloat16.
pub const M2V_DTYPE_BF16: m2v_dtype = 4;
/// uint8.
pub const M2V_DTYPE_U8: m2v_dtype = 5;
/// int16.
pub const M2V_DTYPE_I16: m2v_dtype = 6;
/// int32.
pub const M2V_DTYPE_I32: m2v_dtype = 7;
/// int64.
pub const M2V_DTYPE_I64: m2v_dtype = 8;
/// bool.
pub const M2V_DTYPE_BOOL: m2v_dtype = 9;

/// `m2v_tensor`: a dense little-endian row-major tensor (input: copied; output: borrowed).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_tensor {
    /// Element data, need not be aligned.
    pub data: *const c_void,
    /// An `m2v_dtype`.
    pub dtype: i32,
    /// 1 or 2.
    pub ndim: i32,
    /// Elements per dimension; `shape[1]` is 0 when `ndim` is 1.
    pub shape: [usize; 2],
    /// Bytes at `data`.
    pub nbytes: usize,
}

/// `m2v_model_spec`: what `m2v_model_create` builds a model from (every buffer is copied).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_model_spec {
    /// `sizeof(m2v_model_spec)`.
    pub struct_size: usize,
    /// Required 2-D table, rows x dim.
    pub embeddings: m2v_tensor,
    /// Optional 1-D per-token weights.
    pub weights: *const m2v_tensor,
    /// Optional 1-D token id → row mapping.
    pub mapping: *const m2v_tensor,
    /// Required tokenizer.json bytes (not NUL-terminated).
    pub tokenizer_json: *const c_char,
    /// Bytes at `tokenizer_json`.
    pub tokenizer_json_len: usize,
    /// Optional config JSON object; NULL = {}.
    pub config_json: *const c_char,
    /// Bytes at `config_json`.
    pub config_json_len: usize,
    /// -1 = config's "normalize", else false (default); 0 / 1.
    pub normalize: i32,
    /// -1 = config's "max_length", else 512 (default); 0 = none; > 0 tokens.
    pub max_length: i32,
    /// Optional metadata JSON; NULL = none.
    pub metadata_json: *const c_char,
    /// Bytes at `metadata_json`.
    pub metadata_json_len: usize,
}

/// `m2v_quantize_params`: options of `m2v_model_quantize`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_quantize_params {
    /// `sizeof(m2v_quantize_params)`.
    pub struct_size: usize,
    /// -1 = keep the dtype (default), else an `m2v_quantize`.
    pub quantize_to: i32,
    /// 0 = keep (default); > 0 keep the first this many columns.
    pub dimensionality: i32,
    /// 0 = none (default); > 0 k-means clusters.
    pub vocabulary_quantization: i32,
}

/// `m2v_progress_fn`: `(done, total, user_data)`; non-zero cancels the call.
pub type m2v_progress_fn = Option<unsafe extern "C" fn(done: usize, total: usize, user_data: *mut c_void) -> c_int>;

/// `m2v_encode_params`: options of `m2v_encode` and friends.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_encode_params {
    /// `sizeof(m2v_encode_params)`.
    pub struct_size: usize,
    /// > 0 tokens, 0 = no limit, < 0 = the call's default (-1).
    pub max_length: i32,
    /// -1 = the model's setting (default), 0 = off, 1 = L2-normalize.
    pub normalize: i32,
    /// 0 = all CPUs (default), 1 = the calling thread only.
    pub n_threads: i32,
    /// Texts per batch between progress calls; 0 = 1024 (default).
    pub batch_size: usize,
    /// Optional progress callback (m2v_encode only).
    pub progress: m2v_progress_fn,
    /// Passed to `progress`.
    pub progress_user_data: *mut c_void,
    /// since 0.2: 1 = model2vec's character cut (default), 0 = token truncation only.
    pub character_cut: i32,
    /// 0, ignored.
    pub reserved0: i32,
    /// since 0.3: an `m2v_invalid_text`.
    pub invalid_text: i32,
    /// 0, ignored.
    pub reserved1: i32,
    /// since 0.3: optional, n_texts per-text statuses written by the call.
    pub text_status: *mut i32,
}

/// `m2v_invalid_text`: what a text that cannot be tokenized does to the call.
pub type m2v_invalid_text = c_int;
/// The call fails with the first bad text's status (default).
pub const M2V_INVALID_TEXT_ERROR: m2v_invalid_text = 0;
/// Invalid UTF-8 subsequences become U+FFFD.
pub const M2V_INVALID_TEXT_REPLACE: m2v_invalid_text = 1;
/// A bad text gets no tokens (a zero vector); the call succeeds.
pub const M2V_INVALID_TEXT_SKIP: m2v_invalid_text = 2;

/// `m2v_sequence`: ragged token vectors, library-allocated; free with `m2v_sequence_free`.
#[repr(C)]
#[derive(Debug)]
pub struct m2v_sequence {
    /// Number of texts.
    pub n_texts: usize,
    /// Floats per vector.
    pub dim: usize,
    /// n_texts + 1 entries, `offsets[0] == 0`.
    pub offsets: *const usize,
    /// `offsets[n_texts] * dim` floats.
    pub vectors: *const f32,
}

/// `m2v_ids`: ragged token ids, library-allocated; free with `m2v_ids_free`.
#[repr(C)]
#[derive(Debug)]
pub struct m2v_ids {
    /// Number of texts.
    pub n_texts: usize,
    /// n_texts + 1 entries, `offsets[0] == 0`.
    pub offsets: *const usize,
    /// `offsets[n_texts]` ids.
    pub ids: *const i32,
}

/// `m2v_save_params`: options of `m2v_model_save_v2` (strings read during the call only).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_save_params {
    /// `sizeof(m2v_save_params)`.
    pub struct_size: usize,
    /// JSON object written as config.json; NULL = `m2v_model_config_json()`.
    pub config_json: *const c_char,
    /// Bytes at `config_json`.
    pub config_json_len: usize,
    /// The model card's name (NUL-terminated); NULL = the folder's name.
    pub model_name: *const c_char,
    /// Write into path/subfolder (NUL-terminated); NULL = path itself.
    pub subfolder: *const c_char,
    /// Metadata JSON; NULL = the model's.
    pub metadata_json: *const c_char,
    /// Bytes at `metadata_json`.
    pub metadata_json_len: usize,
}

// ---- Tokenizers ----------------------------------------------------------------------------

opaque!(
    /// `m2v_tokenizer`: a loaded tokenizer.json, immutable; shareable across threads.
    m2v_tokenizer
);

/// `m2v_tokenizer_encode_params`: options of `m2v_tokenizer_encode_v2` (-1 = as the file says).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_tokenizer_encode_params {
    /// `sizeof(m2v_tokenizer_encode_params)`.
    pub struct_size: usize,
    /// 1 = apply the post-processor (default), 0 = not.
    pub add_special_tokens: i32,
    /// -1 = the file's (default); 0 = none; > 0 = at most this many ids.
    pub truncation: i32,
    /// -1 = the file's; 0 = keep the first ids; 1 = keep the last.
    pub truncation_direction: i32,
    /// -1 = the file's (default); 0 = none; 1 = pad as below.
    pub padding: i32,
    /// 0 = to the batch's longest (default), > 0 = this length.
    pub pad_length: i32,
    /// The id added (default 0).
    pub pad_id: i32,
    /// Round the length up to a multiple; 0 = no.
    pub pad_to_multiple_of: i32,
    /// 0 = append (default), 1 = prepend.
    pub pad_direction: i32,
}

// ---- Distillation --------------------------------------------------------------------------

/// `m2v_quantize`: table dtype of a distilled or quantized model.
pub type m2v_quantize = c_int;
/// float16 (distill's default).
pub const M2V_QUANTIZE_FLOAT16: m2v_quantize = 0;
/// float32.
pub const M2V_QUANTIZE_FLOAT32: m2v_quantize = 1;
/// float64.
pub const M2V_QUANTIZE_FLOAT64: m2v_quantize = 2;
/// int8 with one global scale.
pub const M2V_QUANTIZE_INT8: m2v_quantize = 3;

/// `m2v_pooling`: how a teacher's hidden states become one vector.
pub type m2v_pooling = c_int;
/// Mean over all positions (default).
pub const M2V_POOLING_MEAN: m2v_pooling = 0;
/// The first position.
pub const M2V_POOLING_FIRST: m2v_pooling = 1;
/// The last position.
pub const M2V_POOLING_LAST: m2v_pooling = 2;
/// The teacher's pooler output.
pub const M2V_POOLING_POOLER: m2v_pooling = 3;

/// `m2v_distill_params`: options of `m2v_distill` (model2vec 0.10's distill() defaults).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_distill_params {
    /// `sizeof(m2v_distill_params)`.
    pub struct_size: usize,
    /// > 0 PCA dimensions (default 256), 0 = no PCA, -1 = PCA without reduction.
    pub pca_dims: i32,
    /// In (0, 1): PCA by explained variance; 0 = off.
    pub explained_variance: f64,
    /// SIF coefficient (default 1e-4); 0 = no weighting.
    pub sif_coefficient: f64,
    /// An `m2v_quantize`.
    pub quantize_to: i32,
    /// An `m2v_pooling`.
    pub pooling: i32,
    /// 0 = all cores (default).
    pub n_threads: i32,
    /// 1 = drop `[unusedN]` tokens.
    pub remove_unused_tokens: i32,
    /// NUL-terminated base model name; NULL = as model2vec.
    pub base_model_name: *const c_char,
    /// Optional progress callback (vocabulary tokens).
    pub progress: m2v_progress_fn,
    /// Passed to `progress`.
    pub progress_user_data: *mut c_void,
    /// Optional custom words (`vocabulary_lengths[i]` bytes each).
    pub vocabulary: *const *const c_char,
    /// Byte length of each word.
    pub vocabulary_lengths: *const usize,
    /// Number of words.
    pub n_vocabulary: usize,
    /// > 0: k-means clusters; 0 = off.
    pub vocabulary_quantization: i32,
    /// NUL-terminated Python `re` pattern of tokens to remove; NULL = `remove_unused_tokens`.
    pub token_remove_pattern: *const c_char,
}

// ---- Classifiers ---------------------------------------------------------------------------

opaque!(
    /// `m2v_classifier`: a model plus an MLP head, immutable; shareable across threads.
    m2v_classifier
);

/// `m2v_task`: what a classifier predicts.
pub type m2v_task = c_int;
/// Softmax: one class per text.
pub const M2V_TASK_SINGLE_LABEL: m2v_task = 0;
/// Sigmoid: every class above a threshold.
pub const M2V_TASK_MULTI_LABEL: m2v_task = 1;
/// Identity: raw output values.
pub const M2V_TASK_REGRESSION: m2v_task = 2;

/// `m2v_train_progress`: where a training is.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_train_progress {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimizer steps done.
    pub step: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// The last step's loss.
    pub train_loss: f64,
    /// NaN unless this call follows a validation.
    pub val_loss: f64,
    /// The validation's metric; NaN otherwise.
    pub val_metric: f64,
}

/// `m2v_train_progress_fn`: non-zero cancels the training.
pub type m2v_train_progress_fn =
    Option<unsafe extern "C" fn(progress: *const m2v_train_progress, user_data: *mut c_void) -> c_int>;

/// `m2v_train_params`: options of `m2v_classifier_train` (model2vec 0.10's fit() defaults).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_train_params {
    /// `sizeof(m2v_train_params)`.
    pub struct_size: usize,
    /// Hidden layers of the head (1).
    pub n_layers: i32,
    /// Hidden units (512).
    pub hidden_dim: i32,
    /// Adam's learning rate (1e-3).
    pub learning_rate: f32,
    /// Texts per step; 0 = automatic.
    pub batch_size: i32,
    /// -1 = none.
    pub min_epochs: i32,
    /// -1 = until early stopping.
    pub max_epochs: i32,
    /// Validations without improvement (5); -1 = never stop early.
    pub early_stopping_patience: i32,
    /// 0 = model2vec's choice.
    pub validation_steps: i32,
    /// Validation split: a fraction in (0, 1), or >= 1 a count.
    pub test_size: f64,
    /// Seed (42).
    pub seed: u64,
    /// 1 = keep the table fixed.
    pub freeze: i32,
    /// 1 = L2-normalize pooled vectors.
    pub normalize: i32,
    /// -1 / 0 / 1, see the header.
    pub freeze_weights: i32,
    /// -1 the base model's, 0 none, > 0 tokens.
    pub max_length: i32,
    /// Fraction of training tokens dropped per step.
    pub token_dropout: f32,
    /// Focal loss gamma (0 = cross-entropy).
    pub focal_gamma: f32,
    /// NULL, or one weight per class.
    pub class_weight: *const f32,
    /// 0 = all cores.
    pub n_threads: i32,
    /// 1 = lazy (sparse) Adam (default), 0 = dense.
    pub lazy_embeddings: i32,
    /// Optional progress callback.
    pub progress: m2v_train_progress_fn,
    /// Passed to `progress`.
    pub progress_user_data: *mut c_void,
}

/// `m2v_train_targets`: what is learned, one entry per text.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_train_targets {
    /// An `m2v_task`.
    pub task: i32,
    /// 0.
    pub reserved0: i32,
    /// Classes, or regression values per text.
    pub n_outputs: usize,
    /// n_outputs NUL-terminated class names, or NULL.
    pub class_names: *const *const c_char,
    /// Or n_outputs integer labels.
    pub class_ids: *const i64,
    /// Single-label: one index per text; multi-label: n_texts x n_outputs flags.
    pub labels: *const i32,
    /// Regression: n_texts x n_outputs values.
    pub values: *const f32,
}

/// `m2v_train_set`: texts and their targets.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct m2v_train_set {
    /// n_texts UTF-8 texts.
    pub texts: *const *const c_char,
    /// Their byte lengths.
    pub lengths: *const usize,
    /// Number of texts.
    pub n_texts: usize,
    /// Their targets.
    pub targets: m2v_train_targets,
}

/// `m2v_train_result`: how a training went.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct m2v_train_result {
    /// Epochs run.
    pub epochs: usize,
    /// Optimizer steps run.
    pub steps: usize,
    /// Of the checkpoint returned.
    pub best_val_metric: f64,
}

extern "C" {
    // Version
    /// MAJOR*10000 + MINOR*100 + PATCH of the library.
    pub fn m2v_version_number() -> c_uint;
    /// Static NUL-terminated version string; do not free.
    pub fn m2v_version_string() -> *const c_char;
    /// Same as `m2v_version_string`.
    pub fn m2v_version() -> *const c_char;

    // Errors
    /// Static name of a status code ("M2V_ERR_UNKNOWN" for unknown codes).
    pub fn m2v_status_name(status: c_int) -> *const c_char;
    /// The calling thread's last error message; valid until its next m2v call.
    pub fn m2v_last_error() -> *const c_char;

    // Models
    /// model2vec's DEFAULT_MAX_LENGTH (512).
    pub fn m2v_default_max_length() -> i32;
    /// Defaults for `m2v_model_load`.
    pub fn m2v_load_default_params() -> m2v_load_params;
    /// Load a model folder (or a cached hub id); free with `m2v_model_free`.
    pub fn m2v_model_load(path: *const c_char, params: *const m2v_load_params, out: *mut *mut m2v_model) -> m2v_status;
    /// Release a model; NULL is a no-op. Must not race with other uses.
    pub fn m2v_model_free(model: *mut m2v_model);
    /// Floats per vector; 0 for NULL.
    pub fn m2v_model_dim(model: *const m2v_model) -> usize;
    /// One more than the largest token id; 0 for NULL.
    pub fn m2v_model_vocab_size(model: *const m2v_model) -> usize;
    /// Whether encode normalizes by default (1/0), -1 for NULL.
    pub fn m2v_model_normalize(model: *const m2v_model) -> c_int;
    /// Token string of `id` (not NUL-terminated), owned by the model; NULL when out of range.
    pub fn m2v_model_token(model: *const m2v_model, id: i32, out_len_bytes: *mut usize) -> *const c_char;
    /// Encode's default truncation in tokens, 0 = none; -1 for NULL.
    pub fn m2v_model_max_length(model: *const m2v_model) -> i64;
    /// model2vec's median_token_length; 0 for NULL.
    pub fn m2v_model_median_token_length(model: *const m2v_model) -> usize;
    /// The unknown token's id, -1 when none.
    pub fn m2v_model_unk_token_id(model: *const m2v_model) -> i32;
    /// A tensor of the model ("embeddings", "weights", "mapping"), borrowed.
    pub fn m2v_model_tensor(model: *const m2v_model, name: *const c_char, out: *mut m2v_tensor) -> m2v_status;
    /// The model's config as compact JSON, owned by the model.
    pub fn m2v_model_config_json(model: *const m2v_model, out_len_bytes: *mut usize) -> *const c_char;
    /// The model card's metadata as compact JSON, owned by the model.
    pub fn m2v_model_metadata_json(model: *const m2v_model, out_len_bytes: *mut usize) -> *const c_char;
    /// The tokenizer.json bytes, two-call pattern.
    pub fn m2v_model_tokenizer_json(
        model: *const m2v_model,
        buf: *mut c_char,
        capacity_bytes: usize,
        out_len_bytes: *mut usize,
    ) -> m2v_status;
    /// An empty spec with struct_size set.
    pub fn m2v_model_spec_default() -> m2v_model_spec;
    /// Build a model from caller memory (copied).
    pub fn m2v_model_create(spec: *const m2v_model_spec, out: *mut *mut m2v_model) -> m2v_status;
    /// Defaults for `m2v_model_quantize`.
    pub fn m2v_quantize_default_params() -> m2v_quantize_params;
    /// A new quantized and/or reduced model.
    pub fn m2v_model_quantize(
        model: *const m2v_model,
        params: *const m2v_quantize_params,
        out: *mut *mut m2v_model,
    ) -> m2v_status;
    /// The most code points of one text tokenized as a whole.
    pub fn m2v_max_text_code_points() -> usize;
    /// Defaults for `m2v_encode` and friends.
    pub fn m2v_encode_default_params() -> m2v_encode_params;
    /// One float32 vector per text, row-major into `out`.
    pub fn m2v_encode(
        model: *const m2v_model,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        out: *mut f32,
        out_capacity_floats: usize,
    ) -> m2v_status;
    /// Pool precomputed token ids (the second half of `m2v_encode`).
    pub fn m2v_encode_ids(
        model: *const m2v_model,
        ids: *const i32,
        offsets: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        out: *mut f32,
        out_capacity_floats: usize,
    ) -> m2v_status;
    /// One vector per token, library-allocated.
    pub fn m2v_encode_as_sequence(
        model: *const m2v_model,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        out: *mut *mut m2v_sequence,
    ) -> m2v_status;
    /// Release a sequence; NULL is a no-op.
    pub fn m2v_sequence_free(sequence: *mut m2v_sequence);
    /// Release an id array; NULL is a no-op.
    pub fn m2v_ids_free(ids: *mut m2v_ids);
    /// The token ids `m2v_encode` uses, library-allocated.
    pub fn m2v_tokenize(
        model: *const m2v_model,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        out: *mut *mut m2v_ids,
    ) -> m2v_status;
    /// Write the model folder (atomic, durable).
    pub fn m2v_model_save(model: *const m2v_model, path: *const c_char) -> m2v_status;
    /// Defaults for `m2v_model_save_v2`.
    pub fn m2v_save_default_params() -> m2v_save_params;
    /// `m2v_model_save` with options.
    pub fn m2v_model_save_v2(
        model: *const m2v_model,
        path: *const c_char,
        params: *const m2v_save_params,
    ) -> m2v_status;

    // Tokenizers
    /// Load a tokenizer.json file; free with `m2v_tokenizer_free`.
    pub fn m2v_tokenizer_load(path: *const c_char, out: *mut *mut m2v_tokenizer) -> m2v_status;
    /// Oniguruma's version, or NULL when it cannot be loaded.
    pub fn m2v_regex_engine_version() -> *const c_char;
    /// Load a tokenizer from JSON bytes in memory.
    pub fn m2v_tokenizer_load_from_memory(
        json: *const c_char,
        json_len_bytes: usize,
        out: *mut *mut m2v_tokenizer,
    ) -> m2v_status;
    /// Release a tokenizer; NULL is a no-op.
    pub fn m2v_tokenizer_free(tokenizer: *mut m2v_tokenizer);
    /// One more than the largest token id; 0 for NULL.
    pub fn m2v_tokenizer_vocab_size(tokenizer: *const m2v_tokenizer) -> usize;
    /// Since 0.6: the string of token `id` into `out` (two-call pattern via `out_size`).
    pub fn m2v_tokenizer_token(
        tokenizer: *const m2v_tokenizer,
        id: i32,
        out: *mut c_char,
        out_capacity: usize,
        out_size: *mut usize,
    ) -> m2v_status;
    /// HF `encode_batch(texts, add_special_tokens)`.
    pub fn m2v_tokenizer_encode(
        tokenizer: *const m2v_tokenizer,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        add_special_tokens: c_int,
        out: *mut *mut m2v_ids,
    ) -> m2v_status;
    /// Defaults for `m2v_tokenizer_encode_v2`.
    pub fn m2v_tokenizer_encode_default_params() -> m2v_tokenizer_encode_params;
    /// HF `encode_batch` with per-call truncation and padding.
    pub fn m2v_tokenizer_encode_v2(
        tokenizer: *const m2v_tokenizer,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_tokenizer_encode_params,
        out: *mut *mut m2v_ids,
    ) -> m2v_status;

    // Distillation
    /// Defaults for `m2v_distill`.
    pub fn m2v_distill_default_params() -> m2v_distill_params;
    /// Distill a transformer folder into a model folder.
    pub fn m2v_distill(
        teacher_path: *const c_char,
        params: *const m2v_distill_params,
        out_path: *const c_char,
    ) -> m2v_status;

    // Hub cache
    /// Resolve a path or cached hub id to a local folder.
    pub fn m2v_hub_resolve(
        path_or_id: *const c_char,
        out: *mut c_char,
        out_capacity: usize,
        out_size: *mut usize,
    ) -> m2v_status;

    // Classifiers
    /// Load a pipeline folder; free with `m2v_classifier_free`.
    pub fn m2v_classifier_load(
        path: *const c_char,
        params: *const m2v_load_params,
        out: *mut *mut m2v_classifier,
    ) -> m2v_status;
    /// Release a classifier; NULL is a no-op.
    pub fn m2v_classifier_free(classifier: *mut m2v_classifier);
    /// The classifier's encoder, borrowed (valid while the classifier lives).
    pub fn m2v_classifier_model(classifier: *const m2v_classifier) -> *const m2v_model;
    /// An `m2v_task`, -1 for NULL.
    pub fn m2v_classifier_task(classifier: *const m2v_classifier) -> c_int;
    /// Outputs per text.
    pub fn m2v_classifier_n_outputs(classifier: *const m2v_classifier) -> usize;
    /// Linear layers of the head.
    pub fn m2v_classifier_n_layers(classifier: *const m2v_classifier) -> usize;
    /// Classes in head_config.
    pub fn m2v_classifier_n_classes(classifier: *const m2v_classifier) -> usize;
    /// Name of class `index`, NUL-terminated, owned by the classifier; NULL out of range.
    pub fn m2v_classifier_class_name(
        classifier: *const m2v_classifier,
        index: usize,
        out_len_bytes: *mut usize,
    ) -> *const c_char;
    /// 1 integer label, 0 string, -1 out of range.
    pub fn m2v_classifier_class_is_integer(classifier: *const m2v_classifier, index: usize) -> c_int;
    /// Head outputs (probabilities or values), n_texts x n_outputs.
    pub fn m2v_classifier_predict_proba(
        classifier: *const m2v_classifier,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        out: *mut f32,
        out_capacity_floats: usize,
    ) -> m2v_status;
    /// Predicted class indices (single-label) or 0/1 flags (multi-label).
    pub fn m2v_classifier_predict(
        classifier: *const m2v_classifier,
        texts: *const *const c_char,
        lengths: *const usize,
        n_texts: usize,
        params: *const m2v_encode_params,
        threshold: f32,
        out: *mut i32,
        out_capacity: usize,
    ) -> m2v_status;
    /// The head alone on given vectors.
    pub fn m2v_classifier_forward(
        classifier: *const m2v_classifier,
        vectors: *const f32,
        n_vectors: usize,
        activate: c_int,
        out: *mut f32,
        out_capacity_floats: usize,
    ) -> m2v_status;
    /// Write the pipeline folder.
    pub fn m2v_classifier_save(
        classifier: *const m2v_classifier,
        path: *const c_char,
        params: *const m2v_save_params,
    ) -> m2v_status;
    /// model2vec's fit() defaults.
    pub fn m2v_train_default_params() -> m2v_train_params;
    /// Fine-tune `base` into a new classifier.
    pub fn m2v_classifier_train(
        base: *const m2v_model,
        train: *const m2v_train_set,
        validation: *const m2v_train_set,
        params: *const m2v_train_params,
        out: *mut *mut m2v_classifier,
        result: *mut m2v_train_result,
    ) -> m2v_status;
}
