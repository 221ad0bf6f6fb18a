/*
 * m2v.h — the C API of m2v, Model2Vec static embeddings as a shared library (libm2v.so).
 *
 * This header is the documentation of the API: anything not declared here is not API.
 *
 * API levels
 *   1. Errors and version   m2v_status, m2v_status_name(), m2v_last_error(), m2v_version_*().
 *   2. Models               m2v_model_load() a model2vec folder (config.json, model.safetensors,
 *                           tokenizer.json), m2v_model_free(), m2v_model_dim(), ...
 *   3. Encoding             m2v_encode() (one float32 vector per text, into your buffer),
 *                           m2v_encode_as_sequence() (one vector per token, library-allocated),
 *                           m2v_tokenize() (the token ids encode uses, library-allocated).
 *   4. Saving               m2v_model_save() writes a folder that model2vec loads.
 *   5. Tokenizers           m2v_tokenizer_load() any supported tokenizer.json,
 *                           m2v_tokenizer_encode() -> the ids HuggingFace `tokenizers` gives.
 *   6. Distillation         m2v_distill() turns a sentence-transformer (BERT, RoBERTa, XLM-R,
 *                           DistilBERT, MPNet, ModernBERT, or a Qwen3/Qwen2/Llama/Mistral
 *                           decoder) into a model folder, as model2vec's distill() does.
 *   7. Hub cache            m2v_hub_resolve() finds a HuggingFace hub id ("org/name") in the
 *                           local HuggingFace cache (m2v_model_load() does this itself).
 *   8. Classifiers          m2v_classifier_load() a model2vec pipeline (a model plus an MLP head,
 *                           model2vec.inference.StaticModelPipeline), m2v_classifier_predict()
 *                           class indices, m2v_classifier_predict_proba() probabilities;
 *                           m2v_classifier_train() fine-tunes one (model2vec.train's fit).
 *
 * Conventions
 *   - Every fallible function returns an m2v_status: M2V_OK (0) on success, a positive code on
 *     failure. On failure a human-readable message is available from m2v_last_error(); it is
 *     thread-local and valid until the next m2v call on the same thread. Out-parameters are left
 *     untouched (or set to NULL / 0) on failure.
 *   - No function aborts, traps or exits the process on bad input: NULL pointers, wrong sizes,
 *     corrupt files and invalid UTF-8 are reported through the status code.
 *   - Text is passed as UTF-8 bytes plus a byte length; it need not be NUL-terminated and may
 *     contain NUL bytes. Invalid UTF-8 is rejected with M2V_ERR_INVALID_UTF8 (the message names
 *     the text and byte offset); nothing is silently replaced unless you ask for it
 *     (m2v_encode_params.invalid_text: replace with U+FFFD, or skip the text and read its
 *     status).
 *   - Handles are opaque. Objects created by m2v_*_load / returned through `**out` are released
 *     with the matching m2v_*_free; every free function accepts NULL (no-op). Freeing a handle
 *     twice, or using it after free, is undefined behaviour (as with free(3)).
 *   - Params structs start with `struct_size`; get one from m2v_*_default_params(), change the
 *     fields you need, pass a pointer. Passing NULL means "defaults". New fields are only ever
 *     appended, so code compiled against an older header keeps working. Structs have no
 *     implicit padding (reserved fields fill it, their values are ignored), so an older caller's
 *     padding bytes are never read as a newer field. Tri-state fields take -1 (the model's or
 *     the file's setting), 0 or 1; any other value is M2V_ERR_INVALID_ARGUMENT naming the field.
 *   - Progress callbacks (encode and distill alike) run on the calling thread between batches
 *     with (done, total); returning non-zero cancels the call with M2V_ERR_CANCELLED.
 *   - Sizes read from files and arguments are checked before anything is allocated for them
 *     (docs/SAFETY.md lists every limit); failures are M2V_ERR_FORMAT / M2V_ERR_INVALID_ARGUMENT
 *     / M2V_ERR_OUT_OF_MEMORY with the number in the message.
 *
 * Thread-safety
 *   A loaded m2v_model and m2v_tokenizer are immutable: any number of threads may call encode,
 *   tokenize and the query functions on the same handle at once. Only *_free must not race with
 *   other uses of the same handle. m2v_last_error() is per thread.
 *
 * Threads the library starts (since 0.4)
 *   - One worker pool per process, shared by every model and call, started on the first call
 *     that needs it and never larger than (CPUs in the process's affinity mask) - 1 workers;
 *     the calling thread always works too. Workers park between calls (no CPU use), block all
 *     signals, are named "m2v-worker", and live until the process exits.
 *   - Small work runs on the calling thread alone, with no wake-up and no thread start: a call
 *     uses a second thread only for more than 32 texts and at least 16 KB of text
 *     (m2v_encode, m2v_tokenize, m2v_tokenizer_encode); one query costs ~2 µs.
 *   - n_threads caps one call (1 = the calling thread only; never more than the pool plus the
 *     caller). Calls from many threads at once, and calls made from inside a progress
 *     callback, share the pool without deadlock: each caller can finish its own call alone.
 *   - fork(): the child starts with an empty pool and grows its own on first need, so a forked
 *     worker (multiprocessing, Spark) can encode, also when the parent was encoding on another
 *     thread at the moment of the fork.
 *   - Each thread that encodes keeps a workspace for its next calls: a memo of recent pieces
 *     (at most 2.5 MiB) and tokenizer buffers (dropped after a call on a text of more than
 *     2^18 code points); it is freed when the thread exits.
 *
 * Streaming
 *   Encoding is per text, so consecutive calls on slices of an input give the same bytes as one
 *   call on all of it. To embed a stream (a file of millions of lines) in bounded memory, read
 *   a chunk of texts (e.g. 1,024-16,384), m2v_encode it into a buffer you reuse, write the
 *   vectors out, repeat: memory is one chunk of texts and vectors. bindings/c/stream.c does
 *   this for stdin; m2v_native's StaticModel.encode_iter does it for any Python iterable.
 *
 * Platform: Linux x86_64/aarch64 with glibc >= 2.35. libm2v.so links the Swift runtime
 * statically and needs only libc, libm, libstdc++ and libgcc_s. The distiller loads OpenBLAS
 * and LAPACKE (Debian: libopenblas0, liblapacke) on first use and fails with
 * M2V_ERR_UNSUPPORTED when they are missing; encoding never loads them.
 */
#ifndef M2V_H
#define M2V_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define M2V_API __attribute__((visibility("default")))
#  define M2V_NODISCARD __attribute__((warn_unused_result))
#else
#  define M2V_API
#  define M2V_NODISCARD
#endif

/* ------------------------------------------------------------------------------------------ */
/* Version                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The single source of the version: the library, m2v.pc, the SONAME and m2v_native.__version__
 * are derived from these lines. */
#define M2V_VERSION_MAJOR 0
#define M2V_VERSION_MINOR 6
#define M2V_VERSION_PATCH 0
#define M2V_VERSION_STRING "0.6.0"
#define M2V_VERSION_NUMBER (M2V_VERSION_MAJOR * 10000 + M2V_VERSION_MINOR * 100 + M2V_VERSION_PATCH)

/* The library's version as MAJOR*10000 + MINOR*100 + PATCH. Thread-safe. Compare with
 * M2V_VERSION_NUMBER to detect a header/library mismatch. */
M2V_API unsigned m2v_version_number(void);

/* The library's version as a static NUL-terminated string, e.g. "0.1.0". Never NULL; do not free.
 * Thread-safe. */
M2V_API const char *m2v_version_string(void);

/* Same as m2v_version_string(). */
M2V_API const char *m2v_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Status codes. The values are part of the ABI and are never renumbered. */
typedef enum m2v_status {
    M2V_OK = 0,
    M2V_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, zero size where one is needed, bad option   */
    M2V_ERR_NOT_FOUND = 2,        /* a file or folder does not exist                             */
    M2V_ERR_IO = 3,               /* a file exists but cannot be read, mapped or written         */
    M2V_ERR_FORMAT = 4,           /* malformed/corrupt/inconsistent file (JSON, safetensors...)  */
    M2V_ERR_UNSUPPORTED = 5,      /* valid input using a feature m2v does not implement          */
    M2V_ERR_BUFFER_TOO_SMALL = 6, /* caller buffer too small; the message and out-size say more  */
    M2V_ERR_OUT_OF_MEMORY = 7,    /* an allocation failed or a size would overflow               */
    M2V_ERR_INVALID_UTF8 = 8,     /* a text is not valid UTF-8                                   */
    M2V_ERR_CANCELLED = 9,        /* a progress callback asked to stop                           */
    M2V_ERR_INTERNAL = 10         /* a bug in m2v: please report it with the message             */
} m2v_status;

