/*
 * _core.c — m2v_native._core, the CPython glue over include/m2v.h (libm2v.so).
 *
 * This module owns no logic of its own: it converts Python arguments into the C API's types,
 * releases the GIL around every m2v call that does work, and converts results and m2v_status
 * codes back into Python objects and exceptions. The user-facing API (StaticModel, Tokenizer)
 * lives in the pure-Python package m2v_native/__init__.py.
 *
 * Objects
 *   Model      owns one m2v_model*          (m2v_model_free in tp_dealloc)
 *   Tokenizer  owns one m2v_tokenizer*      (m2v_tokenizer_free in tp_dealloc)
 *   FloatArray owns one float32 block       (PyMem_RawFree in tp_dealloc) and exports it through
 *              the buffer protocol as a writable, C-contiguous 2-D array of format "f", so that
 *              numpy.asarray(obj) is a zero-copy (rows, cols) float32 array. No numpy at build time.
 *
 * Threads
 *   Texts are converted to UTF-8 while holding the GIL; the objects that own the bytes (the str
 *   itself for ASCII strings, a bytes copy otherwise) are kept referenced for the whole call, so
 *   another Python thread mutating the input list cannot free them. The GIL is then released
 *   (Py_BEGIN_ALLOW_THREADS) for the m2v call: any number of Python threads may encode with one
 *   model at once (a loaded m2v_model is immutable). The progress callback of m2v_encode_params
 *   runs on the calling thread between batches; it re-acquires the GIL (PyGILState_Ensure), calls
 *   the optional Python progress callable and PyErr_CheckSignals() so Ctrl-C cancels the call.
 *
 * Errors
 *   Every failing m2v call is turned into an exception carrying m2v_last_error(), read on the
 *   same thread right after the call. Each function has a single exit (`done:`) that releases
 *   everything it acquired; comments say who owns what.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <m2v.h>

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Exceptions                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The hierarchy (all created in module init, owned by the module):
 *   M2VError(Exception)                     base of every error raised from an m2v status
 *     InvalidArgumentError(M2VError, ValueError)   M2V_ERR_INVALID_ARGUMENT
 *     FormatError(M2VError, ValueError)            M2V_ERR_FORMAT
 *     UnsupportedError(M2VError, ValueError)       M2V_ERR_UNSUPPORTED
 *     InvalidUTF8Error(M2VError, ValueError)       M2V_ERR_INVALID_UTF8 and lone surrogates
 *     NotFoundError(M2VError, FileNotFoundError)   M2V_ERR_NOT_FOUND
 *     FileAccessError(M2VError, OSError)           M2V_ERR_IO
 *     OutOfMemoryError(M2VError, MemoryError)      M2V_ERR_OUT_OF_MEMORY
 *     InternalError(M2VError, RuntimeError)        M2V_ERR_BUFFER_TOO_SMALL, M2V_ERR_INTERNAL
 *   M2V_ERR_CANCELLED raises KeyboardInterrupt (or the exception that caused the cancel).
 * Each instance has the attributes `status` (e.g. "M2V_ERR_FORMAT") and `code` (the int). */
static PyObject *M2VError, *InvalidArgumentError, *FormatError, *UnsupportedError,
    *InvalidUTF8Error, *NotFoundError, *FileAccessError, *OutOfMemoryError, *InternalError;

/* Raises the exception for a failed m2v call; always returns NULL. Must run on the thread that
 * made the call, before any other m2v call there (m2v_last_error() is per thread and valid only
 * until the next m2v call). */
