/* m2v_node.c — the Node.js addon of libm2v (Node-API, no C++): the glue between index.js and
 * include/m2v.h. It owns only what a JavaScript value cannot hold:
 *   - handles: a model or tokenizer is an napi_external around a small box holding the C handle,
 *     a count of asynchronous calls in flight and a closed flag. close() marks the box closed; the
 *     C handle is freed when the last call in flight completes (or at once when none is), so a
 *     close() racing encodeAsync() never frees memory a worker thread still reads. A handle the
 *     program forgets is freed by the external's finalizer (async calls hold a reference, so the
 *     finalizer cannot run while one is in flight).
 *   - texts: one call copies its texts (JS strings as UTF-8, Buffers / Uint8Arrays as raw bytes)
 *     into one malloc'd block of pointers, lengths and bytes, freed when the call ends. V8 writes
 *     a lone UTF-16 surrogate as U+FFFD; raw bytes reach the library's UTF-8 check unchanged.
 *   - errors: a failed m2v call throws (or rejects with) an Error whose `code` is the status name
 *     ("M2V_ERR_NOT_FOUND"), `status` the number and `message` m2v_last_error(), read on the thread
 *     that made the call.
 *   - async calls (encodeAsync, tokenizeAsync): napi_async_work on libuv's pool. The output
 *     ArrayBuffer is allocated on the JS thread before the work is queued and held by a reference,
 *     so the worker writes into memory the GC neither moves nor frees; the JS thread is free
 *     meanwhile.
 *   - classifiers (model2vec pipelines): classifierPredict / classifierPredictProba fill typed
 *     arrays of class indices / probabilities; index.js maps indices to class names.
 * Options arrive from index.js already spelled as m2v.h's integers (-1 = the library's default);
 * defaults, limits and semantics are the library's. Everything here runs on the JS thread except
 * the execute callbacks, which touch only C memory. */
#define NAPI_VERSION 8
#include <node_api.h>

#include <m2v.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ---------------------------------------------------------------------------- */

/* Throw an Error with code = the status name, status = the number, message = msg. */
static void throw_status(napi_env env, int status, const char *msg) {
    napi_value code, message, error, number;
    const char *name = m2v_status_name(status);
    if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok ||
        napi_create_string_utf8(env, msg ? msg : "", NAPI_AUTO_LENGTH, &message) != napi_ok ||
        napi_create_error(env, code, message, &error) != napi_ok ||
        napi_create_int32(env, status, &number) != napi_ok ||
        napi_set_named_property(env, error, "status", number) != napi_ok) {
        napi_throw_error(env, name, msg ? msg : "");
        return;
    }
    napi_throw(env, error);
}

/* After a failed m2v call on this thread: throw its status and m2v_last_error(). */
static void throw_last(napi_env env, int status) { throw_status(env, status, m2v_last_error()); }

static void throw_arg(napi_env env, const char *msg) { throw_status(env, M2V_ERR_INVALID_ARGUMENT, msg); }

/* napi calls that fail leave an exception pending (or not): make sure one is. */
#define NAPI(call)                                                                             \
    do {                                                                                       \
        if ((call) != napi_ok) {                                                               \
            bool pending_ = false;                                                             \
            napi_is_exception_pending(env, &pending_);                                         \
            if (!pending_) throw_status(env, M2V_ERR_INTERNAL, "Node-API call failed: " #call); \
            goto fail;                                                                         \
        }                                                                                      \
    } while (0)

/* ---- handles --------------------------------------------------------------------------- */

enum { KIND_MODEL = 0x6d326d6f, KIND_TOKENIZER = 0x6d32746b, KIND_CLASSIFIER = 0x6d32636c };

static const char *kind_name(uint32_t kind) {
    return kind == KIND_MODEL ? "model" : kind == KIND_TOKENIZER ? "tokenizer" : "classifier";
}

static void kind_free(uint32_t kind, void *ptr) {
    if (kind == KIND_MODEL) m2v_model_free(ptr);
    else if (kind == KIND_TOKENIZER) m2v_tokenizer_free(ptr);
    else m2v_classifier_free(ptr);
}

typedef struct handle_box {
    uint32_t kind;
    uint32_t busy;  /* async calls in flight (changed on the JS thread only) */
    bool closed;
    void *ptr;      /* m2v_model *, m2v_tokenizer * or m2v_classifier *, NULL once freed */
} handle_box;

static void box_release_c(handle_box *box) {
    if (box->ptr == NULL) return;
    kind_free(box->kind, box->ptr);
    box->ptr = NULL;
}

static void box_finalize(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    handle_box *box = data;
    box_release_c(box); /* busy is 0 here: async calls hold a reference to the external */
    free(box);
}

static napi_value box_wrap(napi_env env, uint32_t kind, void *ptr) {
    napi_value ext = NULL;
    handle_box *box = calloc(1, sizeof *box);
    if (box == NULL) {
        kind_free(kind, ptr);
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for a handle");
        return NULL;
    }
    box->kind = kind;
    box->ptr = ptr;
    if (napi_create_external(env, box, box_finalize, NULL, &ext) != napi_ok) {
        box_release_c(box);
        free(box);
        throw_status(env, M2V_ERR_INTERNAL, "napi_create_external failed");
        return NULL;
    }
    return ext;
}

/* The open handle of `kind` in `value`, or NULL with an exception thrown. */
static handle_box *box_get(napi_env env, napi_value value, uint32_t kind) {
    napi_valuetype type;
    void *data = NULL;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
        napi_get_value_external(env, value, &data) != napi_ok || data == NULL ||
        ((handle_box *)data)->kind != kind) {
        char msg[64];
        snprintf(msg, sizeof msg, "not a %s handle", kind_name(kind));
        throw_arg(env, msg);
        return NULL;
    }
    handle_box *box = data;
    if (box->closed || box->ptr == NULL) {
        char msg[64];
        snprintf(msg, sizeof msg, "the %s is closed", kind_name(kind));
        throw_arg(env, msg);
        return NULL;
    }
    return box;
}