/* A static, NUL-terminated name for a status code ("M2V_OK", "M2V_ERR_FORMAT", ...; unknown
 * codes give "M2V_ERR_UNKNOWN"). Never NULL; do not free. Thread-safe. */
M2V_API const char *m2v_status_name(int status);

/* The message of the last failed m2v call on the calling thread, or "" if the last call
 * succeeded. Never NULL. The pointer is owned by the library and stays valid until the next m2v
 * call on the same thread; copy it if you need it longer. */
M2V_API const char *m2v_last_error(void);

/* ------------------------------------------------------------------------------------------ */
/* Models                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct m2v_model m2v_model;

typedef struct m2v_load_params {
    size_t struct_size;  /* sizeof(m2v_load_params); set by m2v_load_default_params(). Only
                          * struct_size bytes are read; later fields keep their defaults.       */
    int32_t normalize;   /* -1 = as config.json says (default; false when absent), 0 = off, 1 = on */
    int32_t reserved0;   /* 0. (0.1's struct was 16 bytes with this as padding: later fields start
                          * past it, so an old caller's padding is never read as a field.)       */
    int32_t max_length;  /* since 0.2: encode's default truncation in tokens. -1 = config.json's
                          * "max_length" (null = none), 512 when absent (default); 0 = none;
                          * > 0 = this many tokens. m2v_model_max_length() reports the result.   */
    int32_t reserved1;   /* 0. (0.2's struct was 24 bytes with this as padding.)                 */
    int32_t mmap;        /* since 0.3: 1 = map model.safetensors read-only and use the table in
                          * place (default: no copy, pages shared between processes, loads in
                          * microseconds); 0 = read the file into memory owned by the model, so
                          * that nothing done to the file afterwards can affect the process.
                          * HAZARD of 1 (as SQLite's and LMDB's mmap modes): if the file is
                          * truncated or overwritten in place while the model is loaded (`cp
                          * new.safetensors model.safetensors`, `> file`, an editor saving in
                          * place), the next encode touching the lost pages gets SIGBUS and the
                          * process dies; no library can catch that without installing a signal
                          * handler, which libm2v does not do. Replace model files by rename
                          * (write elsewhere, then mv / rename(2) / install(1): the old inode
                          * stays valid for whoever maps it), never in place; m2v's own writers
                          * always replace by rename. Use 0 where files may change under you.  */
    int32_t reserved2;   /* 0 (keeps the struct free of padding)                                   */
} m2v_load_params;

/* since 0.2: model2vec's DEFAULT_MAX_LENGTH (512): encode's truncation in tokens when
 * config.json has no "max_length". The one place this default is decided is the library; the
 * bindings read it from here. Thread-safe. */
M2V_API int32_t m2v_default_max_length(void);

/* Defaults for m2v_model_load(). Thread-safe. */
M2V_API m2v_load_params m2v_load_default_params(void);

/* Load a model2vec model from the folder `path` (NUL-terminated, UTF-8): config.json,
 * model.safetensors and tokenizer.json, or the sentence-transformers layout whose modules.json
 * points at a folder (e.g. 0_StaticEmbedding/) holding them. By default the embedding table is
 * mapped read-only (mmap), not copied: see m2v_load_params.mmap for the hazard this brings
 * (replace model files by rename, never in place) and how to read the file instead.
 *   path:   a folder; or, when no such file or folder exists, a HuggingFace hub id "org/name"
 *           ("name", "org/name@revision") looked up in the local HuggingFace cache as
 *           m2v_hub_resolve() does (refs/<revision, default main> -> snapshots/<sha>/; never
 *           downloads: fill the cache with `huggingface-cli download org/name` or m2v_native).
 *   params: NULL for defaults.
 *   out:    receives the new model on success (NULL on failure). Free with m2v_model_free().
 * Errors: M2V_ERR_NOT_FOUND (no such folder or required file; for a hub id not in the cache the
 * message names the cache and every path tried), M2V_ERR_FORMAT (malformed or
 * inconsistent files: the message says which file and what), M2V_ERR_UNSUPPORTED (a tokenizer
 * component or dtype m2v does not implement), M2V_ERR_INVALID_ARGUMENT (NULL path/out, bad
 * params), M2V_ERR_IO (mmap failed), M2V_ERR_OUT_OF_MEMORY (mmap 0 and the file does not fit).
 * Thread-safe (loads of different models may run concurrently). */
M2V_API M2V_NODISCARD m2v_status m2v_model_load(const char *path, const m2v_load_params *params,
                                                m2v_model **out);

/* Release a model and unmap its files. NULL is a no-op. Must not race with other calls using
 * the same model. */
M2V_API void m2v_model_free(m2v_model *model);

/* Embedding width (floats per vector); 0 for NULL. Thread-safe. */
M2V_API size_t m2v_model_dim(const m2v_model *model);

/* Number of token ids the tokenizer can produce: one more than the largest id of the vocabulary
 * and the added tokens (the table's rows); 0 for NULL. Equal to HF's get_vocab_size() unless the
 * ids have gaps (HF counts tokens). */
M2V_API size_t m2v_model_vocab_size(const m2v_model *model);

/* Whether encode normalizes by default (1) or not (0), after load params; -1 for NULL. */
M2V_API int m2v_model_normalize(const m2v_model *model);

/* The token string of `id` as UTF-8 bytes (not NUL-terminated), length in *out_len_bytes.
 * The pointer is owned by the model and valid until m2v_model_free(). NULL (and *len 0) for an
 * id out of range or a NULL model. Thread-safe. */
M2V_API const char *m2v_model_token(const m2v_model *model, int32_t id, size_t *out_len_bytes);

/* since 0.2: encode's default truncation in tokens (config "max_length" or the load params),
 * 0 = no truncation; -1 for NULL. Thread-safe. */
M2V_API int64_t m2v_model_max_length(const m2v_model *model);

/* since 0.2: int(median of the token lengths in code points), model2vec's median_token_length
 * (the character cut of encode is max_length * this); 0 for NULL. Thread-safe. */
M2V_API size_t m2v_model_median_token_length(const m2v_model *model);

/* since 0.2: the id of the unknown token (removed from every tokenization), -1 when the
 * tokenizer has none or for NULL. Thread-safe. */
M2V_API int32_t m2v_model_unk_token_id(const m2v_model *model);

/* since 0.2: element types of tensors. The values are part of the ABI. */
typedef enum m2v_dtype {
    M2V_DTYPE_F32 = 0,
    M2V_DTYPE_F16 = 1,
    M2V_DTYPE_F64 = 2,
    M2V_DTYPE_I8 = 3,
    M2V_DTYPE_BF16 = 4,
    M2V_DTYPE_U8 = 5,
    M2V_DTYPE_I16 = 6,
    M2V_DTYPE_I32 = 7,
    M2V_DTYPE_I64 = 8,
    M2V_DTYPE_BOOL = 9
} m2v_dtype;

/* since 0.2: a dense little-endian, row-major tensor. As an input (m2v_model_spec) `data`
 * points at caller memory that m2v copies; as an output (m2v_model_tensor) it points into the
 * model (the mapped file or the model's copy), read-only, valid until m2v_model_free(). `data`
 * need not be aligned. */
typedef struct m2v_tensor {
    const void *data;
    int32_t dtype;     /* an m2v_dtype                                                   */
    int32_t ndim;      /* 1 or 2                                                         */
    size_t shape[2];   /* elements per dimension; shape[1] is 0 when ndim is 1           */
    size_t nbytes;     /* bytes at data: shape[0] * (shape[1] or 1) * element size       */
} m2v_tensor;