static PyObject *raise_status(m2v_status st) {
    /* Copy the message first: m2v_status_name below is an m2v call. */
    const char *raw = m2v_last_error();
    PyObject *msg = PyUnicode_DecodeUTF8(raw, (Py_ssize_t)strlen(raw), "replace"); /* owned */
    PyObject *exc = NULL;                                                              /* owned */
    PyObject *type;                                                                    /* borrowed */
    if (!msg) return NULL;
    switch (st) {
    case M2V_ERR_INVALID_ARGUMENT: type = InvalidArgumentError; break;
    case M2V_ERR_NOT_FOUND: type = NotFoundError; break;
    case M2V_ERR_IO: type = FileAccessError; break;
    case M2V_ERR_FORMAT: type = FormatError; break;
    case M2V_ERR_UNSUPPORTED: type = UnsupportedError; break;
    case M2V_ERR_OUT_OF_MEMORY: type = OutOfMemoryError; break;
    case M2V_ERR_INVALID_UTF8: type = InvalidUTF8Error; break;
    case M2V_ERR_CANCELLED: type = PyExc_KeyboardInterrupt; break;
    default: type = InternalError; break;
    }
    if (PyUnicode_GET_LENGTH(msg) == 0) {
        Py_DECREF(msg);
        msg = PyUnicode_FromString(m2v_status_name((int)st));
        if (!msg) return NULL;
    }
    exc = PyObject_CallOneArg(type, msg);
    if (exc && type != PyExc_KeyboardInterrupt) {
        PyObject *name = PyUnicode_FromString(m2v_status_name((int)st));
        PyObject *code = PyLong_FromLong((long)st);
        int bad = !name || !code || PyObject_SetAttrString(exc, "status", name) < 0 ||
                  PyObject_SetAttrString(exc, "code", code) < 0;
        Py_XDECREF(name);
        Py_XDECREF(code);
        if (bad) Py_CLEAR(exc);
    }
    if (exc) PyErr_SetObject(type, exc);
    Py_XDECREF(exc);
    Py_DECREF(msg);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Text batches: Python str -> (pointer, byte length) pairs                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    Py_ssize_t n;
    PyObject **owners;  /* n new references: the str (ASCII: its data is the UTF-8) or a bytes
                           copy; they keep `ptrs` valid while the GIL is released */
    const char **ptrs;  /* n borrowed pointers into owners[i] */
    size_t *lens;       /* n byte lengths */
} text_batch;

static void batch_clear(text_batch *b) {
    if (b->owners) {
        for (Py_ssize_t i = 0; i < b->n; i++) Py_XDECREF(b->owners[i]);
    }
    PyMem_Free(b->owners);
    PyMem_Free((void *)b->ptrs);
    PyMem_Free(b->lens);
    memset(b, 0, sizeof(*b));
}

/* Fills `b` from a list or tuple of str. Returns 0, or -1 with an exception set (TypeError for a
 * non-list or a non-str item, InvalidUTF8Error for a str holding lone surrogates). On failure
 * `b` still needs batch_clear(). */
static int batch_init(text_batch *b, PyObject *seq) {
    memset(b, 0, sizeof(*b));
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "sentences must be a list of str, not %.100s",
                     Py_TYPE(seq)->tp_name);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    size_t cap = n > 0 ? (size_t)n : 1;
    b->owners = PyMem_Calloc(cap, sizeof(PyObject *));
    b->ptrs = PyMem_Calloc(cap, sizeof(char *));
    b->lens = PyMem_Calloc(cap, sizeof(size_t));
    if (!b->owners || !b->ptrs || !b->lens) {
        PyErr_NoMemory();
        return -1;
    }
    /* First take a reference to every item without allocating Python objects (so no GC and no
     * finalizer can run and mutate the list under us), then convert. */
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(items[i]);
        b->owners[i] = items[i];
    }
    b->n = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = b->owners[i];
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "sentences[%zd] must be str, not %.100s", i,
                         Py_TYPE(s)->tp_name);
            return -1;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(s) < 0) return -1;