static napi_value do_close(napi_env env, napi_callback_info info, uint32_t kind) {
    size_t argc = 1;
    napi_value argv[1];
    void *data = NULL;
    napi_valuetype type;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
        napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external ||
        napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL ||
        ((handle_box *)data)->kind != kind) {
        throw_arg(env, "close: not a handle of this kind");
        return NULL;
    }
    handle_box *box = data;
    box->closed = true;
    if (box->busy == 0) box_release_c(box);
    return NULL;
}

static napi_value model_close(napi_env env, napi_callback_info info) { return do_close(env, info, KIND_MODEL); }
static napi_value tokenizer_close(napi_env env, napi_callback_info info) {
    return do_close(env, info, KIND_TOKENIZER);
}
static napi_value classifier_close(napi_env env, napi_callback_info info) {
    return do_close(env, info, KIND_CLASSIFIER);
}

/* ---- arguments ------------------------------------------------------------------------- */

/* A UTF-8 path/string argument, malloc'd (NUL-terminated; embedded NULs are refused). */
static char *get_cstring(napi_env env, napi_value value, const char *what) {
    napi_valuetype type;
    size_t len = 0;
    char *s = NULL;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be a string", what);
        throw_arg(env, msg);
        return NULL;
    }
    if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok || len > SIZE_MAX - 1 ||
        (s = malloc(len + 1)) == NULL) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for a string argument");
        return NULL;
    }
    size_t got = 0;
    if (napi_get_value_string_utf8(env, value, s, len + 1, &got) != napi_ok || strlen(s) != got) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must not contain a NUL character", what);
        free(s);
        throw_arg(env, msg);
        return NULL;
    }
    return s;
}

static bool get_int32(napi_env env, napi_value value, int32_t *out, const char *what) {
    napi_valuetype type;
    double d = 0;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_number ||
        napi_get_value_double(env, value, &d) != napi_ok || d != d || d < -2147483648.0 ||
        d > 2147483647.0 || (double)(int32_t)d != d) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be an integer in int32 range", what);
        throw_arg(env, msg);
        return false;
    }
    *out = (int32_t)d;
    return true;
}

/* Texts copied into one block: n pointers, n lengths, then the bytes. */
typedef struct text_block {
    size_t n;
    const char **ptrs;
    size_t *lens;
    void *block;
} text_block;

static void texts_free(text_block *t) {
    free(t->block);
    memset(t, 0, sizeof *t);
}

/* Is `value` a Buffer / Uint8Array / Int8Array / Uint8ClampedArray? Then its bytes. */
static bool byte_view(napi_env env, napi_value value, const char **data, size_t *len) {
    bool is_typed = false;
    if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *base = NULL;
    napi_value ab;
    if (napi_get_typedarray_info(env, value, &type, &length, &base, &ab, &offset) != napi_ok) return false;
    if (type != napi_uint8_array && type != napi_int8_array && type != napi_uint8_clamped_array) return false;
    *data = base;
    *len = length;
    return true;
}

static bool texts_get(napi_env env, napi_value array, text_block *out) {
    memset(out, 0, sizeof *out);
    bool is_array = false;
    uint32_t n = 0;
    if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, array, &n) != napi_ok) {
        throw_arg(env, "texts must be an array of strings or Uint8Arrays");
        return false;
    }
    /* Pass 1: sizes. */
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        napi_valuetype type;
        const char *data;
        size_t len = 0;
        if (napi_get_element(env, array, i, &v) != napi_ok || napi_typeof(env, v, &type) != napi_ok) return false;
        if (type == napi_string) {
            if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return false;
        } else if (!byte_view(env, v, &data, &len)) {
            char msg[96];
            snprintf(msg, sizeof msg, "texts[%u] is not a string or a Uint8Array", i);
            throw_arg(env, msg);
            return false;
        }
        if (len > SIZE_MAX - bytes - 1) goto oom;
        bytes += len + 1;
    }
    size_t head = (size_t)n * (sizeof(char *) + sizeof(size_t));
    if (bytes > SIZE_MAX - head) goto oom;
    out->block = malloc(head + bytes + 1);
    if (out->block == NULL) goto oom;
    out->n = n;
    out->ptrs = (const char **)out->block;
    out->lens = (size_t *)((char *)out->block + (size_t)n * sizeof(char *));
    char *cursor = (char *)out->block + head;
    /* Pass 2: copy. A string's length is taken again: a getter may not change an array's
     * elements between the passes (they are plain values), but the copy is bounded anyway. */
    size_t left = bytes + 1;
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        napi_valuetype type;
        const char *data;
        size_t len = 0;
        if (napi_get_element(env, array, i, &v) != napi_ok || napi_typeof(env, v, &type) != napi_ok) goto fail;
        if (type == napi_string) {
            if (napi_get_value_string_utf8(env, v, cursor, left, &len) != napi_ok) goto fail;
        } else if (byte_view(env, v, &data, &len)) {
            if (len >= left) goto changed;
            if (len) memcpy(cursor, data, len);
        } else {
            goto changed;
        }
        if (len >= left) goto changed;
        out->ptrs[i] = cursor;
        out->lens[i] = len;
        cursor += len + 1;
        left -= len + 1;
    }
    return true;