/* since 0.2: a tensor of the model, without copying: "embeddings" (the table, in its stored
 * dtype: rows x dim), "weights" (per-token weights) or "mapping" (token id -> row, vocabulary-
 * quantized models). `name` is NUL-terminated.
 *   out: filled on success (zeroed on failure); its data is borrowed from the model.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL or unknown name), M2V_ERR_NOT_FOUND (the model has no
 * such tensor). Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_model_tensor(const m2v_model *model, const char *name,
                                                  m2v_tensor *out);

/* since 0.2: the model's config as compact JSON (NUL-terminated, UTF-8): config.json's object
 * with "max_length" and then "normalize" set to the model's values, as model2vec's
 * StaticModel.config holds it after loading. Owned by the model, valid until m2v_model_free().
 * *out_len_bytes (may be NULL) receives the length without the NUL. NULL for a NULL model. */
M2V_API const char *m2v_model_config_json(const m2v_model *model, size_t *out_len_bytes);

/* since 0.2: the model card's metadata as compact JSON, NUL-terminated, owned by the model:
 * {"base_model": "org/name" | null, "language": ["en", ...] | null} — read from README.md's
 * front matter, as model2vec's base_model_name and language. NULL for a NULL model. */
M2V_API const char *m2v_model_metadata_json(const m2v_model *model, size_t *out_len_bytes);

/* since 0.2: the model's tokenizer.json bytes (as loaded or given), copied into `buf` (two-call
 * pattern): *out_len_bytes receives the size needed; with buf NULL or capacity too small the
 * call fails with M2V_ERR_BUFFER_TOO_SMALL (nothing written) unless buf is NULL and capacity 0,
 * which only reports the size and returns M2V_OK. No NUL is appended. Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_model_tokenizer_json(const m2v_model *model, char *buf,
                                                          size_t capacity_bytes, size_t *out_len_bytes);

/* since 0.2: what m2v_model_create() builds a model from, as model2vec's
 * StaticModel(vectors, tokenizer, config, normalize, ..., weights, token_mapping, max_length). */
typedef struct m2v_model_spec {
    size_t struct_size;          /* sizeof(m2v_model_spec); set by m2v_model_spec_default()      */
    m2v_tensor embeddings;       /* required: 2-D table, rows x dim, F32/F16/BF16/F64/I8/U8;
                                  * rows must equal the tokenizer's vocabulary unless `mapping`   */
    const m2v_tensor *weights;   /* optional 1-D float per-token weights (>= vocabulary entries)  */
    const m2v_tensor *mapping;   /* optional 1-D integer token id -> row (>= vocabulary entries)  */
    const char *tokenizer_json;  /* required: tokenizer.json bytes (UTF-8, not NUL-terminated)    */
    size_t tokenizer_json_len;
    const char *config_json;     /* optional JSON object stored as the config; NULL = {}          */
    size_t config_json_len;
    int32_t normalize;           /* -1 = config "normalize", else false (default); 0 / 1         */
    int32_t max_length;          /* -1 = config "max_length" (null = none), else 512 (default);
                                  * 0 = none; > 0 tokens                                          */
    const char *metadata_json;   /* optional {"base_model": ..., "language": [...]}; NULL = none  */
    size_t metadata_json_len;
} m2v_model_spec;

/* since 0.2: an empty spec with struct_size set, normalize -1 and max_length -1. Thread-safe. */
M2V_API m2v_model_spec m2v_model_spec_default(void);

/* since 0.2: build a model from caller memory. Every buffer is copied: the caller keeps
 * ownership and may free them as soon as the call returns. The model behaves exactly like a
 * loaded one (encode, tokenize, save, thread-safety).
 *   out: receives the model (free with m2v_model_free()), NULL on failure.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL pointers, bad sizes: nbytes must equal the shape),
 * M2V_ERR_FORMAT (tokenizer or config JSON malformed, table rows != vocabulary size without a
 * mapping, mapping values out of range), M2V_ERR_UNSUPPORTED (dtype or tokenizer component).
 * Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_model_create(const m2v_model_spec *spec, m2v_model **out);

/* since 0.2: options of m2v_model_quantize(), model2vec's quantize_model(). */
typedef struct m2v_quantize_params {
    size_t struct_size;              /* sizeof(m2v_quantize_params); set by m2v_quantize_default_params() */
    int32_t quantize_to;             /* -1 = keep the dtype (default), else an m2v_quantize        */
    int32_t dimensionality;          /* 0 = keep (default); > 0 keep the first this many columns   */
    int32_t vocabulary_quantization; /* 0 = none (default); > 0 k-means clusters (the model must
                                      * not be vocabulary-quantized already)                       */
} m2v_quantize_params;

/* since 0.2: defaults for m2v_model_quantize() (nothing changes). Thread-safe. */
M2V_API m2v_quantize_params m2v_quantize_default_params(void);

/* since 0.2: a new model with the table quantized and/or reduced, as model2vec's
 * quantize_model(): vocabulary quantization first (k-means of the rows, weights = row norms
 * when the model has none; deterministic, clusters differ from scikit-learn's), then the dtype
 * (int8: one global scale max|x| / 127), then the first `dimensionality` columns. The model's
 * config, normalize, max_length and metadata are kept. `model` is not changed.
 *   out: receives the new model (free with m2v_model_free()).
 * Errors: M2V_ERR_INVALID_ARGUMENT (bad params; dimensionality above the model's dim; already
 * vocabulary-quantized), M2V_ERR_OUT_OF_MEMORY. Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_model_quantize(const m2v_model *model, const m2v_quantize_params *params,
                                                    m2v_model **out);

/* Progress callback for long calls: `done` of `total` units (texts, or tokens in distill).
 * Return 0 to continue, non-zero to cancel (the call then fails with M2V_ERR_CANCELLED).
 * Called on the thread that made the call, between batches. */
typedef int (*m2v_progress_fn)(size_t done, size_t total, void *user_data);

typedef struct m2v_encode_params {
    size_t struct_size;   /* sizeof(m2v_encode_params); set by m2v_encode_default_params()      */
    int32_t max_length;   /* max tokens per text: > 0 a limit, 0 = no limit, < 0 = the call's
                           * default (-1 is the default): for m2v_encode / m2v_tokenize the
                           * model's m2v_model_max_length(), for m2v_encode_as_sequence no limit
                           * (as model2vec). Texts are first cut to max_length *
                           * median_token_length characters, as model2vec's encode does (see
                           * character_cut).                                                      */
    int32_t normalize;    /* -1 = the model's setting (default), 0 = off, 1 = L2-normalize       */
    int32_t n_threads;    /* most threads for this call: 0 = all CPUs (default), 1 = the calling
                           * thread only. Small inputs use the calling thread alone whatever this
                           * says (see "Threads the library starts" above). Output bytes are
                           * identical whatever the thread count.                                */
    size_t batch_size;    /* texts per batch between progress calls; 0 = 1024 (default)         */
    m2v_progress_fn progress; /* optional, NULL = none. Called by m2v_encode only (after each
                               * batch); m2v_encode_as_sequence and m2v_tokenize ignore it.      */
    void *progress_user_data; /* passed to `progress`                                           */
    int32_t character_cut;    /* since 0.2: 1 = cut each text to max_length * median_token_length
                               * code points before tokenizing, as model2vec's encode (default);
                               * 0 = token truncation only, as model2vec's tokenize()             */
    int32_t reserved0;        /* 0. (0.2's struct was 56 bytes with this as padding.)           */
    int32_t invalid_text;     /* since 0.3: an m2v_invalid_text, what a text that cannot be
                               * tokenized does to the call (default M2V_INVALID_TEXT_ERROR)     */
    int32_t reserved1;        /* 0 (keeps the struct free of padding)                            */
    int32_t *text_status;     /* since 0.3: optional, NULL = none. n_texts entries the call fills
                               * with each text's m2v_status: M2V_OK, M2V_ERR_INVALID_UTF8 (also
                               * when it was replaced or skipped), M2V_ERR_INVALID_ARGUMENT (longer
                               * than m2v_max_text_code_points()). Written by m2v_encode,
                               * m2v_encode_as_sequence and m2v_tokenize, also when the call fails
                               * (entries of texts not reached are then unspecified).             */
} m2v_encode_params;

/* since 0.3: per-text handling of bad input (m2v_encode_params.invalid_text). The values are
 * part of the ABI. */