#endif
        if (PyUnicode_IS_ASCII(s)) { /* the compact ASCII data is already UTF-8: no copy */
            b->ptrs[i] = (const char *)PyUnicode_DATA(s);
            b->lens[i] = (size_t)PyUnicode_GET_LENGTH(s);
            continue;
        }
        /* A temporary bytes copy rather than PyUnicode_AsUTF8AndSize, which would cache the UTF-8
         * inside the caller's str for its whole life. */
        PyObject *bytes = PyUnicode_AsUTF8String(s);
        if (!bytes) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyErr_Clear();
                PyErr_Format(InvalidUTF8Error,
                             "sentences[%zd] cannot be encoded as UTF-8 (it holds a lone surrogate)", i);
            }
            return -1;
        }
        b->owners[i] = bytes; /* the batch now owns the bytes instead of the str */
        Py_DECREF(s);
        b->ptrs[i] = PyBytes_AS_STRING(bytes);
        b->lens[i] = (size_t)PyBytes_GET_SIZE(bytes);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Progress and cancellation                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject *callback; /* borrowed (the caller's argument outlives the call) or NULL */
    /* The exception that made us cancel (raised by the callback or a signal handler), taken out
     * of the thread state so it survives the GIL hand-offs; owned, restored after the call. */
    PyObject *exc;
} progress_ctx;

static void progress_clear(progress_ctx *ctx) { Py_CLEAR(ctx->exc); }

/* Moves the current exception into an owned reference (PyErr_Fetch is deprecated in 3.12). */
static PyObject *take_exception(void) {
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb) PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

/* Raises `exc` again; steals the reference. */
static void restore_exception(PyObject *exc) {
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *type = Py_NewRef((PyObject *)Py_TYPE(exc));
    PyErr_Restore(type, exc, PyException_GetTraceback(exc));
#endif
}

/* m2v_progress_fn: runs on the calling thread, between batches, without the GIL. */
static int progress_trampoline(size_t done, size_t total, void *user_data) {
    progress_ctx *ctx = (progress_ctx *)user_data;
    PyGILState_STATE gil = PyGILState_Ensure();
    int stop = 0;
    if (ctx->callback) {
        PyObject *r = PyObject_CallFunction(ctx->callback, "KK", (unsigned long long)done,
                                            (unsigned long long)total);
        if (r) Py_DECREF(r);
        else stop = 1;
    }
    if (!stop && PyErr_CheckSignals() < 0) stop = 1; /* Ctrl-C: KeyboardInterrupt is set */
    if (stop && !ctx->exc) ctx->exc = take_exception();
    PyGILState_Release(gil);
    return stop;
}

/* After an m2v call that used `ctx` (GIL held again): 0 if it succeeded, else -1 with the
 * exception set — the one the callback or a signal handler raised, if any. */