oom:
    texts_free(out);
    throw_status(env, M2V_ERR_OUT_OF_MEMORY, "the texts do not fit in memory");
    return false;
changed:
    texts_free(out);
    throw_arg(env, "texts changed while they were read");
    return false;
fail:
    texts_free(out);
    return false;
}

/* Encode options from index.js: an Int32Array of 6 entries, m2v_encode_params' fields in the
 * order max_length, normalize, n_threads, batch_size, character_cut, invalid_text; -1 = the
 * library's default. */
static bool params_get(napi_env env, napi_value value, m2v_encode_params *p) {
    *p = m2v_encode_default_params();
    napi_valuetype vt;
    if (napi_typeof(env, value, &vt) != napi_ok) return false;
    if (vt == napi_undefined || vt == napi_null) return true;
    bool is_typed = false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *base = NULL;
    napi_value ab;
    if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
        napi_get_typedarray_info(env, value, &type, &length, &base, &ab, &offset) != napi_ok ||
        type != napi_int32_array || length != 6) {
        throw_arg(env, "encode options: internal shape mismatch (index.js and the addon differ)");
        return false;
    }
    /* -1 keeps the library's default for every field (for max_length and normalize -1 is
     * itself m2v.h's "default"). */
    const int32_t *f = base;
    p->max_length = f[0];
    p->normalize = f[1];
    if (f[2] != -1) p->n_threads = f[2];
    if (f[3] != -1) {
        if (f[3] < 0) {
            throw_arg(env, "batchSize must be >= 0");
            return false;
        }
        p->batch_size = (size_t)f[3];
    }
    if (f[4] != -1) p->character_cut = f[4];
    if (f[5] != -1) p->invalid_text = f[5];
    return true;
}

/* An optional Int32Array of exactly n entries for text_status (undefined/null = none). */
static bool status_get(napi_env env, napi_value value, size_t n, int32_t **out) {
    *out = NULL;
    napi_valuetype vt;
    if (napi_typeof(env, value, &vt) != napi_ok) return false;
    if (vt == napi_undefined || vt == napi_null) return true;
    bool is_typed = false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *base = NULL;
    napi_value ab;
    if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
        napi_get_typedarray_info(env, value, &type, &length, &base, &ab, &offset) != napi_ok ||
        type != napi_int32_array || length != n) {
        throw_arg(env, "textStatus must be an Int32Array with one entry per text");
        return false;
    }
    *out = base;
    return true;
}

/* A new Float32Array of `count` floats; its data pointer in *data. */
static bool new_float32(napi_env env, size_t count, napi_value *array, float **data) {
    napi_value ab;
    void *base = NULL;
    if (count > SIZE_MAX / sizeof(float) ||
        napi_create_arraybuffer(env, count * sizeof(float), &base, &ab) != napi_ok ||
        napi_create_typedarray(env, napi_float32_array, count, ab, 0, array) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value ignored;
            napi_get_and_clear_last_exception(env, &ignored);
        }
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "the output does not fit in an ArrayBuffer");
        return false;
    }
    *data = base;
    return true;
}

/* ids + offsets (as a Float64Array: size_t offsets, exact up to 2^53) as {ids, offsets}. */
static napi_value ids_to_js(napi_env env, const m2v_ids *ids) {
    napi_value result = NULL, id_array, off_array, ab;
    void *base = NULL;
    size_t total = ids->offsets[ids->n_texts];
    NAPI(napi_create_arraybuffer(env, total * sizeof(int32_t), &base, &ab));
    if (total) memcpy(base, ids->ids, total * sizeof(int32_t));
    NAPI(napi_create_typedarray(env, napi_int32_array, total, ab, 0, &id_array));
    NAPI(napi_create_arraybuffer(env, (ids->n_texts + 1) * sizeof(double), &base, &ab));
    for (size_t i = 0; i <= ids->n_texts; i++) ((double *)base)[i] = (double)ids->offsets[i];
    NAPI(napi_create_typedarray(env, napi_float64_array, ids->n_texts + 1, ab, 0, &off_array));
    NAPI(napi_create_object(env, &result));
    NAPI(napi_set_named_property(env, result, "ids", id_array));
    NAPI(napi_set_named_property(env, result, "offsets", off_array));
    return result;
fail:
    return NULL;
}