typedef enum m2v_invalid_text {
    M2V_INVALID_TEXT_ERROR = 0,   /* the call fails with the first bad text's status and message
                                   * (by index, whatever the thread count); default             */
    M2V_INVALID_TEXT_REPLACE = 1, /* each maximal invalid UTF-8 subsequence becomes U+FFFD, as
                                   * Python's bytes.decode("utf-8", errors="replace"); other
                                   * per-text errors still fail the call                         */
    M2V_INVALID_TEXT_SKIP = 2     /* a text with any per-text error gets no tokens: a zero vector
                                   * (m2v_encode), no rows / ids (sequence / tokenize); read
                                   * text_status to find them. The call succeeds.              */
} m2v_invalid_text;

/* since 0.3: the most code points of one text tokenized as a whole (after encode's character
 * cut, which keeps max_length * median_token_length of them, so only calls without a cut reach
 * it), before and after the normalizer. A longer text is M2V_ERR_INVALID_ARGUMENT. */
M2V_API size_t m2v_max_text_code_points(void);

/* Defaults for m2v_encode() and friends: max_length -1 (the model's), normalize -1 (the
 * model's), all cores, batch_size 1024, character_cut 1, invalid_text M2V_INVALID_TEXT_ERROR,
 * text_status NULL. Thread-safe. */
M2V_API m2v_encode_params m2v_encode_default_params(void);

/* Encode `n_texts` UTF-8 texts into one float32 vector each, written row-major into `out`
 * (n_texts * m2v_model_dim(model) floats). Same numbers as model2vec's StaticModel.encode
 * (float tolerance): tokenize without special tokens, truncate, drop unknown tokens, weighted
 * mean of the rows, optional L2 normalization; a text without tokens gives a zero vector.
 *   texts, lengths: arrays of n_texts pointers and byte lengths (texts[i] may be NULL only when
 *                   lengths[i] == 0). n_texts == 0 is valid and writes nothing.
 *   params:         NULL for defaults.
 *   out, out_capacity_floats: caller buffer and its size in floats; too small gives
 *                   M2V_ERR_BUFFER_TOO_SMALL and nothing is written.
 * Errors: M2V_ERR_INVALID_ARGUMENT, M2V_ERR_INVALID_UTF8, M2V_ERR_BUFFER_TOO_SMALL,
 * M2V_ERR_CANCELLED, M2V_ERR_OUT_OF_MEMORY. On error the contents of `out` are unspecified.
 * Thread-safe: many threads may encode with one model at once. */
M2V_API M2V_NODISCARD m2v_status m2v_encode(const m2v_model *model, const char *const *texts,
                                            const size_t *lengths, size_t n_texts,
                                            const m2v_encode_params *params, float *out,
                                            size_t out_capacity_floats);

/* since 0.4: pool precomputed token ids, the second half of m2v_encode (m2v_tokenize is the
 * first): text i is ids[offsets[i] .. offsets[i+1]-1], pooled as m2v_encode pools its ids
 * (per-token weights, mean, optional L2 normalization; no ids give a zero vector). So
 * m2v_encode(texts) == m2v_encode_ids(m2v_tokenize(texts)), byte for byte. For callers with
 * their own tokenization, or who keep ids and pool them later.
 *   ids, offsets: offsets has n_texts + 1 non-decreasing entries starting at 0 (m2v_ids'
 *                 shape); ids has offsets[n_texts] entries, each in 0 .. m2v_model_vocab_size()-1
 *                 (the unknown token is pooled like any other: m2v_tokenize has removed it).
 *   params:       NULL for defaults. max_length > 0 keeps each text's first max_length ids; -1
 *                 (default) and 0 keep them all. normalize and n_threads as for m2v_encode;
 *                 character_cut, invalid_text, text_status and progress are not used.
 *   out, out_capacity_floats: as m2v_encode.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL pointers with n_texts > 0, bad offsets, an id outside
 * the vocabulary: the message names the first by text index), M2V_ERR_BUFFER_TOO_SMALL.
 * Thread-safe as m2v_encode(). */
M2V_API M2V_NODISCARD m2v_status m2v_encode_ids(const m2v_model *model, const int32_t *ids,
                                                const size_t *offsets, size_t n_texts,
                                                const m2v_encode_params *params, float *out,
                                                size_t out_capacity_floats);

/* A ragged array of token vectors, allocated by the library. Text i owns the rows
 * offsets[i] .. offsets[i+1]-1 of `vectors` (each `dim` floats). Free with m2v_sequence_free(). */
typedef struct m2v_sequence {
    size_t n_texts;
    size_t dim;
    const size_t *offsets; /* n_texts + 1 entries, offsets[0] == 0                            */
    const float *vectors;  /* offsets[n_texts] * dim floats                                     */
} m2v_sequence;

/* One vector per token (weights applied, no mean, no normalization), like model2vec's
 * encode_as_sequence. Truncation only when params->max_length > 0: the default params
 * (max_length -1) and NULL params mean no truncation here, model2vec's default.
 *   out: receives a new m2v_sequence (free with m2v_sequence_free()), NULL on failure.
 * Errors and thread-safety as m2v_encode(). */
M2V_API M2V_NODISCARD m2v_status m2v_encode_as_sequence(const m2v_model *model,
                                                        const char *const *texts,
                                                        const size_t *lengths, size_t n_texts,
                                                        const m2v_encode_params *params,
                                                        m2v_sequence **out);

/* Release a sequence. NULL is a no-op. */
M2V_API void m2v_sequence_free(m2v_sequence *sequence);

/* A ragged array of token ids, allocated by the library: text i has ids[offsets[i] ..
 * offsets[i+1]-1]. Free with m2v_ids_free(). */
typedef struct m2v_ids {
    size_t n_texts;
    const size_t *offsets; /* n_texts + 1 entries, offsets[0] == 0 */
    const int32_t *ids;    /* offsets[n_texts] ids                   */
} m2v_ids;

/* Release an id array. NULL is a no-op. */
M2V_API void m2v_ids_free(m2v_ids *ids);

/* The token ids m2v_encode() uses for each text (after the character cut, truncation to
 * params->max_length tokens, and removal of the unknown token). NULL params = encode defaults.
 *   out: receives a new m2v_ids (free with m2v_ids_free()), NULL on failure.
 * Errors and thread-safety as m2v_encode(). */
M2V_API M2V_NODISCARD m2v_status m2v_tokenize(const m2v_model *model, const char *const *texts,
                                              const size_t *lengths, size_t n_texts,
                                              const m2v_encode_params *params, m2v_ids **out);

/* Write the model to the folder `path` (created with missing parents) in model2vec's format:
 * config.json, model.safetensors, tokenizer.json, modules.json and a README.md model card.
 * model2vec's StaticModel.from_pretrained loads it.
 * The save is atomic and durable (docs/SAFETY.md, "Durable, atomic saves"):
 *   - the new folder is built beside `path` as `.<name>.m2v-tmp-<pid>-<random>`, every file and
 *     the folder fsync'ed, then renamed onto `path` (missing or empty) or swapped with it by
 *     renameat2(RENAME_EXCHANGE) (Linux >= 3.15); the parent is fsync'ed, then the old folder's
 *     remains are removed. A reader, or the disk after a crash or power cut at any point, sees
 *     the complete old folder or the complete new one, never a mix or a short file.
 *   - entries of an existing `path` other than the five files (.gitattributes, subfolders, ...)
 *     are kept: hard links, subfolders rebuilt with the same mode holding hard links. The new
 *     folder gets the old one's mode (and owner, when run as root). A symlink `path` stays and
 *     the folder it points to is replaced.
 *   - no file is ever written in place (new inodes): a model loaded from `path` keeps its
 *     mapped model.safetensors valid.
 *   - on an error nothing changes: the old folder is as it was and the attempt's temporary
 *     folder is removed (one exception: the parent's fsync failing after the swap is reported
 *     with the new folder in place). A killed or crashed save can leave its temporary folder
 *     beside `path`; the next save into `path` removes those whose process no longer runs.
 *   - file by file instead (each file still replaced atomically and durably, all written before
 *     the first rename, model.safetensors renamed last; a crash, or a failing rename, between
 *     the renames can leave old and new files mixed): on file systems without RENAME_EXCHANGE
 *     (EINVAL, ENOSYS: e.g. NFS, some FUSE, old kernels, a seccomp filter), when the old
 *     folder's other entries cannot be hard-linked (another user's files under
 *     fs.protected_hardlinks, a mount point inside), when the parent of an existing `path` is
 *     not writable, and when `path` is "/", the current directory or one of its ancestors (a
 *     swap would strand this process in the removed old folder).
 *   - concurrent saves into one folder: each is complete, the last to publish wins. Processes
 *     whose current directory is inside the old folder keep the removed old one.
 * Errors: M2V_ERR_INVALID_ARGUMENT, M2V_ERR_IO (naming the path and errno; e.g. a file where the
 * folder should be, a folder where the save writes a file, no space). Thread-safe with respect
 * to other readers. */