static int finish_call(m2v_status st, progress_ctx *ctx) {
    if (ctx->exc) {
        /* A pending Python exception wins, even if the library finished before noticing. */
        restore_exception(ctx->exc); /* steals the reference */
        ctx->exc = NULL;
        return -1;
    }
    if (st != M2V_OK) {
        raise_status(st);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* FloatArray                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    float *data;          /* owned; rows * cols floats (at least one allocated byte) */
    Py_ssize_t shape[2];  /* rows, cols */
    Py_ssize_t strides[2];
} FloatArrayObject;

static PyTypeObject FloatArrayType;

/* A new, uninitialized rows x cols array, or NULL with MemoryError. */
static FloatArrayObject *float_array_new(size_t rows, size_t cols) {
    if (rows > (size_t)PY_SSIZE_T_MAX || cols > (size_t)PY_SSIZE_T_MAX ||
        (cols != 0 && rows > ((size_t)PY_SSIZE_T_MAX / sizeof(float)) / cols)) {
        PyErr_NoMemory();
        return NULL;
    }
    size_t bytes = rows * cols * sizeof(float);
    FloatArrayObject *a = PyObject_New(FloatArrayObject, &FloatArrayType);
    if (!a) return NULL;
    a->data = PyMem_RawMalloc(bytes ? bytes : 1); /* raw: usable without the GIL */
    if (!a->data) {
        a->data = NULL;
        Py_DECREF(a);
        PyErr_NoMemory();
        return NULL;
    }
    a->shape[0] = (Py_ssize_t)rows;
    a->shape[1] = (Py_ssize_t)cols;
    a->strides[0] = (Py_ssize_t)(cols * sizeof(float));
    a->strides[1] = (Py_ssize_t)sizeof(float);
    return a;
}

static void FloatArray_dealloc(FloatArrayObject *self) {
    PyMem_RawFree(self->data);
    PyObject_Free(self);
}

static int FloatArray_getbuffer(FloatArrayObject *self, Py_buffer *view, int flags) {
    static char format[] = "f";
    view->obj = Py_NewRef((PyObject *)self);
    view->buf = self->data;
    view->len = self->shape[0] * self->shape[1] * (Py_ssize_t)sizeof(float);
    view->readonly = 0;
    view->itemsize = sizeof(float);
    view->format = (flags & PyBUF_FORMAT) ? format : NULL;
    if (flags & PyBUF_ND) { /* consumers that ask for no shape get a flat 1-D view */
        view->ndim = 2;
        view->shape = self->shape;
        view->strides = ((flags & PyBUF_STRIDES) == PyBUF_STRIDES) ? self->strides : NULL;
    } else {
        view->ndim = 1;
        view->shape = NULL;
        view->strides = NULL;
    }
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0; /* the memory is C-contiguous: every contiguity request is satisfied */
}

static PyObject *FloatArray_shape(FloatArrayObject *self, void *closure) {
    (void)closure;
    return Py_BuildValue("(nn)", self->shape[0], self->shape[1]);
}

static PyGetSetDef FloatArray_getset[] = {
    {"shape", (getter)FloatArray_shape, NULL, "(rows, cols)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs FloatArray_as_buffer = {(getbufferproc)FloatArray_getbuffer, NULL};

static PyTypeObject FloatArrayType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m2v_native._core.FloatArray",
    .tp_basicsize = sizeof(FloatArrayObject),
    .tp_dealloc = (destructor)FloatArray_dealloc,
    .tp_as_buffer = &FloatArray_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A C-contiguous float32 (rows, cols) block exported through the buffer protocol; "
              "use numpy.asarray(obj).",
    .tp_getset = FloatArray_getset,
};

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A list of int lists from an m2v_ids (borrowed). NULL with an exception on failure. */
static PyObject *ids_to_lists(const m2v_ids *ids) {
    PyObject *out = PyList_New((Py_ssize_t)ids->n_texts); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < ids->n_texts; i++) {
        size_t start = ids->offsets[i], end = ids->offsets[i + 1];
        PyObject *row = PyList_New((Py_ssize_t)(end - start));
        if (!row) goto fail;
        PyList_SET_ITEM(out, (Py_ssize_t)i, row); /* steals row */
        for (size_t j = start; j < end; j++) {
            PyObject *v = PyLong_FromLong((long)ids->ids[j]);
            if (!v) goto fail;
            PyList_SET_ITEM(row, (Py_ssize_t)(j - start), v); /* steals v */
        }
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* Fills encode params from Python-level values already validated by m2v_native/__init__.py;
 * the library validates them again. */
static int check_batch_size(Py_ssize_t batch_size) {
    if (batch_size < 1) {
        PyErr_SetString(PyExc_ValueError, "batch_size must be >= 1");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Model                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    m2v_model *model; /* owned; never NULL after tp_new succeeds; immutable, shared by threads */
} ModelObject;

static PyObject *Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", "normalize", NULL};
    PyObject *path = NULL; /* owned bytes from PyUnicode_FSConverter */
    int normalize = -1;
    ModelObject *self = NULL;
    PyObject *result = NULL;
    m2v_model *model = NULL;
    m2v_status st;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|i:Model", kwlist, PyUnicode_FSConverter,
                                     &path, &normalize))
        return NULL;
    m2v_load_params params = m2v_load_default_params();
    params.normalize = normalize;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_model_load(PyBytes_AS_STRING(path), &params, &model);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    self = (ModelObject *)type->tp_alloc(type, 0);
    if (!self) goto done;
    self->model = model; /* ownership moves to self */
    model = NULL;
    result = (PyObject *)self;
done:
    m2v_model_free(model); /* NULL unless tp_alloc failed */
    Py_XDECREF(path);
    return result;
}

static void Model_dealloc(ModelObject *self) {
    m2v_model_free(self->model);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Model_dim(ModelObject *self, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_model_dim(self->model));
}

static PyObject *Model_vocab_size(ModelObject *self, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_model_vocab_size(self->model));
}