/* ---- library-wide ---------------------------------------------------------------------- */

static napi_value version(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value v = NULL;
    NAPI(napi_create_string_utf8(env, m2v_version_string(), NAPI_AUTO_LENGTH, &v));
fail:
    return v;
}

static napi_value hub_resolve(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL;
    char *id = NULL, *out = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1) {
        throw_arg(env, "hubResolve(pathOrId)");
        return NULL;
    }
    if ((id = get_cstring(env, argv[0], "pathOrId")) == NULL) return NULL;
    size_t need = 0;
    m2v_status st = m2v_hub_resolve(id, NULL, 0, &need);
    if (st == M2V_ERR_BUFFER_TOO_SMALL && need > 0 && (out = malloc(need)) != NULL)
        st = m2v_hub_resolve(id, out, need, &need);
    else if (st == M2V_ERR_BUFFER_TOO_SMALL)
        st = M2V_ERR_OUT_OF_MEMORY;
    if (st != M2V_OK) {
        throw_last(env, st);
        goto fail;
    }
    NAPI(napi_create_string_utf8(env, out, NAPI_AUTO_LENGTH, &result));
fail:
    free(id);
    free(out);
    return result;
}

/* ---- models ---------------------------------------------------------------------------- */

/* load(path, Int32Array[normalize, maxLength, mmap]) -> handle (m2v_load_params' fields; -1 =
 * the library's default) */
static napi_value model_load(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    char *path = NULL;
    napi_value result = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 2) {
        throw_arg(env, "load(path, params)");
        return NULL;
    }
    if ((path = get_cstring(env, argv[0], "path")) == NULL) return NULL;
    m2v_load_params params = m2v_load_default_params();
    bool is_typed = false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *base = NULL;
    napi_value ab;
    NAPI(napi_is_typedarray(env, argv[1], &is_typed));
    if (!is_typed || napi_get_typedarray_info(env, argv[1], &type, &length, &base, &ab, &offset) != napi_ok ||
        type != napi_int32_array || length != 3) {
        throw_arg(env, "load options: internal shape mismatch (index.js and the addon differ)");
        goto fail;
    }
    params.normalize = ((int32_t *)base)[0];
    params.max_length = ((int32_t *)base)[1];
    if (((int32_t *)base)[2] != -1) params.mmap = ((int32_t *)base)[2]; /* -1: the default */
    m2v_model *model = NULL;
    m2v_status st = m2v_model_load(path, &params, &model);
    if (st != M2V_OK) {
        throw_last(env, st);
        goto fail;
    }
    result = box_wrap(env, KIND_MODEL, model);
fail:
    free(path);
    return result;
}

/* info(handle) -> {dim, vocabSize, normalize, maxLength, medianTokenLength, unkTokenId} */
static napi_value model_info(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL, v;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    handle_box *box = argc ? box_get(env, argv[0], KIND_MODEL) : (throw_arg(env, "info(handle)"), NULL);
    if (box == NULL) return NULL;
    const m2v_model *m = box->ptr;
    NAPI(napi_create_object(env, &result));
    NAPI(napi_create_double(env, (double)m2v_model_dim(m), &v));
    NAPI(napi_set_named_property(env, result, "dim", v));
    NAPI(napi_create_double(env, (double)m2v_model_vocab_size(m), &v));
    NAPI(napi_set_named_property(env, result, "vocabSize", v));
    NAPI(napi_get_boolean(env, m2v_model_normalize(m) == 1, &v));
    NAPI(napi_set_named_property(env, result, "normalize", v));
    NAPI(napi_create_double(env, (double)m2v_model_max_length(m), &v));
    NAPI(napi_set_named_property(env, result, "maxLength", v));
    NAPI(napi_create_double(env, (double)m2v_model_median_token_length(m), &v));
    NAPI(napi_set_named_property(env, result, "medianTokenLength", v));
    NAPI(napi_create_int32(env, m2v_model_unk_token_id(m), &v));
    NAPI(napi_set_named_property(env, result, "unkTokenId", v));
    return result;
fail:
    return NULL;
}