M2V_API M2V_NODISCARD m2v_status m2v_model_save(const m2v_model *model, const char *path);

/* since 0.2: options of m2v_model_save_v2(), model2vec's save_pretrained(path, model_name,
 * subfolder) plus the Python-side state a binding holds. All strings NUL-terminated UTF-8,
 * read during the call only. */
typedef struct m2v_save_params {
    size_t struct_size;        /* sizeof(m2v_save_params); set by m2v_save_default_params()     */
    const char *config_json;   /* JSON object written as config.json (before "embedding_dtype" and
                                * "vocabulary_quantization" are set); NULL = m2v_model_config_json() */
    size_t config_json_len;
    const char *model_name;    /* the model card's name; NULL = the folder's name                 */
    const char *subfolder;     /* write into path/subfolder; NULL = path itself                    */
    const char *metadata_json; /* {"base_model": ..., "language": [...]}; NULL = the model's      */
    size_t metadata_json_len;
} m2v_save_params;

/* since 0.2: defaults for m2v_model_save_v2() (same as m2v_model_save). Thread-safe. */
M2V_API m2v_save_params m2v_save_default_params(void);

/* since 0.2: m2v_model_save() with options (NULL params = m2v_model_save()), with the same
 * guarantees (atomic, durable, never in place, other entries kept, stale temporaries removed,
 * file by file without RENAME_EXCHANGE: see m2v_model_save()). With `subfolder`, the folder that
 * appears at once is path/subfolder: entries of `path` itself are not touched. Errors:
 * M2V_ERR_INVALID_ARGUMENT (NULL model/path, malformed config/metadata JSON), M2V_ERR_IO. */
M2V_API M2V_NODISCARD m2v_status m2v_model_save_v2(const m2v_model *model, const char *path,
                                                   const m2v_save_params *params);

/* ------------------------------------------------------------------------------------------ */
/* Tokenizers                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct m2v_tokenizer m2v_tokenizer;

/* Load a HuggingFace tokenizer.json file (NUL-terminated UTF-8 path).
 *   out: receives the tokenizer (free with m2v_tokenizer_free()), NULL on failure.
 * Errors: M2V_ERR_NOT_FOUND, M2V_ERR_IO, M2V_ERR_FORMAT (malformed JSON, missing key, id out of
 * range...), M2V_ERR_UNSUPPORTED (the message names the component, e.g.
 * `unsupported normalizer "X"`). Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_tokenizer_load(const char *path, m2v_tokenizer **out);

/* since 0.3: regex patterns. `Split` and `Replace` patterns that m2v does not match by hand
 * (it does GPT-2's, Llama-3's and Qwen2's) run on Oniguruma, the engine HF tokenizers uses,
 * loaded at run time on first need: libonig.so.5 next to libm2v.so (the wheel and the C
 * tarball ship one), else the system's (Debian/Ubuntu package libonig5). Without it such a
 * tokenizer fails to load with M2V_ERR_UNSUPPORTED naming the package; others are unaffected.
 * A search that exceeds Oniguruma's retry limit (runaway backtracking, where HF panics) makes
 * that text's encode fail with M2V_ERR_INVALID_ARGUMENT.
 * Returns Oniguruma's version ("6.9.8"), loading it if needed, or NULL when it cannot be
 * loaded. A static string; thread-safe. */
M2V_API const char *m2v_regex_engine_version(void);

/* Same as m2v_tokenizer_load() from JSON bytes in memory (`json`, `json_len_bytes`). */
M2V_API M2V_NODISCARD m2v_status m2v_tokenizer_load_from_memory(const char *json,
                                                                size_t json_len_bytes,
                                                                m2v_tokenizer **out);

/* Release a tokenizer. NULL is a no-op. */
M2V_API void m2v_tokenizer_free(m2v_tokenizer *tokenizer);

/* One more than the largest token id (vocabulary and added tokens); 0 for NULL. HF's
 * get_vocab_size() counts tokens instead: they differ only for a vocabulary whose ids have gaps,
 * e.g. {"[UNK]": 0, "a": 2147483647} gives 2147483648 here, 2 in HF (memory follows the tokens,
 * not the largest id). Thread-safe. */
M2V_API size_t m2v_tokenizer_vocab_size(const m2v_tokenizer *tokenizer);

/* since 0.6: the string of token `id` (an added token's content, else the model's vocabulary
 * entry, as HF's Tokenizer.id_to_token), as UTF-8 bytes copied into `out` (no NUL appended).
 *   out:          caller buffer; may be NULL when out_capacity is 0.
 *   out_capacity: bytes available at `out`.
 *   out_size:     if not NULL, receives the token's length in bytes, also when the call fails
 *                 with M2V_ERR_BUFFER_TOO_SMALL (then call again with that size).
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL tokenizer; NULL out with out_capacity > 0),
 * M2V_ERR_NOT_FOUND (no token has this id: a negative id, a gap in the vocabulary, or one past
 * the largest), M2V_ERR_BUFFER_TOO_SMALL (nothing written). Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_tokenizer_token(const m2v_tokenizer *tokenizer, int32_t id,
                                                     char *out, size_t out_capacity,
                                                     size_t *out_size);

/* Tokenize a batch as HuggingFace `tokenizers` does with encode_batch(texts, add_special_tokens):
 * since 0.3 with tokenizer.json's own "truncation" and "padding" applied as HF applies them (0.2
 * ignored them; all-mpnet-base-v2's tokenizer.json, for one, pads every text to 128 ids). Same as
 * m2v_tokenizer_encode_v2() with default params and this add_special_tokens.
 *   add_special_tokens: non-zero to apply the post-processor ([CLS] ... [SEP], <s> ...).
 *   out: receives a new m2v_ids (free with m2v_ids_free()), NULL on failure.
 * Errors: M2V_ERR_INVALID_ARGUMENT (also a text of more than m2v_max_text_code_points() code
 * points, before or after the normalizer), M2V_ERR_INVALID_UTF8, M2V_ERR_OUT_OF_MEMORY.
 * Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_tokenizer_encode(const m2v_tokenizer *tokenizer,
                                                      const char *const *texts,
                                                      const size_t *lengths, size_t n_texts,
                                                      int add_special_tokens, m2v_ids **out);

/* since 0.3: options of m2v_tokenizer_encode_v2(): HF's Tokenizer.no_truncation() /
 * enable_truncation() / no_padding() / enable_padding() for one call, without changing the
 * (immutable, shared) tokenizer. -1 means "as tokenizer.json says" throughout. */
typedef struct m2v_tokenizer_encode_params {
    size_t struct_size;           /* sizeof(m2v_tokenizer_encode_params); set by
                                   * m2v_tokenizer_encode_default_params()                          */
    int32_t add_special_tokens;   /* 1 = apply the post-processor (default, HF's default), 0 = not  */
    int32_t truncation;           /* -1 = tokenizer.json's "truncation" (default; none when null);
                                   * 0 = none (no_truncation); > 0 = at most this many ids,
                                   * special tokens included (enable_truncation(max_length))       */
    int32_t truncation_direction; /* -1 = the file's, right when it has none (default); 0 = keep the
                                   * first ids (right); 1 = keep the last ids (left)                 */
    int32_t padding;              /* -1 = tokenizer.json's "padding" (default; none when null);
                                   * 0 = none (no_padding); 1 = pad as the four fields below say    */
    int32_t pad_length;           /* padding 1: 0 = to the batch's longest (default), > 0 = to this
                                   * fixed length (longer sequences are not cut)                      */
    int32_t pad_id;               /* padding 1: the id added (default 0)                            */
    int32_t pad_to_multiple_of;   /* padding 1: round the length up to a multiple; 0 = no (default) */
    int32_t pad_direction;        /* padding 1: 0 = append (right, default), 1 = prepend (left)     */
} m2v_tokenizer_encode_params;