static PyObject *Model_normalize(ModelObject *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(m2v_model_normalize(self->model) == 1);
}

/* tokens() -> tuple of the token string of every id 0 .. vocab_size-1 (None where the tokenizer
 * has no token for an id). */
static PyObject *Model_tokens(ModelObject *self, PyObject *noargs) {
    (void)noargs;
    size_t n = m2v_model_vocab_size(self->model);
    if (n > (size_t)INT32_MAX) n = (size_t)INT32_MAX;
    PyObject *out = PyTuple_New((Py_ssize_t)n); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *tok = m2v_model_token(self->model, (int32_t)i, &len); /* owned by the model */
        PyObject *s = tok ? PyUnicode_DecodeUTF8(tok, (Py_ssize_t)len, "replace") : Py_NewRef(Py_None);
        if (!s) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, (Py_ssize_t)i, s); /* steals s */
    }
    return out;
}

/* encode(texts, max_length, normalize, n_threads, batch_size, progress) -> FloatArray (n, dim) */
static PyObject *Model_encode(ModelObject *self, PyObject *args) {
    PyObject *texts, *progress; /* borrowed arguments */
    int max_length, normalize, n_threads;
    Py_ssize_t batch_size;
    text_batch batch = {0};          /* owns the UTF-8 of the texts */
    progress_ctx ctx = {0};          /* owns a pending exception, if any */
    FloatArrayObject *out = NULL;    /* owned until returned */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "OiiinO:encode", &texts, &max_length, &normalize, &n_threads,
                          &batch_size, &progress))
        return NULL;
    if (check_batch_size(batch_size) < 0 || batch_init(&batch, texts) < 0) goto done;
    size_t dim = m2v_model_dim(self->model);
    out = float_array_new((size_t)batch.n, dim);
    if (!out) goto done;
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    p.normalize = normalize;
    p.n_threads = n_threads;
    p.batch_size = (size_t)batch_size;
    p.progress = progress_trampoline;
    p.progress_user_data = &ctx;
    ctx.callback = progress == Py_None ? NULL : progress;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_encode(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, out->data,
                    (size_t)batch.n * dim);
    Py_END_ALLOW_THREADS
    if (finish_call(st, &ctx) < 0) goto done;
    result = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(out);
    batch_clear(&batch);
    progress_clear(&ctx);
    return result;
}

/* encode_as_sequence(texts, max_length, n_threads, batch_size, progress)
 *   -> (FloatArray (total_tokens, dim), tuple of n+1 offsets): text i owns rows
 *      offsets[i] .. offsets[i+1]-1. */
static PyObject *Model_encode_as_sequence(ModelObject *self, PyObject *args) {
    PyObject *texts, *progress; /* borrowed arguments */
    int max_length, n_threads;
    Py_ssize_t batch_size;
    text_batch batch = {0};
    progress_ctx ctx = {0};
    m2v_sequence *seq = NULL;        /* owned: m2v_sequence_free */
    FloatArrayObject *vecs = NULL;   /* owned until returned */
    PyObject *offsets = NULL;        /* owned until returned */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "OiinO:encode_as_sequence", &texts, &max_length, &n_threads,
                          &batch_size, &progress))
        return NULL;
    if (check_batch_size(batch_size) < 0 || batch_init(&batch, texts) < 0) goto done;
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    p.n_threads = n_threads;
    p.batch_size = (size_t)batch_size;
    p.progress = progress_trampoline;
    p.progress_user_data = &ctx;
    ctx.callback = progress == Py_None ? NULL : progress;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_encode_as_sequence(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, &seq);
    Py_END_ALLOW_THREADS
    if (finish_call(st, &ctx) < 0) goto done;
    size_t rows = seq->offsets[seq->n_texts];
    vecs = float_array_new(rows, seq->dim);
    if (!vecs) goto done;
    /* Copied so the arrays are writable and owned by Python, like model2vec's. */
    if (rows) memcpy(vecs->data, seq->vectors, rows * seq->dim * sizeof(float));
    offsets = PyTuple_New((Py_ssize_t)seq->n_texts + 1);
    if (!offsets) goto done;
    for (size_t i = 0; i <= seq->n_texts; i++) {
        PyObject *v = PyLong_FromSize_t(seq->offsets[i]);
        if (!v) goto done;
        PyTuple_SET_ITEM(offsets, (Py_ssize_t)i, v); /* steals v */
    }
    result = PyTuple_Pack(2, (PyObject *)vecs, offsets); /* takes its own references */