/* token(handle, id) -> string | null */
static napi_value model_token(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2], result = NULL;
    int32_t id;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 2) {
        throw_arg(env, "token(handle, id)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_MODEL);
    if (box == NULL || !get_int32(env, argv[1], &id, "id")) return NULL;
    size_t len = 0;
    const char *s = m2v_model_token(box->ptr, id, &len);
    if (s == NULL) NAPI(napi_get_null(env, &result));
    else NAPI(napi_create_string_utf8(env, s, len, &result));
fail:
    return result;
}

/* encode(handle, texts, params, out | undefined, textStatus | undefined) -> Float32Array
 * (n * dim floats, row-major; `out` itself when given). */
static napi_value model_encode(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5], result = NULL;
    text_block texts = {0};
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 5) {
        throw_arg(env, "encode(handle, texts, params, out, textStatus)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_MODEL);
    m2v_encode_params params;
    if (box == NULL || !params_get(env, argv[2], &params) || !texts_get(env, argv[1], &texts)) goto fail;
    if (!status_get(env, argv[4], texts.n, &params.text_status)) goto fail;
    size_t dim = m2v_model_dim(box->ptr);
    if (texts.n && dim > SIZE_MAX / texts.n) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "texts x dim overflows");
        goto fail;
    }
    float *data = NULL;
    size_t capacity = texts.n * dim;
    napi_valuetype out_type;
    NAPI(napi_typeof(env, argv[3], &out_type));
    if (out_type == napi_undefined || out_type == napi_null) {
        if (!new_float32(env, capacity, &result, &data)) goto fail;
    } else {
        bool is_typed = false;
        napi_typedarray_type type;
        size_t length = 0, offset = 0;
        void *base = NULL;
        napi_value ab;
        NAPI(napi_is_typedarray(env, argv[3], &is_typed));
        if (!is_typed || napi_get_typedarray_info(env, argv[3], &type, &length, &base, &ab, &offset) != napi_ok ||
            type != napi_float32_array) {
            throw_arg(env, "out must be a Float32Array");
            goto fail;
        }
        data = base;
        capacity = length;
        result = argv[3];
    }
    m2v_status st = m2v_encode(box->ptr, texts.ptrs, texts.lens, texts.n, &params, data, capacity);
    if (st != M2V_OK) {
        throw_last(env, st);
        result = NULL;
    }
fail:
    texts_free(&texts);
    return result;
}

/* tokenize(handle, texts, params, textStatus | undefined) -> {ids, offsets} (encode's ids) */
static napi_value model_tokenize(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], result = NULL;
    text_block texts = {0};
    m2v_ids *ids = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 4) {
        throw_arg(env, "tokenize(handle, texts, params, textStatus)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_MODEL);
    m2v_encode_params params;
    if (box == NULL || !params_get(env, argv[2], &params) || !texts_get(env, argv[1], &texts)) goto fail;
    if (!status_get(env, argv[3], texts.n, &params.text_status)) goto fail;
    m2v_status st = m2v_tokenize(box->ptr, texts.ptrs, texts.lens, texts.n, &params, &ids);
    if (st != M2V_OK) {
        throw_last(env, st);
        goto fail;
    }
    result = ids_to_js(env, ids);
fail:
    m2v_ids_free(ids);
    texts_free(&texts);
    return result;
}

/* encodeAsSequence(handle, texts, params) -> {vectors: Float32Array, offsets: Float64Array} */
static napi_value model_encode_as_sequence(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], result = NULL, vectors, off_array, ab;
    text_block texts = {0};
    m2v_sequence *seq = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 3) {
        throw_arg(env, "encodeAsSequence(handle, texts, params)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_MODEL);
    m2v_encode_params params;
    if (box == NULL || !params_get(env, argv[2], &params) || !texts_get(env, argv[1], &texts)) goto fail;
    m2v_status st = m2v_encode_as_sequence(box->ptr, texts.ptrs, texts.lens, texts.n, &params, &seq);
    if (st != M2V_OK) {
        throw_last(env, st);
        goto fail;
    }
    float *data = NULL;
    size_t count = seq->offsets[seq->n_texts] * seq->dim;
    if (!new_float32(env, count, &vectors, &data)) goto fail;
    if (count) memcpy(data, seq->vectors, count * sizeof(float));
    void *base = NULL;
    NAPI(napi_create_arraybuffer(env, (seq->n_texts + 1) * sizeof(double), &base, &ab));
    for (size_t i = 0; i <= seq->n_texts; i++) ((double *)base)[i] = (double)seq->offsets[i];
    NAPI(napi_create_typedarray(env, napi_float64_array, seq->n_texts + 1, ab, 0, &off_array));
    NAPI(napi_create_object(env, &result));
    NAPI(napi_set_named_property(env, result, "vectors", vectors));
    NAPI(napi_set_named_property(env, result, "offsets", off_array));
fail:
    m2v_sequence_free(seq);
    texts_free(&texts);
    return result;
}

/* ---- async encode ---------------------------------------------------------------------- */

typedef struct encode_work {
    napi_async_work work;
    napi_deferred deferred;
    napi_ref handle_ref; /* the model's external: keeps the box alive */
    napi_ref out_ref;    /* the output Float32Array */
    napi_ref status_ref; /* the textStatus Int32Array, or NULL */
    handle_box *box;
    text_block texts;
    m2v_encode_params params;
    float *out;
    size_t capacity;
    m2v_status status;
    char *message; /* m2v_last_error() copied on the worker thread */
} encode_work;

static void encode_execute(napi_env env, void *data) {
    (void)env;
    encode_work *w = data;
    w->status = m2v_encode(w->box->ptr, w->texts.ptrs, w->texts.lens, w->texts.n, &w->params, w->out, w->capacity);
    if (w->status != M2V_OK) {
        const char *m = m2v_last_error();
        size_t len = strlen(m);
        w->message = malloc(len + 1);
        if (w->message) memcpy(w->message, m, len + 1);
    }
}

static void encode_complete(napi_env env, napi_status napi_st, void *data) {
    encode_work *w = data;
    napi_value out = NULL, error = NULL;
    if (napi_st == napi_cancelled) {
        w->status = M2V_ERR_CANCELLED;
    }
    if (w->status == M2V_OK && napi_get_reference_value(env, w->out_ref, &out) == napi_ok && out != NULL) {
        napi_resolve_deferred(env, w->deferred, out);
    } else {
        int st = w->status == M2V_OK ? M2V_ERR_INTERNAL : w->status;
        throw_status(env, st, w->message ? w->message : (w->status == M2V_OK ? "lost the output" : "encode failed"));
        napi_get_and_clear_last_exception(env, &error);
        napi_reject_deferred(env, w->deferred, error);
    }
    w->box->busy--;
    if (w->box->closed && w->box->busy == 0) box_release_c(w->box);
    napi_delete_reference(env, w->handle_ref);
    napi_delete_reference(env, w->out_ref);
    if (w->status_ref) napi_delete_reference(env, w->status_ref);
    napi_delete_async_work(env, w->work);
    texts_free(&w->texts);
    free(w->message);
    free(w);
}

/* encodeAsync(handle, texts, params, textStatus | undefined) -> Promise<Float32Array> */
static napi_value model_encode_async(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], promise = NULL, out, name;
    encode_work *w = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 4) {
        throw_arg(env, "encodeAsync(handle, texts, params, textStatus)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_MODEL);
    if (box == NULL) return NULL;
    if ((w = calloc(1, sizeof *w)) == NULL) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    if (!params_get(env, argv[2], &w->params) || !texts_get(env, argv[1], &w->texts)) goto fail;
    if (!status_get(env, argv[3], w->texts.n, &w->params.text_status)) goto fail;
    /* Progress callbacks run on the calling (worker) thread: JS cannot be called there. */
    w->params.progress = NULL;
    size_t dim = m2v_model_dim(box->ptr);
    if (w->texts.n && dim > SIZE_MAX / w->texts.n) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "texts x dim overflows");
        goto fail;
    }
    w->capacity = w->texts.n * dim;
    if (!new_float32(env, w->capacity, &out, &w->out)) goto fail;
    NAPI(napi_create_reference(env, out, 1, &w->out_ref));
    NAPI(napi_create_reference(env, argv[0], 1, &w->handle_ref));
    if (w->params.text_status) NAPI(napi_create_reference(env, argv[3], 1, &w->status_ref));
    NAPI(napi_create_string_utf8(env, "m2v.encodeAsync", NAPI_AUTO_LENGTH, &name));
    NAPI(napi_create_async_work(env, NULL, name, encode_execute, encode_complete, w, &w->work));
    NAPI(napi_create_promise(env, &w->deferred, &promise));
    w->box = box;
    NAPI(napi_queue_async_work(env, w->work));
    box->busy++;
    return promise;