/* since 0.3: defaults for m2v_tokenizer_encode_v2(): add_special_tokens 1, everything else as
 * tokenizer.json says. Thread-safe. */
M2V_API m2v_tokenizer_encode_params m2v_tokenizer_encode_default_params(void);

/* since 0.3: the ids HF's encode_batch gives, with `params` (NULL = defaults). For each text:
 * tokenize; truncate to max_length minus the special tokens the post-processor adds (when
 * add_special_tokens); post-process; then pad the whole batch. Texts, out, errors and
 * thread-safety as m2v_tokenizer_encode(); M2V_ERR_INVALID_ARGUMENT for a bad params field
 * (the message names it; pad_length and pad_to_multiple_of at most 1,048,576 = 2^20). */
M2V_API M2V_NODISCARD m2v_status m2v_tokenizer_encode_v2(const m2v_tokenizer *tokenizer,
                                                         const char *const *texts,
                                                         const size_t *lengths, size_t n_texts,
                                                         const m2v_tokenizer_encode_params *params,
                                                         m2v_ids **out);

/* ------------------------------------------------------------------------------------------ */
/* Distillation                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Table dtype of a distilled model (model2vec's `quantize_to`). int8 uses one global scale
 * max|x| / 127 that is not stored (as model2vec 0.10 does). */
typedef enum m2v_quantize {
    M2V_QUANTIZE_FLOAT16 = 0, /* default */
    M2V_QUANTIZE_FLOAT32 = 1,
    M2V_QUANTIZE_FLOAT64 = 2,
    M2V_QUANTIZE_INT8 = 3
} m2v_quantize;

/* How the teacher's hidden states of one token input ([CLS] token [SEP]) become one vector. */
typedef enum m2v_pooling {
    M2V_POOLING_MEAN = 0,   /* mean over all positions, [CLS] and [SEP] included (default)      */
    M2V_POOLING_FIRST = 1,  /* the first position ([CLS])                                        */
    M2V_POOLING_LAST = 2,   /* the last position ([SEP])                                         */
    M2V_POOLING_POOLER = 3  /* the teacher's pooler output, tanh(W h[CLS] + b)                   */
} m2v_pooling;

typedef struct m2v_distill_params {
    size_t struct_size;        /* sizeof(m2v_distill_params); set by m2v_distill_default_params().
                                * Only struct_size bytes are read; later fields keep defaults.     */
    int32_t pca_dims;          /* > 0: PCA to this many dimensions (default 256; capped at the
                                * teacher's width), 0 = no PCA, -1 = "auto": PCA without reduction */
    double explained_variance; /* in (0, 1): PCA keeping the fewest components that explain this
                                * fraction of the variance (overrides pca_dims); 0 = off (default) */
    double sif_coefficient;    /* SIF/Zipf weighting a / (a + p(rank)), a in (0, 1); default 1e-4;
                                * 0 = no weighting                                                  */
    int32_t quantize_to;       /* an m2v_quantize (default M2V_QUANTIZE_FLOAT16)                  */
    int32_t pooling;           /* an m2v_pooling (default M2V_POOLING_MEAN)                       */
    int32_t n_threads;         /* threads for the teacher forward pass: 0 = all cores (default).
                                * The result does not depend on the thread count.                 */
    int32_t remove_unused_tokens; /* 1 = drop tokens matching \[unused\d+\] (model2vec's default
                                * token_remove_pattern), 0 = keep them; ignored when
                                * token_remove_pattern (below) is set                              */
    const char *base_model_name; /* NUL-terminated UTF-8 written as config "tokenizer_name" and the
                                * model card's base model; NULL = as model2vec: teacher_path as
                                * given in config.json, and in the card the folder's name (or the
                                * hub id)                                                         */
    m2v_progress_fn progress;  /* optional, NULL = none; `done`/`total` count vocabulary tokens    */
    void *progress_user_data;  /* passed to `progress`                                            */
    const char *const *vocabulary; /* optional custom words (model2vec's `vocabulary`): UTF-8, each
                                * `vocabulary_lengths[i]` bytes. A word the teacher's normalizer and
                                * pre-tokenizer keep whole becomes a new token (unless already
                                * present); one they split becomes a multi-word added token. NULL =
                                * none (default). Not retained after the call.                      */
    const size_t *vocabulary_lengths; /* byte length of each word                                 */
    size_t n_vocabulary;       /* number of words (0 = none)                                       */
    int32_t vocabulary_quantization; /* > 0: k-means the token vectors into this many clusters; the
                                * table holds the (PCA-reduced) centres, plus per-token `weights`
                                * and `mapping` tensors (model2vec's vocabulary_quantization).
                                * Deterministic, but the clusters differ from scikit-learn's.
                                * 0 = off (default)                                                */
    const char *token_remove_pattern; /* (appended last) NUL-terminated UTF-8 Python `re`
                                * pattern (model2vec's token_remove_pattern): every vocabulary
                                * token, and every custom word, for which re.match(pattern, token)
                                * matches (at the token's start, not necessarily to its end) is
                                * removed, except the unk token; removing the pad token drops the
                                * padding section. When non-NULL it replaces remove_unused_tokens.
                                * NULL = remove_unused_tokens decides (default). Parsed with Python
                                * 3.11's grammar and matched on code points: \d \w \s are
                                * Python's (Unicode 14 tables), flags (?a) (?s) (?m) (?x) work.
                                * M2V_ERR_UNSUPPORTED for what m2v cannot match exactly: lookbehind,
                                * \b \B, ^ under (?m), (?i), backreferences, conditionals,
                                * \N{name}, repeat counts above 1000. M2V_ERR_INVALID_ARGUMENT for
                                * a pattern Python rejects (the message is Python's),
                                * M2V_ERR_INVALID_UTF8 for bytes that are not UTF-8. Not retained
                                * after the call.                                                  */
} m2v_distill_params;

/* Defaults for m2v_distill(): model2vec 0.10's distill() defaults. Thread-safe. */
M2V_API m2v_distill_params m2v_distill_default_params(void);

/* Distill a static model from a transformer, as model2vec 0.10's distill() does, and write it
 * to the folder `out_path` (created if needed): config.json, model.safetensors, tokenizer.json,
 * modules.json, README.md, by the writer of m2v_model_save() and with its guarantees (the
 * folder appears all at once, durably; other entries of an existing folder are kept; a crash
 * leaves the old folder or the new one; file by file without RENAME_EXCHANGE). The result loads
 * with m2v_model_load() and with model2vec's StaticModel.from_pretrained().
 *   teacher_path: NUL-terminated UTF-8 path of a Hugging Face model folder, or a hub id
 *                 ("org/name") found in the local Hugging Face cache as m2v_hub_resolve() finds
 *                 it (nothing is downloaded). The folder has config.json with a model_type of
 *                 bert (E5, BGE, GTE, MiniLM…), roberta, xlm-roberta, camembert, distilbert,
 *                 mpnet, modernbert, or the decoders qwen3, qwen2, llama, mistral (default
 *                 rope type only; pool them with M2V_POOLING_LAST or mean, as model2vec
 *                 users do); model.safetensors (float32/16, bfloat16; a folder with
 *                 only pytorch_model.bin is M2V_ERR_UNSUPPORTED, asking for a conversion); and a
 *                 tokenizer.json with a WordPiece, BPE or Unigram model (e.g.
 *                 sentence-transformers/all-MiniLM-L6-v2, all-mpnet-base-v2, bge-m3).
 *   params:       NULL for defaults. Not retained after the call.
 * Steps: vocabulary = the teacher's minus its added tokens (the unk and pad tokens stay) and
 * minus the tokens token_remove_pattern matches (default [unusedN]); each token runs through
 * the teacher wrapped in its post-processor's specials ([CLS] token [SEP], <s> token </s>) on
 * the CPU (float32, OpenBLAS sgemm); pooling; PCA (covariance
 * eigendecomposition, each component's largest-|value| row positive); rows x SIF weights;
 * quantization. Time: the forward pass, near the machine's sgemm rate (2 AVX2 cores: 16 s for
 * all-MiniLM-L6-v2, 110 s for all-mpnet-base-v2, each with ~30k tokens); memory: the teacher's
 * weights as float32 plus ~2 x tokens x width floats.
 * Blocks the calling thread; `progress` is called on it between batches of tokens.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL paths, bad params, a token_remove_pattern Python
 * rejects), M2V_ERR_NOT_FOUND (teacher folder or file missing), M2V_ERR_FORMAT (malformed
 * teacher files), M2V_ERR_UNSUPPORTED (a model_type, activation or position scheme not listed
 * above, with the supported ones named; a tokenizer model model2vec cannot distill; pooling
 * "pooler" without pooler weights; a token_remove_pattern construct m2v cannot match exactly), M2V_ERR_INVALID_UTF8 (a vocabulary word or the pattern), M2V_ERR_IO (cannot
 * write `out_path`), M2V_ERR_CANCELLED (progress returned non-zero; nothing is written).
 * Thread-safe; concurrent distills each use their own threads. */