done:
    Py_XDECREF(offsets);
    Py_XDECREF(vecs);
    m2v_sequence_free(seq);
    batch_clear(&batch);
    progress_clear(&ctx);
    return result;
}

/* tokenize(texts, max_length) -> list of lists of the ids encode uses */
static PyObject *Model_tokenize(ModelObject *self, PyObject *args) {
    PyObject *texts; /* borrowed */
    int max_length;
    text_batch batch = {0};
    m2v_ids *ids = NULL; /* owned: m2v_ids_free */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "Oi:tokenize", &texts, &max_length)) return NULL;
    if (batch_init(&batch, texts) < 0) goto done;
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenize(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, &ids);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    result = ids_to_lists(ids);
done:
    m2v_ids_free(ids);
    batch_clear(&batch);
    return result;
}

/* save(path) -> None */
static PyObject *Model_save(ModelObject *self, PyObject *arg) {
    PyObject *path = NULL; /* owned bytes */
    m2v_status st;
    if (!PyUnicode_FSConverter(arg, &path)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_model_save(self->model, PyBytes_AS_STRING(path));
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != M2V_OK) return raise_status(st);
    Py_RETURN_NONE;
}

static PyGetSetDef Model_getset[] = {
    {"dim", (getter)Model_dim, NULL, "embedding width (m2v_model_dim)", NULL},
    {"vocab_size", (getter)Model_vocab_size, NULL, "token ids the tokenizer can produce", NULL},
    {"normalize", (getter)Model_normalize, NULL, "the model's default normalization", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Model_methods[] = {
    {"tokens", (PyCFunction)Model_tokens, METH_NOARGS, "tuple of token strings by id"},
    {"encode", (PyCFunction)Model_encode, METH_VARARGS,
     "encode(texts, max_length, normalize, n_threads, batch_size, progress) -> FloatArray"},
    {"encode_as_sequence", (PyCFunction)Model_encode_as_sequence, METH_VARARGS,
     "encode_as_sequence(texts, max_length, n_threads, batch_size, progress) -> (FloatArray, offsets)"},
    {"tokenize", (PyCFunction)Model_tokenize, METH_VARARGS,
     "tokenize(texts, max_length) -> list of id lists"},
    {"save", (PyCFunction)Model_save, METH_O, "save(path): write a model2vec folder"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m2v_native._core.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Model(path, normalize=-1): a loaded m2v_model (m2v_model_load).",
    .tp_methods = Model_methods,
    .tp_getset = Model_getset,
    .tp_new = Model_new,
};

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    m2v_tokenizer *tokenizer; /* owned; never NULL after tp_new succeeds */
} TokenizerObject;

static PyObject *Tokenizer_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", NULL};
    PyObject *path = NULL; /* owned bytes */
    TokenizerObject *self = NULL;
    PyObject *result = NULL;
    m2v_tokenizer *tok = NULL;
    m2v_status st;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:Tokenizer", kwlist, PyUnicode_FSConverter, &path))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenizer_load(PyBytes_AS_STRING(path), &tok);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    self = (TokenizerObject *)type->tp_alloc(type, 0);
    if (!self) goto done;
    self->tokenizer = tok; /* ownership moves to self */
    tok = NULL;
    result = (PyObject *)self;
done:
    m2v_tokenizer_free(tok);
    Py_XDECREF(path);
    return result;
}

static void Tokenizer_dealloc(TokenizerObject *self) {
    m2v_tokenizer_free(self->tokenizer);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Tokenizer_vocab_size(TokenizerObject *self, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_tokenizer_vocab_size(self->tokenizer));
}

/* encode_batch(texts, add_special_tokens) -> list of id lists */
static PyObject *Tokenizer_encode_batch(TokenizerObject *self, PyObject *args) {
    PyObject *texts; /* borrowed */
    int add_special = 0;
    text_batch batch = {0};
    m2v_ids *ids = NULL; /* owned: m2v_ids_free */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "Op:encode_batch", &texts, &add_special)) return NULL;
    if (batch_init(&batch, texts) < 0) goto done;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenizer_encode(self->tokenizer, batch.ptrs, batch.lens, (size_t)batch.n,
                              add_special, &ids);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    result = ids_to_lists(ids);