fail:
    /* Nothing was queued: undo what was made. A promise made just before a failed queue is
     * dropped unresolved; the exception is what the caller sees. */
    if (w) {
        if (w->out_ref) napi_delete_reference(env, w->out_ref);
        if (w->handle_ref) napi_delete_reference(env, w->handle_ref);
        if (w->status_ref) napi_delete_reference(env, w->status_ref);
        if (w->work) napi_delete_async_work(env, w->work);
        texts_free(&w->texts);
        free(w);
    }
    return NULL;
}

/* ---- tokenizers ------------------------------------------------------------------------ */

/* tokenizerLoad(path) / tokenizerFromString(json) -> handle */
static napi_value tokenizer_load(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL;
    char *path = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1) {
        throw_arg(env, "tokenizerLoad(path)");
        return NULL;
    }
    if ((path = get_cstring(env, argv[0], "path")) == NULL) return NULL;
    m2v_tokenizer *tok = NULL;
    m2v_status st = m2v_tokenizer_load(path, &tok);
    if (st != M2V_OK) throw_last(env, st);
    else result = box_wrap(env, KIND_TOKENIZER, tok);
fail:
    free(path);
    return result;
}

static napi_value tokenizer_from_string(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL;
    text_block json = {0};
    napi_value array;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1) {
        throw_arg(env, "tokenizerFromString(json)");
        return NULL;
    }
    /* One text: the JSON as a string or bytes (embedded NULs are the library's to judge). */
    NAPI(napi_create_array_with_length(env, 1, &array));
    NAPI(napi_set_element(env, array, 0, argv[0]));
    if (!texts_get(env, array, &json)) return NULL;
    m2v_tokenizer *tok = NULL;
    m2v_status st = m2v_tokenizer_load_from_memory(json.ptrs[0], json.lens[0], &tok);
    if (st != M2V_OK) throw_last(env, st);
    else result = box_wrap(env, KIND_TOKENIZER, tok);
fail:
    texts_free(&json);
    return result;
}