M2V_API M2V_NODISCARD m2v_status m2v_distill(const char *teacher_path,
                                             const m2v_distill_params *params,
                                             const char *out_path);

/* ------------------------------------------------------------------------------------------ */
/* Hub cache                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* since 0.2: resolve `path_or_id` (NUL-terminated UTF-8) to a local folder, as m2v_model_load()
 * does it:
 *   - an existing file or folder, or a string that is not a hub id (an absolute path, "./x",
 *     more than one "/"), is returned unchanged (m2v_model_load() then reports what is wrong);
 *   - a hub id "org/name" or "name", optionally "@revision" (a branch, tag or 40-hex commit
 *     sha; default "main"), is looked up in the local HuggingFace cache: the folder is
 *     $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
 *     $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (huggingface_hub's order;
 *     empty variables count as unset), then models--org--name/refs/<revision> holds the commit
 *     sha and models--org--name/snapshots/<sha>/ is the result. A revision that is a commit sha
 *     with a snapshots/<sha>/ folder is used directly.
 * Nothing is downloaded: libm2v has no network code. `huggingface-cli download org/name`,
 * huggingface_hub.snapshot_download() or m2v_native.StaticModel.from_pretrained("org/name") fill
 * the cache. A refs file is read up to 256 bytes; whitespace around the sha is ignored.
 *   out:          receives the folder as a NUL-terminated string; may be NULL when out_capacity is 0.
 *   out_capacity: bytes available at `out`.
 *   out_size:     if not NULL, receives the bytes the result needs including the NUL, also when
 *                 the call fails with M2V_ERR_BUFFER_TOO_SMALL (then call again with that size).
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL path_or_id; NULL out with out_capacity > 0),
 * M2V_ERR_NOT_FOUND (a hub id not in the cache: the message names the cache folder and where its
 * setting came from, every path tried and why it failed, the snapshots that are cached, and how
 * to download the model), M2V_ERR_BUFFER_TOO_SMALL (nothing written). Reads the environment with
 * getenv(): thread-safe as long as no thread calls setenv() at the same time. */
M2V_API M2V_NODISCARD m2v_status m2v_hub_resolve(const char *path_or_id, char *out,
                                                 size_t out_capacity, size_t *out_size);

/* ------------------------------------------------------------------------------------------ */
/* Classifiers (since 0.5)                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A model2vec 0.10 pipeline (model2vec.inference.StaticModelPipeline, as model2vec.train's
 * to_pipeline() and save_pretrained() write it): a static model whose vectors go through an
 * MLP head, linear layers with ReLU between them and an output activation. Immutable after
 * load: any number of threads may predict with one classifier at once (as with m2v_model).
 * Only m2v_classifier_free must not race with other uses of the same handle. */
typedef struct m2v_classifier m2v_classifier;

/* What a classifier predicts, from its head's activation (config.json head_config). */
typedef enum m2v_task {
    M2V_TASK_SINGLE_LABEL = 0, /* "softmax": one class per text                                */
    M2V_TASK_MULTI_LABEL = 1,  /* "sigmoid": every class whose probability is above a threshold */
    M2V_TASK_REGRESSION = 2    /* "identity": raw output values (regression, projectors)        */
} m2v_task;

/* Load a pipeline folder (or a hub id found in the local cache, as m2v_model_load): the model
 * files, head.safetensors (head.{i}.weight [out, in] and head.{i}.bias [out], any float dtype,
 * read into float32) and config.json's "head_config" ({"n_layers", "activation", "classes"}).
 * The model loads as m2v_model_load(path, params) loads it; as model2vec's from_pretrained,
 * non-finite table values become finite (numpy's nan_to_num: NaN 0, +-inf the largest finite
 * value of the dtype; the table is then copied, not mapped).
 *   params: NULL for defaults (model2vec's from_pretrained has no overrides; these exist for
 *           m2v_model_load parity).
 *   out:    receives the classifier (free with m2v_classifier_free), NULL on failure.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL path/out), M2V_ERR_NOT_FOUND (no folder, no
 * head.safetensors), M2V_ERR_UNSUPPORTED (a legacy pipeline.skops folder: convert it with
 * model2vec.inference.convert_legacy_pipeline), M2V_ERR_FORMAT (layers that do not chain from
 * the model's dim, a softmax/sigmoid head whose "classes" do not match its outputs, more than
 * 64 layers or 2^20 classes, a missing tensor), M2V_ERR_IO, M2V_ERR_OUT_OF_MEMORY. */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_load(const char *path, const m2v_load_params *params,
                                                     m2v_classifier **out);

/* Release a classifier. NULL is a no-op. */
M2V_API void m2v_classifier_free(m2v_classifier *classifier);

/* The classifier's encoder, borrowed: valid while the classifier lives; do not free it. Every
 * model function works on it (m2v_encode gives the vectors the head reads). NULL for NULL. */
M2V_API const m2v_model *m2v_classifier_model(const m2v_classifier *classifier);

/* The task (an m2v_task), or -1 for NULL. */
M2V_API int m2v_classifier_task(const m2v_classifier *classifier);

/* Outputs per text: the number of classes, or of regression values. 0 for NULL. */
M2V_API size_t m2v_classifier_n_outputs(const m2v_classifier *classifier);

/* Number of linear layers of the head (0: the vectors are the outputs). 0 for NULL. */
M2V_API size_t m2v_classifier_n_layers(const m2v_classifier *classifier);

/* Number of classes in config.json's head_config: n_outputs for classification heads, usually
 * 0 for regression heads (model2vec saves them with "classes": null). 0 for NULL. */
M2V_API size_t m2v_classifier_n_classes(const m2v_classifier *classifier);

/* The name of class `index` (0 .. n_classes-1) as UTF-8, NUL-terminated, owned by the
 * classifier (valid while it lives). Integer classes (labels given to fit as ints) are written
 * in decimal; m2v_classifier_class_is_integer() tells them apart. *out_len_bytes (optional)
 * receives the length without the NUL. NULL for NULL or an index out of range. */
M2V_API const char *m2v_classifier_class_name(const m2v_classifier *classifier, size_t index,
                                              size_t *out_len_bytes);

/* 1 if class `index` is an integer label in config.json, 0 if a string, -1 when out of range. */
M2V_API int m2v_classifier_class_is_integer(const m2v_classifier *classifier, size_t index);