done:
    m2v_ids_free(ids);
    batch_clear(&batch);
    return result;
}

static PyGetSetDef Tokenizer_getset[] = {
    {"vocab_size", (getter)Tokenizer_vocab_size, NULL, "vocabulary size incl. added tokens", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Tokenizer_methods[] = {
    {"encode_batch", (PyCFunction)Tokenizer_encode_batch, METH_VARARGS,
     "encode_batch(texts, add_special_tokens) -> list of id lists"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TokenizerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m2v_native._core.Tokenizer",
    .tp_basicsize = sizeof(TokenizerObject),
    .tp_dealloc = (destructor)Tokenizer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tokenizer(path): a loaded tokenizer.json (m2v_tokenizer_load).",
    .tp_methods = Tokenizer_methods,
    .tp_getset = Tokenizer_getset,
    .tp_new = Tokenizer_new,
};

/* ------------------------------------------------------------------------------------------ */
/* Module                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static PyObject *mod_version(PyObject *m, PyObject *noargs) {
    (void)m;
    (void)noargs;
    return PyUnicode_FromString(m2v_version_string());
}

static PyObject *mod_version_number(PyObject *m, PyObject *noargs) {
    (void)m;
    (void)noargs;
    return PyLong_FromUnsignedLong(m2v_version_number());
}

static PyObject *mod_status_name(PyObject *m, PyObject *arg) {
    (void)m;
    long v = PyLong_AsLong(arg);
    if (v == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(m2v_status_name(v > INT32_MAX || v < INT32_MIN ? -1 : (int)v));
}

/* distill(teacher_path, out_path, vocabulary or None, pca_dims, explained_variance,
 *         sif_coefficient, quantize_to, pooling, remove_unused, vocabulary_quantization,
 *         n_threads, progress) -> None. Writes the model folder `out_path`; the Python layer
 * loads it. All arguments are converted while holding the GIL; the GIL is released for the
 * distillation itself. */
static PyObject *mod_distill(PyObject *m, PyObject *args) {
    const char *teacher, *out_path;           /* borrowed from the argument str objects */
    PyObject *vocabulary, *progress;          /* borrowed arguments */
    int pca_dims, quantize_to, pooling, remove_unused, vq, n_threads;
    double explained_variance, sif;
    text_batch words = {0};                   /* owns the UTF-8 of the vocabulary words */
    progress_ctx ctx = {0};                   /* owns a pending exception, if any */
    PyObject *result = NULL;
    m2v_status st;
    (void)m;
    if (!PyArg_ParseTuple(args, "ssOiddiiiiiO:distill", &teacher, &out_path, &vocabulary, &pca_dims,
                          &explained_variance, &sif, &quantize_to, &pooling, &remove_unused, &vq,
                          &n_threads, &progress))
        return NULL;
    if (vocabulary != Py_None && batch_init(&words, vocabulary) < 0) goto done;
    m2v_distill_params p = m2v_distill_default_params();
    p.pca_dims = pca_dims;
    p.explained_variance = explained_variance;
    p.sif_coefficient = sif;
    p.quantize_to = quantize_to;
    p.pooling = pooling;
    p.remove_unused_tokens = remove_unused;
    p.vocabulary_quantization = vq;
    p.n_threads = n_threads;
    if (words.n > 0) {
        p.vocabulary = words.ptrs;
        p.vocabulary_lengths = words.lens;
        p.n_vocabulary = (size_t)words.n;
    }
    p.progress = progress_trampoline;
    p.progress_user_data = &ctx;
    ctx.callback = progress == Py_None ? NULL : progress;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_distill(teacher, &p, out_path);
    Py_END_ALLOW_THREADS
    if (finish_call(st, &ctx) < 0) goto done;
    result = Py_None;
    Py_INCREF(result);
done:
    batch_clear(&words);
    progress_clear(&ctx);
    return result;
}

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "m2v_version_string()"},
    {"version_number", mod_version_number, METH_NOARGS, "m2v_version_number()"},
    {"status_name", mod_status_name, METH_O, "m2v_status_name(code)"},
    {"distill", mod_distill, METH_VARARGS, "distill(teacher, out, vocabulary, ...): m2v_distill"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "m2v_native._core",
    "CPython glue over libm2v (include/m2v.h); use the m2v_native package.", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

/* Creates an exception class `m2v_native.NAME(bases...)` and adds it to the module. */
static PyObject *add_exception(PyObject *m, const char *name, PyObject *bases, const char *doc) {
    char qual[128];
    snprintf(qual, sizeof qual, "m2v_native.%s", name);
    PyObject *exc = PyErr_NewExceptionWithDoc(qual, doc, bases, NULL); /* owned by the static */
    Py_XDECREF(bases);
    if (!exc) return NULL;
    if (PyModule_AddObjectRef(m, name, exc) < 0) {
        Py_DECREF(exc);
        return NULL;
    }
    return exc;
}

PyMODINIT_FUNC PyInit__core(void) {
    PyObject *m = NULL;
    if (PyType_Ready(&FloatArrayType) < 0 || PyType_Ready(&ModelType) < 0 ||
        PyType_Ready(&TokenizerType) < 0)
        return NULL;
    m = PyModule_Create(&core_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "FloatArray", (PyObject *)&FloatArrayType) < 0 ||
        PyModule_AddObjectRef(m, "Model", (PyObject *)&ModelType) < 0 ||
        PyModule_AddObjectRef(m, "Tokenizer", (PyObject *)&TokenizerType) < 0 ||
        PyModule_AddStringConstant(m, "HEADER_VERSION", M2V_VERSION_STRING) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_NUMBER", M2V_VERSION_NUMBER) < 0)
        goto fail;
    if (!(M2VError = add_exception(m, "M2VError", Py_NewRef(PyExc_Exception),
                                   "Base class of the errors libm2v reports (attributes: status, code).")))
        goto fail;
#define SUB(var, name, base, doc)                                                    \
    if (!(var = add_exception(m, name, PyTuple_Pack(2, M2VError, base), doc))) goto fail
    SUB(InvalidArgumentError, "InvalidArgumentError", PyExc_ValueError, "M2V_ERR_INVALID_ARGUMENT");
    SUB(FormatError, "FormatError", PyExc_ValueError, "M2V_ERR_FORMAT: malformed or corrupt file");
    SUB(UnsupportedError, "UnsupportedError", PyExc_ValueError,
        "M2V_ERR_UNSUPPORTED: a feature m2v does not implement");
    SUB(InvalidUTF8Error, "InvalidUTF8Error", PyExc_ValueError,
        "M2V_ERR_INVALID_UTF8, or a str that cannot be UTF-8 (lone surrogate)");
    SUB(NotFoundError, "NotFoundError", PyExc_FileNotFoundError, "M2V_ERR_NOT_FOUND");
    SUB(FileAccessError, "FileAccessError", PyExc_OSError, "M2V_ERR_IO: a file exists but cannot be read, mapped or written");
    SUB(OutOfMemoryError, "OutOfMemoryError", PyExc_MemoryError, "M2V_ERR_OUT_OF_MEMORY");
    SUB(InternalError, "InternalError", PyExc_RuntimeError,
        "M2V_ERR_INTERNAL / M2V_ERR_BUFFER_TOO_SMALL: a bug in m2v or in this glue");
#undef SUB
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