static napi_value tokenizer_vocab_size(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    handle_box *box = argc ? box_get(env, argv[0], KIND_TOKENIZER) : (throw_arg(env, "vocabSize(handle)"), NULL);
    if (box == NULL) return NULL;
    NAPI(napi_create_double(env, (double)m2v_tokenizer_vocab_size(box->ptr), &result));
fail:
    return result;
}

/* tokenizerToken(handle, id) -> string | null */
static napi_value tokenizer_token(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2], result = NULL;
    int32_t id;
    char small[256], *buf = small;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 2) {
        throw_arg(env, "tokenizerToken(handle, id)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_TOKENIZER);
    if (box == NULL || !get_int32(env, argv[1], &id, "id")) return NULL;
    size_t size = 0;
    m2v_status st = m2v_tokenizer_token(box->ptr, id, small, sizeof small, &size);
    if (st == M2V_ERR_BUFFER_TOO_SMALL) {
        if ((buf = malloc(size ? size : 1)) == NULL) {
            throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for a token");
            return NULL;
        }
        st = m2v_tokenizer_token(box->ptr, id, buf, size, &size);
    }
    if (st == M2V_ERR_NOT_FOUND) NAPI(napi_get_null(env, &result));
    else if (st != M2V_OK) throw_last(env, st);
    else NAPI(napi_create_string_utf8(env, buf, size, &result));
fail:
    if (buf != small) free(buf);
    return result;
}

/* tokenizerEncode(handle, texts, Int32Array[add_special_tokens, truncation,
 *   truncation_direction, padding, pad_length, pad_id, pad_to_multiple_of, pad_direction])
 *   -> {ids, offsets} */
static napi_value tokenizer_encode(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], result = NULL, ab;
    text_block texts = {0};
    m2v_ids *ids = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 3) {
        throw_arg(env, "tokenizerEncode(handle, texts, params)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_TOKENIZER);
    if (box == NULL) return NULL;
    bool is_typed = false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *base = NULL;
    NAPI(napi_is_typedarray(env, argv[2], &is_typed));
    if (!is_typed || napi_get_typedarray_info(env, argv[2], &type, &length, &base, &ab, &offset) != napi_ok ||
        type != napi_int32_array || length != 8) {
        throw_arg(env, "tokenizer options: internal shape mismatch (index.js and the addon differ)");
        return NULL;
    }
    const int32_t *f = base;
    m2v_tokenizer_encode_params p = m2v_tokenizer_encode_default_params();
    p.add_special_tokens = f[0];
    p.truncation = f[1];
    p.truncation_direction = f[2];
    p.padding = f[3];
    p.pad_length = f[4];
    p.pad_id = f[5];
    p.pad_to_multiple_of = f[6];
    p.pad_direction = f[7];
    if (!texts_get(env, argv[1], &texts)) return NULL;
    m2v_status st = m2v_tokenizer_encode_v2(box->ptr, texts.ptrs, texts.lens, texts.n, &p, &ids);
    if (st != M2V_OK) throw_last(env, st);
    else result = ids_to_js(env, ids);
fail:
    m2v_ids_free(ids);
    texts_free(&texts);
    return result;
}

/* ---- classifiers ----------------------------------------------------------------------- */

/* classifierLoad(path) -> handle (a model2vec pipeline folder or cached hub id) */
static napi_value classifier_load(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL;
    char *path = NULL;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1) {
        throw_arg(env, "classifierLoad(path)");
        return NULL;
    }
    if ((path = get_cstring(env, argv[0], "path")) == NULL) return NULL;
    m2v_classifier *c = NULL;
    m2v_status st = m2v_classifier_load(path, NULL, &c);
    if (st != M2V_OK) throw_last(env, st);
    else result = box_wrap(env, KIND_CLASSIFIER, c);
fail:
    free(path);
    return result;
}

/* classifierInfo(handle) -> {task, nOutputs, nLayers, dim, classes: [{name, isInteger}]} */
static napi_value classifier_info(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result = NULL, v, classes, entry;
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    handle_box *box = argc ? box_get(env, argv[0], KIND_CLASSIFIER) : (throw_arg(env, "classifierInfo(handle)"), NULL);
    if (box == NULL) return NULL;
    const m2v_classifier *c = box->ptr;
    NAPI(napi_create_object(env, &result));
    NAPI(napi_create_int32(env, m2v_classifier_task(c), &v));
    NAPI(napi_set_named_property(env, result, "task", v));
    NAPI(napi_create_double(env, (double)m2v_classifier_n_outputs(c), &v));
    NAPI(napi_set_named_property(env, result, "nOutputs", v));
    NAPI(napi_create_double(env, (double)m2v_classifier_n_layers(c), &v));
    NAPI(napi_set_named_property(env, result, "nLayers", v));
    NAPI(napi_create_double(env, (double)m2v_model_dim(m2v_classifier_model(c)), &v));
    NAPI(napi_set_named_property(env, result, "dim", v));
    size_t n = m2v_classifier_n_classes(c);
    NAPI(napi_create_array_with_length(env, n, &classes));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *name = m2v_classifier_class_name(c, i, &len);
        NAPI(napi_create_object(env, &entry));
        NAPI(napi_create_string_utf8(env, name ? name : "", name ? len : 0, &v));
        NAPI(napi_set_named_property(env, entry, "name", v));
        NAPI(napi_get_boolean(env, m2v_classifier_class_is_integer(c, i) == 1, &v));
        NAPI(napi_set_named_property(env, entry, "isInteger", v));
        NAPI(napi_set_element(env, classes, (uint32_t)i, entry));
    }
    NAPI(napi_set_named_property(env, result, "classes", classes));
    return result;