/* The head's outputs for `n_texts` texts, row-major into `out` (n_texts * n_outputs floats):
 * softmax probabilities (single-label), sigmoid probabilities (multi-label) or the raw values
 * (regression), as model2vec's predict_proba (and predict for regression heads). The texts are
 * encoded as m2v_encode encodes them with `params` (NULL: the model's defaults, as the pipeline
 * encodes), 4,096 texts at a time, then go through the head in float32.
 *   out, out_capacity_floats: caller buffer and its size in floats; too small gives
 *                  M2V_ERR_BUFFER_TOO_SMALL and nothing is written.
 * Errors: those of m2v_encode. Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_predict_proba(const m2v_classifier *classifier,
                                                              const char *const *texts,
                                                              const size_t *lengths, size_t n_texts,
                                                              const m2v_encode_params *params,
                                                              float *out, size_t out_capacity_floats);

/* The predicted labels as class indices (names: m2v_classifier_class_name):
 *   single-label: out[i] = the class of text i (the first largest logit, as numpy's argmax);
 *                 out holds n_texts entries. `threshold` is ignored.
 *   multi-label:  out[i * n_outputs + j] = 1 if class j's probability is above `threshold`
 *                 (strictly; model2vec's default is 0.5), else 0; out holds n_texts * n_outputs.
 * Errors: those of m2v_encode; M2V_ERR_INVALID_ARGUMENT for a regression head (use
 * m2v_classifier_predict_proba) or a NaN threshold; M2V_ERR_BUFFER_TOO_SMALL (nothing
 * written). Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_predict(const m2v_classifier *classifier,
                                                        const char *const *texts, const size_t *lengths,
                                                        size_t n_texts, const m2v_encode_params *params,
                                                        float threshold, int32_t *out,
                                                        size_t out_capacity);

/* The head alone, on vectors you already have (m2v_encode's output with the model's defaults,
 * or vectors from elsewhere): `vectors` is n_vectors x m2v_model_dim() float32, row-major;
 * `out` receives n_vectors * n_outputs floats, the logits (activate 0: the last layer's raw
 * outputs, whose argmax is the single-label prediction) or the activated outputs (activate 1:
 * what m2v_classifier_predict_proba gives). Errors: M2V_ERR_INVALID_ARGUMENT (NULL pointers
 * with n_vectors > 0, activate not 0/1), M2V_ERR_BUFFER_TOO_SMALL (nothing written).
 * Thread-safe. */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_forward(const m2v_classifier *classifier,
                                                        const float *vectors, size_t n_vectors,
                                                        int activate, float *out,
                                                        size_t out_capacity_floats);

/* Write the pipeline folder as model2vec's StaticModelPipeline.save_pretrained: the model's
 * files (as m2v_model_save_v2 with `params`; config.json gets the head's "head_config") and
 * head.safetensors (float32). model2vec.inference.StaticModelPipeline.from_pretrained loads it.
 * Atomic and durable as m2v_model_save. Errors: as m2v_model_save_v2. */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_save(const m2v_classifier *classifier, const char *path,
                                                     const m2v_save_params *params);

/* ---- Training (since 0.5) ---------------------------------------------------------------- */

/* Where a training is, passed to m2v_train_params.progress after every step and validation. */
typedef struct m2v_train_progress {
    size_t epoch;           /* epochs completed                                                  */
    size_t step;            /* optimizer steps done, over all epochs                             */
    size_t steps_per_epoch;
    double train_loss;      /* the last step's loss                                              */
    double val_loss;        /* NaN unless this call follows a validation                         */
    double val_metric;      /* accuracy (single-label), Jaccard accuracy (multi-label) or loss
                             * (regression) of that validation; NaN otherwise                    */
} m2v_train_progress;

/* Return non-zero to cancel the training (M2V_ERR_CANCELLED). Called on the training thread. */
typedef int (*m2v_train_progress_fn)(const m2v_train_progress *progress, void *user_data);

/* Options of m2v_classifier_train(), model2vec 0.10's fit() and constructor arguments with
 * their defaults (m2v_train_default_params()). */
typedef struct m2v_train_params {
    size_t struct_size;          /* sizeof(m2v_train_params); set by m2v_train_default_params()    */
    int32_t n_layers;            /* hidden layers of the head (1); 0 = one linear layer             */
    int32_t hidden_dim;          /* hidden units (512), at most 65,536                              */
    float learning_rate;         /* Adam's learning rate (1e-3)                                     */
    int32_t batch_size;          /* texts per step; 0 = model2vec's automatic size (default)        */
    int32_t min_epochs;          /* epochs before early stopping may stop; -1 = none (default)      */
    int32_t max_epochs;          /* -1 = until early stopping, at most 9999 (default)               */
    int32_t early_stopping_patience; /* validations without improvement (5); -1 = never stop early */
    int32_t validation_steps;    /* validate every this many steps; 0 = model2vec's choice (every
                                  * epoch, or ~4 times an epoch of more than 250 steps)             */
    double test_size;            /* validation split when no validation set is given: a fraction
                                  * in (0, 1) of the texts, at most 10,000 (0.1), or >= 1 a count   */
    uint64_t seed;               /* seeds split, initialization, shuffles, dropout (42); m2v's own
                                  * generator: the same seed gives the same bytes here, not
                                  * model2vec's numbers                                            */
    int32_t freeze;              /* 1 = keep the table fixed (0)                                    */
    int32_t normalize;           /* 1 = L2-normalize pooled vectors, in training and the result (1) */
    int32_t freeze_weights;      /* -1: train the model's token weights, none if it has none
                                  * (default); 0: learn weights from 1; 1: keep them fixed          */
    int32_t max_length;          /* tokens per text: -1 the base model's (default), 0 none, > 0    */
    float token_dropout;         /* fraction of training tokens dropped per step, [0, 1) (0)        */
    float focal_gamma;           /* focal loss gamma, >= 0 (0 = cross-entropy)                      */
    const float *class_weight;   /* NULL, or one weight per class (cross-entropy class weights /
                                  * binary cross-entropy pos_weight); read during the call          */
    int32_t n_threads;           /* threads for tokenizing and pooling; 0 = all cores. The result
                                  * does not depend on it                                           */
    int32_t lazy_embeddings;     /* 1 (default): lazy (sparse) Adam on the rows a step touches —
                                  * faster and smaller on big vocabularies, rare rows move less;
                                  * 0: dense Adam on every table row each step, as model2vec       */
    m2v_train_progress_fn progress; /* optional, NULL = none                                        */
    void *progress_user_data;
} m2v_train_params;

/* model2vec's defaults (above). Thread-safe. */
M2V_API m2v_train_params m2v_train_default_params(void);

/* What is learned from a set of texts: one entry per text. */
typedef struct m2v_train_targets {
    int32_t task;                   /* an m2v_task                                                  */
    int32_t reserved0;              /* 0                                                            */
    size_t n_outputs;               /* classes, or regression values per text                       */
    const char *const *class_names; /* classification: n_outputs NUL-terminated UTF-8 names, in
                                     * the order of the label indices (model2vec sorts them)        */
    const int64_t *class_ids;       /* or, instead of class_names, n_outputs integer labels         */
    const int32_t *labels;          /* single-label: one class index per text; multi-label: n_texts
                                     * x n_outputs 0/1 flags                                        */
    const float *values;            /* regression: n_texts x n_outputs values                       */
} m2v_train_targets;

/* Texts and their targets. */
typedef struct m2v_train_set {
    const char *const *texts;       /* n_texts UTF-8 texts with their byte lengths                  */
    const size_t *lengths;
    size_t n_texts;
    m2v_train_targets targets;
} m2v_train_set;

/* How a training went. */
typedef struct m2v_train_result {
    size_t epochs;                  /* epochs run                                                   */
    size_t steps;                   /* optimizer steps run                                          */
    double best_val_metric;         /* of the checkpoint returned                                   */
} m2v_train_result;

/* Fine-tune `base` on `train` as model2vec.train's StaticModelForClassification.fit (single- or
 * multi-label) or StaticModelForRegression.fit: an MLP head, and the table and token weights
 * under it (unless frozen), trained with Adam, ReduceLROnPlateau and early stopping, the best
 * validation checkpoint kept. `validation` NULL: params->test_size of the texts are split off
 * (stratified for single labels). The result is a new classifier that owns its own copy of the
 * trained model; `base` is not changed. Needs OpenBLAS (libopenblas0) at run time.
 *   result: optional, receives how the training went.
 * Errors: M2V_ERR_INVALID_ARGUMENT (NULL pointers, a label out of range, flags other than 0/1,
 * a bad option: the message names it), M2V_ERR_INVALID_UTF8, M2V_ERR_CANCELLED (the progress
 * callback), M2V_ERR_UNSUPPORTED (no OpenBLAS), M2V_ERR_OUT_OF_MEMORY. Thread-safe; each call
 * uses OpenBLAS with one thread while it runs (openblas_set_num_threads is process-wide: other
 * OpenBLAS users in the process run single-threaded meanwhile). */
M2V_API M2V_NODISCARD m2v_status m2v_classifier_train(const m2v_model *base, const m2v_train_set *train,
                                                      const m2v_train_set *validation,
                                                      const m2v_train_params *params,
                                                      m2v_classifier **out, m2v_train_result *result);

#ifdef __cplusplus
}
#endif

#endif /* M2V_H */