fail:
    return NULL;
}

/* classifierPredictProba(handle, texts, params) -> Float32Array (n * nOutputs, row-major)
 * classifierPredict(handle, texts, params, threshold) -> Int32Array (single-label: n class
 *   indices; multi-label: n * nOutputs 0/1 flags) */
static napi_value classifier_run(napi_env env, napi_callback_info info, bool proba) {
    size_t argc = 4;
    napi_value argv[4], result = NULL, ab;
    text_block texts = {0};
    NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < (proba ? 3u : 4u)) {
        throw_arg(env, proba ? "classifierPredictProba(handle, texts, params)"
                             : "classifierPredict(handle, texts, params, threshold)");
        return NULL;
    }
    handle_box *box = box_get(env, argv[0], KIND_CLASSIFIER);
    m2v_encode_params params;
    double threshold = 0.5;
    if (box == NULL || !params_get(env, argv[2], &params)) goto fail;
    if (!proba) {
        napi_valuetype vt;
        NAPI(napi_typeof(env, argv[3], &vt));
        if (vt != napi_number) {
            throw_arg(env, "threshold must be a number");
            goto fail;
        }
        NAPI(napi_get_value_double(env, argv[3], &threshold));
    }
    if (!texts_get(env, argv[1], &texts)) goto fail;
    const m2v_classifier *c = box->ptr;
    size_t per_text = proba || m2v_classifier_task(c) == M2V_TASK_MULTI_LABEL ? m2v_classifier_n_outputs(c) : 1;
    if (texts.n && per_text > SIZE_MAX / sizeof(float) / texts.n) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "texts x outputs overflows");
        goto fail;
    }
    size_t count = texts.n * per_text;
    m2v_status st;
    if (proba) {
        float *data = NULL;
        if (!new_float32(env, count, &result, &data)) goto fail;
        st = m2v_classifier_predict_proba(c, texts.ptrs, texts.lens, texts.n, &params, data, count);
    } else {
        void *base = NULL;
        NAPI(napi_create_arraybuffer(env, count * sizeof(int32_t), &base, &ab));
        NAPI(napi_create_typedarray(env, napi_int32_array, count, ab, 0, &result));
        st = m2v_classifier_predict(c, texts.ptrs, texts.lens, texts.n, &params, (float)threshold, base, count);
    }
    if (st != M2V_OK) {
        throw_last(env, st);
        result = NULL;
    }
fail:
    texts_free(&texts);
    return result;
}

static napi_value classifier_predict_proba(napi_env env, napi_callback_info info) {
    return classifier_run(env, info, true);
}
static napi_value classifier_predict(napi_env env, napi_callback_info info) { return classifier_run(env, info, false); }

/* ---- module ---------------------------------------------------------------------------- */

static napi_value init(napi_env env, napi_value exports) {
    const napi_property_descriptor props[] = {
        {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
        {"hubResolve", NULL, hub_resolve, NULL, NULL, NULL, napi_default, NULL},
        {"load", NULL, model_load, NULL, NULL, NULL, napi_default, NULL},
        {"close", NULL, model_close, NULL, NULL, NULL, napi_default, NULL},
        {"info", NULL, model_info, NULL, NULL, NULL, napi_default, NULL},
        {"token", NULL, model_token, NULL, NULL, NULL, napi_default, NULL},
        {"encode", NULL, model_encode, NULL, NULL, NULL, napi_default, NULL},
        {"encodeAsync", NULL, model_encode_async, NULL, NULL, NULL, napi_default, NULL},
        {"tokenize", NULL, model_tokenize, NULL, NULL, NULL, napi_default, NULL},
        {"encodeAsSequence", NULL, model_encode_as_sequence, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerLoad", NULL, tokenizer_load, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerFromString", NULL, tokenizer_from_string, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerClose", NULL, tokenizer_close, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerVocabSize", NULL, tokenizer_vocab_size, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerToken", NULL, tokenizer_token, NULL, NULL, NULL, napi_default, NULL},
        {"tokenizerEncode", NULL, tokenizer_encode, NULL, NULL, NULL, napi_default, NULL},
        {"classifierLoad", NULL, classifier_load, NULL, NULL, NULL, napi_default, NULL},
        {"classifierClose", NULL, classifier_close, NULL, NULL, NULL, napi_default, NULL},
        {"classifierInfo", NULL, classifier_info, NULL, NULL, NULL, napi_default, NULL},
        {"classifierPredict", NULL, classifier_predict, NULL, NULL, NULL, napi_default, NULL},
        {"classifierPredictProba", NULL, classifier_predict_proba, NULL, NULL, NULL, napi_default, NULL},
    };
    if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
