/*
 * _core.c — m2v_native._core, the CPython glue over include/m2v.h (libm2v.so).
 *
 * This module owns no logic of its own: it converts Python arguments into the C API's types,
 * releases the GIL around every m2v call that does work, and converts results and m2v_status
 * codes back into Python objects and exceptions. The user-facing API (StaticModel, Tokenizer)
 * lives in the pure-Python package m2v_native/__init__.py.
 *
 * Stable ABI
 *   Compiled with Py_LIMITED_API = 0x030A0000 (setup.py defines it): one binary, _core.abi3.so,
 *   for CPython 3.10 and every later version (wheel tag cp310-abi3). Only what the limited API of
 *   3.10 declares may be used; setup.py makes an implicit declaration an error, so anything else
 *   fails the build. In practice:
 *     - no macros that read object internals: PyTuple_SetItem / PyList_SetItem (they steal the
 *       reference, like the macros), PyBytes_AsString / PyBytes_Size, PyList_GetItem; no
 *       PySequence_Fast_*, PyUnicode_DATA/KIND, Py_TYPE(o)->tp_* (use type_name() below);
 *     - no PyObject_CallOneArg / vectorcall: PyObject_CallFunctionObjArgs, PyObject_CallFunction;
 *     - no static PyTypeObject: every type is a heap type made by PyType_FromSpec in module init
 *       (see "Conventions for a new object" below);
 *     - no buffer protocol (it is limited API only from 3.11), hence the array conventions below.
 *
 * Arrays (no numpy at build time)
 *   - Fixed-size results (m2v_encode): the Python side allocates the numpy array and passes its
 *     address as an int (arr.__array_interface__["data"][0]) plus its size in floats; libm2v
 *     writes into it directly, with the GIL released (zero copies). The glue checks that the
 *     address is non-NULL and float-aligned; the capacity is checked exactly (see Model_encode).
 *     The caller keeps the array alive for the call (it is a local of the Python caller).
 *   - Library-allocated results (m2v_encode_as_sequence): copied once into a new bytearray, which
 *     Python views with numpy.frombuffer(buf, numpy.float32) (writable, no second copy). Ragged
 *     offsets come back as a tuple of ints.
 *
 * Threads
 *   Texts are converted to UTF-8 while holding the GIL; the bytes objects that own the UTF-8 are
 *   kept referenced for the whole call, so another Python thread mutating the input list cannot
 *   free them. The GIL is then released (Py_BEGIN_ALLOW_THREADS) for the m2v call: any number of
 *   Python threads may encode with one model at once (a loaded m2v_model is immutable). Only a
 *   call on at most BATCH_INLINE texts and 4 KB (batch_releases_gil: a query at a time, a few
 *   microseconds, about the cost of the release itself) keeps the GIL. The
 *   progress callback of m2v_encode_params runs on the calling thread between batches; it
 *   re-acquires the GIL (PyGILState_Ensure), calls the optional Python progress callable and
 *   PyErr_CheckSignals() so Ctrl-C cancels the call.
 *
 * Errors
 *   Every failing m2v call is turned into an exception carrying m2v_last_error(), read on the
 *   same thread right after the call (raise_status). Each function has a single exit (`done:`)
 *   that releases everything it acquired; comments say who owns what.
 *
 * Layout: one section per concern, then one section per object (Model, Tokenizer), then the
 * module functions and PyInit__core.
 *
 * Conventions for a new object (copy the Tokenizer section, the smallest):
 *   1. `typedef struct { PyObject_HEAD  m2v_xxx *handle; } XxxObject;` — the handle is owned,
 *      never NULL after tp_new succeeds.
 *   2. Xxx_new(type, args, kwds): parse, load with the GIL released, raise_status on failure,
 *      then alloc_instance(type) and move the handle in.
 *   3. Xxx_dealloc: free the handle, then dealloc_instance(self) (frees the object and drops the
 *      reference every heap-type instance holds on its type).
 *   4. Methods take the GIL-held conversions first (text_batch), one Py_BEGIN/END_ALLOW_THREADS
 *      around the m2v call, results built after it.
 *   5. `static PyType_Slot Xxx_slots[]` + `static PyType_Spec Xxx_spec` (name
 *      "m2v_native._core.Xxx", flags TYPE_FLAGS), a `static PyTypeObject *XxxType` filled in
 *      PyInit__core by add_type(), which also adds it to the module.
 * Conventions for a new module function: a `mod_xxx` in the "Module functions" section, one line
 * in module_methods; arguments are positional and already validated by __init__.py (the glue
 * checks again whatever could make libm2v misbehave).
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030A0000
#endif
#include <Python.h>

#include <m2v.h>

#include <stdint.h>
#include <string.h>

/* Heap types: immutable (no attribute assignment on the class) and not subclassable. */
#define TYPE_FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE)

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* type(obj).__name__ as a new str; never NULL (falls back to "?" and clears the error). */
static PyObject *type_name(PyObject *obj) {
    PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__name__");
    if (!name || !PyUnicode_Check(name)) {
        Py_XDECREF(name);
        PyErr_Clear();
        name = PyUnicode_FromString("?");
    }
    return name;
}

/* A new instance of the heap type `type` (tp_alloc), or NULL with an exception. */
static PyObject *alloc_instance(PyTypeObject *type) {
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    return alloc(type, 0);
}

/* The end of every tp_dealloc: frees the object and releases its type (heap types are
 * referenced by each instance since 3.8). */
static void dealloc_instance(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    tp_free(self);
    Py_DECREF(type);
}

/* A list of int lists from an m2v_ids (borrowed). NULL with an exception on failure. */
static PyObject *ids_to_lists(const m2v_ids *ids) {
    PyObject *out = PyList_New((Py_ssize_t)ids->n_texts); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < ids->n_texts; i++) {
        size_t start = ids->offsets[i], end = ids->offsets[i + 1];
        PyObject *row = PyList_New((Py_ssize_t)(end - start));
        if (!row || PyList_SetItem(out, (Py_ssize_t)i, row) < 0) goto fail; /* steals row */
        for (size_t j = start; j < end; j++) {
            PyObject *v = PyLong_FromLong((long)ids->ids[j]);
            if (!v || PyList_SetItem(row, (Py_ssize_t)(j - start), v) < 0) goto fail; /* steals v */
        }
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* A tuple of n ints from a size_t array (borrowed). NULL with an exception on failure. */
static PyObject *sizes_to_tuple(const size_t *values, size_t n) {
    PyObject *out = PyTuple_New((Py_ssize_t)n); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = PyLong_FromSize_t(values[i]);
        if (!v || PyTuple_SetItem(out, (Py_ssize_t)i, v) < 0) { /* steals v */
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* rows x cols floats as a byte count, or -1 with MemoryError when it does not fit Py_ssize_t. */
static Py_ssize_t float_bytes(size_t rows, size_t cols) {
    if (cols != 0 && rows > ((size_t)PY_SSIZE_T_MAX / sizeof(float)) / cols) {
        PyErr_NoMemory();
        return -1;
    }
    return (Py_ssize_t)(rows * cols * sizeof(float));
}

static int check_batch_size(Py_ssize_t batch_size) {
    if (batch_size < 1) {
        PyErr_SetString(PyExc_ValueError, "batch_size must be >= 1");
        return -1;
    }
    return 0;
}

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
    if (PyUnicode_GetLength(msg) == 0) {
        Py_DECREF(msg);
        msg = PyUnicode_FromString(m2v_status_name((int)st));
        if (!msg) return NULL;
    }
    exc = PyObject_CallFunctionObjArgs(type, msg, NULL);
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

enum { BATCH_INLINE = 16 };

typedef struct {
    Py_ssize_t n;
    PyObject **owners;  /* n new references: first the items themselves, then (after conversion)
                           the UTF-8 bytes of each; they keep `ptrs` valid while the GIL is
                           released */
    const char **ptrs;  /* n borrowed pointers into owners[i] */
    size_t *lens;       /* n byte lengths */
    int invalid_text;   /* an m2v_invalid_text: how a str with lone surrogates is passed */
    int32_t *glue_status; /* n statuses the glue decided (lone surrogates), or NULL */
    size_t total_bytes; /* sum of lens */
    /* Small batches (a query at a time) use these instead of three allocations. */
    PyObject *small_owners[BATCH_INLINE];
    const char *small_ptrs[BATCH_INLINE];
    size_t small_lens[BATCH_INLINE];
} text_batch;

static void batch_clear(text_batch *b) {
    if (b->owners) {
        for (Py_ssize_t i = 0; i < b->n; i++) Py_XDECREF(b->owners[i]);
    }
    if (b->owners != b->small_owners) {
        PyMem_Free(b->owners);
        PyMem_Free((void *)b->ptrs);
        PyMem_Free(b->lens);
    }
    PyMem_Free(b->glue_status);
    b->owners = NULL;
    b->ptrs = NULL;
    b->lens = NULL;
    b->glue_status = NULL;
    b->n = 0;
}

/* Whether a call on `b` is worth releasing the GIL for. Below this the m2v call takes a few
 * microseconds, about what releasing and re-taking the GIL costs, and other Python threads
 * would gain nothing: a query at a time keeps it. */
static int batch_releases_gil(const text_batch *b) {
    return b->n > BATCH_INLINE || b->total_bytes > 4096;
}

/* A str with lone surrogates under M2V_INVALID_TEXT_REPLACE: each lone surrogate becomes one
 * U+FFFD (a UTF-16 round trip, whose decoder replaces a lone code unit), as UTF-8 bytes. */
static PyObject *utf8_replacing_surrogates(PyObject *s) {
    PyObject *u16 = PyUnicode_AsEncodedString(s, "utf-16-le", "surrogatepass");
    if (!u16) return NULL;
    PyObject *fixed = PyUnicode_Decode(PyBytes_AsString(u16), PyBytes_Size(u16), "utf-16-le", "replace");
    Py_DECREF(u16);
    if (!fixed) return NULL;
    PyObject *bytes = PyUnicode_AsUTF8String(fixed);
    Py_DECREF(fixed);
    return bytes;
}

/* Fills `b` from a list or tuple of str. Returns 0, or -1 with an exception set (TypeError for a
 * non-list or a non-str item, InvalidUTF8Error for a str holding lone surrogates unless
 * `invalid_text` replaces them (one U+FFFD each) or skips the text (passed as ""); either way
 * glue_status[i] records M2V_ERR_INVALID_UTF8). On failure `b` still needs batch_clear(). */
static int batch_init_mode(text_batch *b, PyObject *seq, int invalid_text) {
    b->n = 0;
    b->owners = NULL;
    b->ptrs = NULL;
    b->lens = NULL;
    b->glue_status = NULL;
    b->total_bytes = 0;
    b->invalid_text = invalid_text;
    int is_list = PyList_Check(seq);
    if (!is_list && !PyTuple_Check(seq)) {
        PyObject *tn = type_name(seq);
        PyErr_Format(PyExc_TypeError, "sentences must be a list of str, not %U", tn);
        Py_XDECREF(tn);
        return -1;
    }
    Py_ssize_t n = is_list ? PyList_Size(seq) : PyTuple_Size(seq);
    if (n < 0) return -1;
    size_t cap = n > 0 ? (size_t)n : 1;
    if (cap <= BATCH_INLINE) {
        b->owners = b->small_owners;
        b->ptrs = b->small_ptrs;
        b->lens = b->small_lens;
    } else {
        b->owners = PyMem_Calloc(cap, sizeof(PyObject *));
        b->ptrs = PyMem_Calloc(cap, sizeof(char *));
        b->lens = PyMem_Calloc(cap, sizeof(size_t));
    }
    if (!b->owners || !b->ptrs || !b->lens) {
        PyErr_NoMemory();
        return -1;
    }
    /* First take a reference to every item without allocating Python objects (so no GC and no
     * finalizer can run and mutate the list under us), then convert. */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = is_list ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i); /* borrowed */
        if (!item) return -1;
        Py_INCREF(item);
        b->owners[i] = item;
        b->n = i + 1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = b->owners[i];
        if (!PyUnicode_Check(s)) {
            PyObject *tn = type_name(s);
            PyErr_Format(PyExc_TypeError, "sentences[%zd] must be str, not %U", i, tn);
            Py_XDECREF(tn);
            return -1;
        }
        /* A temporary bytes copy rather than PyUnicode_AsUTF8AndSize, which would cache the UTF-8
         * inside the caller's str for its whole life (the limited API cannot tell an ASCII str,
         * whose data is already UTF-8, from the others). Measured: ~1% of an encode call. */
        PyObject *bytes = PyUnicode_AsUTF8String(s);
        if (!bytes) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return -1;
            PyErr_Clear();
            if (invalid_text == M2V_INVALID_TEXT_ERROR) {
                PyErr_Format(InvalidUTF8Error,
                             "sentences[%zd] cannot be encoded as UTF-8 (it holds a lone surrogate)", i);
                return -1;
            }
            if (!b->glue_status && !(b->glue_status = PyMem_Calloc(cap, sizeof(int32_t)))) {
                PyErr_NoMemory();
                return -1;
            }
            b->glue_status[i] = M2V_ERR_INVALID_UTF8;
            bytes = invalid_text == M2V_INVALID_TEXT_REPLACE ? utf8_replacing_surrogates(s)
                                                             : PyBytes_FromStringAndSize("", 0);
            if (!bytes) return -1;
        }
        b->owners[i] = bytes; /* the batch now owns the bytes instead of the str */
        Py_DECREF(s);
        char *data = NULL;
        Py_ssize_t len = 0;
        if (PyBytes_AsStringAndSize(bytes, &data, &len) < 0) return -1;
        b->ptrs[i] = data;
        b->lens[i] = (size_t)len;
        b->total_bytes += (size_t)len;
    }
    return 0;
}

static int batch_init(text_batch *b, PyObject *seq) { return batch_init_mode(b, seq, M2V_INVALID_TEXT_ERROR); }

/* The optional per-text status output of encode-like calls: `address` is 0 (none) or the
 * address of n int32 (a numpy array the caller keeps alive). Returns 0 or -1 with ValueError. */
static int status_out(PyObject *address, int32_t **out) {
    *out = NULL;
    if (address == NULL || address == Py_None) return 0;
    void *ptr = PyLong_AsVoidPtr(address);
    if (!ptr && PyErr_Occurred()) return -1;
    if (ptr && ((uintptr_t)ptr % _Alignof(int32_t)) != 0) {
        PyErr_SetString(PyExc_ValueError, "status_address must be int32-aligned");
        return -1;
    }
    *out = (int32_t *)ptr;
    return 0;
}

/* After the call: statuses the glue decided (lone surrogates) win over the library's. */
static void merge_status(const text_batch *b, int32_t *status) {
    if (!status || !b->glue_status) return;
    for (Py_ssize_t i = 0; i < b->n; i++)
        if (b->glue_status[i]) status[i] = b->glue_status[i];
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

/* PyErr_Fetch/Restore are the stable-ABI way before 3.12 (deprecated, not removed, from 3.12). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
/* Moves the current exception into an owned reference. */
static PyObject *take_exception(void) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb) PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

/* Raises `exc` again; steals the reference. */
static void restore_exception(PyObject *exc) {
    PyObject *type = (PyObject *)Py_TYPE(exc);
    Py_INCREF(type);
    PyErr_Restore(type, exc, PyException_GetTraceback(exc));
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

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
/* Model                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    m2v_model *model; /* owned (unless `owner`); never NULL after tp_new succeeds; immutable,
                       * shared by threads */
    PyObject *owner;  /* NULL, or the Classifier whose model this is (a new reference that keeps
                       * the borrowed model alive; the model is then not freed here) */
} ModelObject;

static PyTypeObject *ModelType; /* owned by the module (PyInit__core) */

static PyObject *Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", "normalize", "max_length", "mmap", NULL};
    PyObject *path = NULL; /* owned bytes from PyUnicode_FSConverter */
    int normalize = -1, max_length = -1, mmap = -1;
    ModelObject *self = NULL;
    PyObject *result = NULL;
    m2v_model *model = NULL;
    m2v_status st;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|iii:Model", kwlist, PyUnicode_FSConverter,
                                     &path, &normalize, &max_length, &mmap))
        return NULL;
    const char *cpath = PyBytes_AsString(path); /* borrowed from path */
    if (!cpath) goto done;
    m2v_load_params params = m2v_load_default_params();
    params.normalize = normalize;
    params.max_length = max_length;
    if (mmap != -1) params.mmap = mmap; /* -1: the library's default */
    Py_BEGIN_ALLOW_THREADS
    st = m2v_model_load(cpath, &params, &model);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    self = (ModelObject *)alloc_instance(type);
    if (!self) goto done;
    self->model = model; /* ownership moves to self */
    model = NULL;
    result = (PyObject *)self;
done:
    m2v_model_free(model); /* NULL unless the allocation failed */
    Py_XDECREF(path);
    return result;
}

static void Model_dealloc(PyObject *op) {
    ModelObject *self = (ModelObject *)op;
    if (self->owner) Py_CLEAR(self->owner);
    else m2v_model_free(self->model);
    dealloc_instance(op);
}

static PyObject *Model_dim(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_model_dim(((ModelObject *)op)->model));
}

static PyObject *Model_vocab_size(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_model_vocab_size(((ModelObject *)op)->model));
}

static PyObject *Model_normalize(PyObject *op, void *closure) {
    (void)closure;
    return PyBool_FromLong(m2v_model_normalize(((ModelObject *)op)->model) == 1);
}

/* tokens() -> tuple of the token string of every id 0 .. vocab_size-1 (None where the tokenizer
 * has no token for an id). */
static PyObject *Model_tokens(PyObject *op, PyObject *noargs) {
    ModelObject *self = (ModelObject *)op;
    (void)noargs;
    size_t n = m2v_model_vocab_size(self->model);
    if (n > (size_t)INT32_MAX) n = (size_t)INT32_MAX;
    PyObject *out = PyTuple_New((Py_ssize_t)n); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *tok = m2v_model_token(self->model, (int32_t)i, &len); /* owned by the model */
        PyObject *s = tok ? PyUnicode_DecodeUTF8(tok, (Py_ssize_t)len, "replace") : Py_NewRef(Py_None);
        if (!s || PyTuple_SetItem(out, (Py_ssize_t)i, s) < 0) { /* steals s */
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* encode(texts, max_length, normalize, n_threads, batch_size, progress[, out_address, out_floats,
 *        invalid_text, status_address])
 *   With out_address (an int, e.g. numpy's arr.__array_interface__["data"][0]): libm2v writes
 *   the (n, dim) float32 rows there directly and this returns None. out_floats must be exactly
 *   len(texts) * dim (a different count means the array was sized for another list, or the list
 *   changed size since); the caller keeps the memory alive and unshared for the call.
 *   Without it: returns a new bytearray of n * dim float32 values, written in place by libm2v
 *   (numpy.frombuffer(buf, numpy.float32).reshape(n, dim) views it without a copy). */
static PyObject *Model_encode(PyObject *op, PyObject *args) {
    ModelObject *self = (ModelObject *)op;
    PyObject *texts, *progress;       /* borrowed arguments */
    PyObject *address = Py_None;      /* borrowed argument */
    PyObject *status_address = Py_None; /* borrowed argument */
    int32_t *status = NULL;           /* borrowed: the caller's int32 array, or NULL */
    int invalid_text = M2V_INVALID_TEXT_ERROR;
    Py_ssize_t out_floats = -1;
    int max_length, normalize, n_threads;
    Py_ssize_t batch_size;
    text_batch batch = {0};           /* owns the UTF-8 of the texts */
    progress_ctx ctx = {0};           /* owns a pending exception, if any */
    PyObject *bytes_out = NULL;       /* owned until returned (no-address form) */
    float *out = NULL;                /* borrowed: the caller's memory or bytes_out's */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "OiiinO|OniO:encode", &texts, &max_length, &normalize, &n_threads,
                          &batch_size, &progress, &address, &out_floats, &invalid_text, &status_address))
        return NULL;
    if (check_batch_size(batch_size) < 0 || status_out(status_address, &status) < 0 ||
        batch_init_mode(&batch, texts, invalid_text) < 0)
        goto done;
    size_t dim = m2v_model_dim(self->model);
    Py_ssize_t nbytes = float_bytes((size_t)batch.n, dim);
    if (nbytes < 0) goto done;
    if (address != Py_None) {
        void *ptr = PyLong_AsVoidPtr(address);
        if (!ptr && PyErr_Occurred()) goto done;
        if (!ptr || ((uintptr_t)ptr % _Alignof(float)) != 0) {
            PyErr_SetString(PyExc_ValueError, "encode: out_address must be a non-NULL, float-aligned address");
            goto done;
        }
        if (out_floats < 0 || (size_t)out_floats != (size_t)batch.n * dim) {
            PyErr_Format(PyExc_ValueError,
                         "encode: the output holds %zd floats, %zd texts x %zu dims need %zu "
                         "(did the list change size?)",
                         out_floats, batch.n, dim, (size_t)batch.n * dim);
            goto done;
        }
        out = (float *)ptr;
    } else {
        bytes_out = PyByteArray_FromStringAndSize(NULL, nbytes);
        if (!bytes_out) goto done;
        out = (float *)PyByteArray_AsString(bytes_out); /* malloc'd: aligned for float */
        if (!out) goto done;
    }
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    p.normalize = normalize;
    p.n_threads = n_threads;
    p.batch_size = (size_t)batch_size;
    /* The trampoline runs the Python callback and Ctrl-C checks between batches: a call of one
     * batch without a callback does not need it. */
    ctx.callback = progress == Py_None ? NULL : progress;
    p.progress = ctx.callback || batch.n > batch_size ? progress_trampoline : NULL;
    p.progress_user_data = &ctx;
    p.invalid_text = invalid_text;
    p.text_status = status;
    if (batch_releases_gil(&batch)) {
        Py_BEGIN_ALLOW_THREADS
        st = m2v_encode(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, out,
                        (size_t)batch.n * dim);
        Py_END_ALLOW_THREADS
    } else {
        st = m2v_encode(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, out,
                        (size_t)batch.n * dim);
    }
    merge_status(&batch, status);
    if (finish_call(st, &ctx) < 0) goto done;
    if (bytes_out) {
        result = bytes_out;
        bytes_out = NULL;
    } else {
        result = Py_NewRef(Py_None);
    }
done:
    Py_XDECREF(bytes_out);
    batch_clear(&batch);
    progress_clear(&ctx);
    return result;
}

/* encode_as_sequence(texts, max_length, n_threads, batch_size, progress[, invalid_text,
 *                    status_address])
 *   -> (bytearray of total_tokens * dim float32 values, tuple of n+1 offsets): text i owns rows
 *      offsets[i] .. offsets[i+1]-1 of the (total_tokens, dim) array. One copy, out of the
 *      library-allocated m2v_sequence, so the arrays are writable and owned by Python. */
static PyObject *Model_encode_as_sequence(PyObject *op, PyObject *args) {
    ModelObject *self = (ModelObject *)op;
    PyObject *texts, *progress; /* borrowed arguments */
    PyObject *status_address = Py_None; /* borrowed argument */
    int32_t *status = NULL;          /* borrowed: the caller's int32 array, or NULL */
    int invalid_text = M2V_INVALID_TEXT_ERROR;
    int max_length, n_threads;
    Py_ssize_t batch_size;
    text_batch batch = {0};
    progress_ctx ctx = {0};
    m2v_sequence *seq = NULL;        /* owned: m2v_sequence_free */
    PyObject *vecs = NULL;           /* owned bytearray until returned */
    PyObject *offsets = NULL;        /* owned until returned */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "OiinO|iO:encode_as_sequence", &texts, &max_length, &n_threads,
                          &batch_size, &progress, &invalid_text, &status_address))
        return NULL;
    if (check_batch_size(batch_size) < 0 || status_out(status_address, &status) < 0 ||
        batch_init_mode(&batch, texts, invalid_text) < 0)
        goto done;
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    p.n_threads = n_threads;
    p.invalid_text = invalid_text;
    p.text_status = status;
    p.batch_size = (size_t)batch_size;
    p.progress = progress_trampoline;
    p.progress_user_data = &ctx;
    ctx.callback = progress == Py_None ? NULL : progress;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_encode_as_sequence(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, &seq);
    Py_END_ALLOW_THREADS
    merge_status(&batch, status);
    if (finish_call(st, &ctx) < 0) goto done;
    size_t rows = seq->offsets[seq->n_texts];
    Py_ssize_t nbytes = float_bytes(rows, seq->dim);
    if (nbytes < 0) goto done;
    vecs = PyByteArray_FromStringAndSize(NULL, nbytes);
    if (!vecs) goto done;
    if (nbytes) memcpy(PyByteArray_AsString(vecs), seq->vectors, (size_t)nbytes);
    offsets = sizes_to_tuple(seq->offsets, seq->n_texts + 1);
    if (!offsets) goto done;
    result = PyTuple_Pack(2, vecs, offsets); /* takes its own references */
done:
    Py_XDECREF(offsets);
    Py_XDECREF(vecs);
    m2v_sequence_free(seq);
    batch_clear(&batch);
    progress_clear(&ctx);
    return result;
}

/* tokenize(texts, max_length[, character_cut, invalid_text, status_address]) -> list of lists of
 * the ids encode uses */
static PyObject *Model_tokenize(PyObject *op, PyObject *args) {
    ModelObject *self = (ModelObject *)op;
    PyObject *texts; /* borrowed */
    PyObject *status_address = Py_None; /* borrowed argument */
    int32_t *status = NULL;             /* borrowed: the caller's int32 array, or NULL */
    int invalid_text = M2V_INVALID_TEXT_ERROR;
    int max_length, character_cut = 1;
    text_batch batch = {0};
    m2v_ids *ids = NULL; /* owned: m2v_ids_free */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "Oi|iiO:tokenize", &texts, &max_length, &character_cut, &invalid_text,
                          &status_address))
        return NULL;
    if (status_out(status_address, &status) < 0 || batch_init_mode(&batch, texts, invalid_text) < 0) goto done;
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_length;
    p.character_cut = character_cut;
    p.invalid_text = invalid_text;
    p.text_status = status;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenize(self->model, batch.ptrs, batch.lens, (size_t)batch.n, &p, &ids);
    Py_END_ALLOW_THREADS
    merge_status(&batch, status);
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

/* Optional bytes argument: (pointer, length) borrowed from `obj`, or (NULL, 0) for None. */
static int optional_bytes(PyObject *obj, const char **ptr, size_t *len, const char *what) {
    *ptr = NULL;
    *len = 0;
    if (obj == Py_None) return 0;
    if (!PyBytes_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes or None", what);
        return -1;
    }
    *ptr = PyBytes_AsString(obj); /* borrowed from obj */
    if (!*ptr) return -1;
    *len = (size_t)PyBytes_Size(obj);
    return 0;
}

/* Optional str argument as UTF-8 (borrowed from `obj`), or NULL for None. A str holding NUL is
 * refused (ValueError, as os functions do): the C API takes NUL-terminated strings, which would
 * silently end at it (a subfolder "a\0b" would be written as "a"). */
static int optional_utf8(PyObject *obj, const char **out, const char *what) {
    *out = NULL;
    if (obj == Py_None) return 0;
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str or None", what);
        return -1;
    }
    Py_ssize_t len = 0;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len); /* owned by obj */
    if (!s) return -1;
    if ((size_t)len != strlen(s)) {
        PyErr_Format(PyExc_ValueError, "%s: embedded null character", what);
        return -1;
    }
    *out = s;
    return 0;
}

/* The save functions of models and classifiers, one signature for save_with(). */
typedef m2v_status (*save_fn)(const void *handle, const char *path, const m2v_save_params *params);
static m2v_status save_model(const void *h, const char *path, const m2v_save_params *p) {
    return m2v_model_save_v2((const m2v_model *)h, path, p);
}
static m2v_status save_classifier(const void *h, const char *path, const m2v_save_params *p) {
    return m2v_classifier_save((const m2v_classifier *)h, path, p);
}

/* save(path[, config_json, model_name, subfolder, metadata_json]) -> None through `fn`
 * (m2v_model_save_v2 / m2v_classifier_save). config_json / metadata_json are bytes or None,
 * model_name / subfolder str or None. The GIL is released while writing. */
static PyObject *save_with(const void *handle, save_fn fn, PyObject *args) {
    PyObject *path = NULL; /* owned bytes */
    PyObject *config = Py_None, *name = Py_None, *sub = Py_None, *meta = Py_None; /* borrowed */
    PyObject *result = NULL;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "O&|OOOO:save", PyUnicode_FSConverter, &path, &config, &name, &sub, &meta))
        return NULL;
    m2v_save_params p = m2v_save_default_params();
    const char *cpath = PyBytes_AsString(path); /* borrowed from path */
    if (!cpath || optional_bytes(config, &p.config_json, &p.config_json_len, "config_json") < 0 ||
        optional_utf8(name, &p.model_name, "model_name") < 0 || optional_utf8(sub, &p.subfolder, "subfolder") < 0 ||
        optional_bytes(meta, &p.metadata_json, &p.metadata_json_len, "metadata_json") < 0)
        goto done;
    Py_BEGIN_ALLOW_THREADS
    st = fn(handle, cpath, &p);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    Py_DECREF(path);
    return result;
}

/* save(...) -> None: m2v_model_save_v2 (see save_with). */
static PyObject *Model_save(PyObject *op, PyObject *args) {
    return save_with(((ModelObject *)op)->model, save_model, args);
}

/* ---- Model data: tensors, config, metadata, tokenizer.json, quantize -------------------- */

static PyObject *Model_max_length(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromLongLong((long long)m2v_model_max_length(((ModelObject *)op)->model));
}

static PyObject *Model_median_token_length(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_model_median_token_length(((ModelObject *)op)->model));
}

static PyObject *Model_unk_token_id(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromLong((long)m2v_model_unk_token_id(((ModelObject *)op)->model));
}

/* tensor(name) -> None or (address, m2v_dtype, shape tuple, nbytes). The address points into the
 * model (read-only, valid while this Model lives: the Python side keeps a reference). */
static PyObject *Model_tensor(PyObject *op, PyObject *arg) {
    ModelObject *self = (ModelObject *)op;
    const char *name;
    if (optional_utf8(arg, &name, "name") < 0) return NULL;
    if (!name) {
        PyErr_SetString(PyExc_TypeError, "name must be a str");
        return NULL;
    }
    m2v_tensor t;
    m2v_status st = m2v_model_tensor(self->model, name, &t);
    if (st == M2V_ERR_NOT_FOUND) Py_RETURN_NONE;
    if (st != M2V_OK) return raise_status(st);
    PyObject *shape = t.ndim == 2 ? Py_BuildValue("(nn)", (Py_ssize_t)t.shape[0], (Py_ssize_t)t.shape[1])
                                  : Py_BuildValue("(n)", (Py_ssize_t)t.shape[0]);
    if (!shape) return NULL;
    PyObject *addr = PyLong_FromVoidPtr((void *)t.data);
    if (!addr) {
        Py_DECREF(shape);
        return NULL;
    }
    return Py_BuildValue("(NiNn)", addr, (int)t.dtype, shape, (Py_ssize_t)t.nbytes); /* steals addr, shape */
}

static PyObject *Model_config_json(PyObject *op, PyObject *noargs) {
    (void)noargs;
    size_t n = 0;
    const char *s = m2v_model_config_json(((ModelObject *)op)->model, &n); /* owned by the model */
    return PyUnicode_DecodeUTF8(s ? s : "{}", s ? (Py_ssize_t)n : 2, "strict");
}

static PyObject *Model_metadata_json(PyObject *op, PyObject *noargs) {
    (void)noargs;
    size_t n = 0;
    const char *s = m2v_model_metadata_json(((ModelObject *)op)->model, &n); /* owned by the model */
    return PyUnicode_DecodeUTF8(s ? s : "{}", s ? (Py_ssize_t)n : 2, "strict");
}

/* tokenizer_json() -> bytes (two-call pattern of m2v_model_tokenizer_json). */
static PyObject *Model_tokenizer_json(PyObject *op, PyObject *noargs) {
    ModelObject *self = (ModelObject *)op;
    (void)noargs;
    size_t n = 0;
    m2v_status st = m2v_model_tokenizer_json(self->model, NULL, 0, &n);
    if (st != M2V_OK) return raise_status(st);
    if (n > (size_t)PY_SSIZE_T_MAX) return PyErr_NoMemory();
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n); /* owned until returned */
    if (!out) return NULL;
    char *buf = PyBytes_AsString(out);
    if (!buf) {
        Py_DECREF(out);
        return NULL;
    }
    st = m2v_model_tokenizer_json(self->model, buf, n, &n);
    if (st != M2V_OK) {
        Py_DECREF(out);
        return raise_status(st);
    }
    return out;
}

/* Wraps a new m2v_model* in a Model (takes ownership; frees it on failure). */
static PyObject *wrap_model(m2v_model *model) {
    ModelObject *self = (ModelObject *)alloc_instance(ModelType);
    if (!self) {
        m2v_model_free(model);
        return NULL;
    }
    self->model = model;
    return (PyObject *)self;
}

/* quantize(quantize_to, dimensionality, vocabulary_quantization) -> new Model
 * (-1 / 0 / 0 keep; see m2v_quantize_params). */
static PyObject *Model_quantize(PyObject *op, PyObject *args) {
    ModelObject *self = (ModelObject *)op;
    m2v_quantize_params p = m2v_quantize_default_params();
    if (!PyArg_ParseTuple(args, "iii:quantize", &p.quantize_to, &p.dimensionality, &p.vocabulary_quantization))
        return NULL;
    m2v_model *model = NULL;
    m2v_status st;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_model_quantize(self->model, &p, &model);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) return raise_status(st);
    return wrap_model(model);
}

static PyGetSetDef Model_getset[] = {
    {"dim", Model_dim, NULL, "embedding width (m2v_model_dim)", NULL},
    {"vocab_size", Model_vocab_size, NULL, "token ids the tokenizer can produce", NULL},
    {"normalize", Model_normalize, NULL, "the model's default normalization", NULL},
    {"max_length", Model_max_length, NULL, "encode's default truncation in tokens, 0 = none", NULL},
    {"median_token_length", Model_median_token_length, NULL, "model2vec's median_token_length", NULL},
    {"unk_token_id", Model_unk_token_id, NULL, "the unknown token's id, -1 = none", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Model_methods[] = {
    {"tokens", Model_tokens, METH_NOARGS, "tuple of token strings by id"},
    {"encode", Model_encode, METH_VARARGS,
     "encode(texts, max_length, normalize, n_threads, batch_size, progress[, out_address, "
     "out_floats]) -> None (written into out_address) or a bytearray of float32"},
    {"encode_as_sequence", Model_encode_as_sequence, METH_VARARGS,
     "encode_as_sequence(texts, max_length, n_threads, batch_size, progress) -> "
     "(bytearray of float32, offsets)"},
    {"tokenize", Model_tokenize, METH_VARARGS,
     "tokenize(texts, max_length[, character_cut=1]) -> list of id lists"},
    {"save", Model_save, METH_VARARGS,
     "save(path[, config_json, model_name, subfolder, metadata_json]): m2v_model_save_v2"},
    {"tensor", Model_tensor, METH_O, "tensor(name) -> None or (address, dtype, shape, nbytes)"},
    {"config_json", Model_config_json, METH_NOARGS, "the model's config as JSON text"},
    {"metadata_json", Model_metadata_json, METH_NOARGS, "the model card metadata as JSON text"},
    {"tokenizer_json", Model_tokenizer_json, METH_NOARGS, "tokenizer.json bytes"},
    {"quantize", Model_quantize, METH_VARARGS,
     "quantize(quantize_to, dimensionality, vocabulary_quantization) -> new Model"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Model_slots[] = {
    {Py_tp_new, Model_new},
    {Py_tp_dealloc, Model_dealloc},
    {Py_tp_methods, Model_methods},
    {Py_tp_getset, Model_getset},
    {Py_tp_doc, "Model(path, normalize=-1): a loaded m2v_model (m2v_model_load)."},
    {0, NULL},
};

static PyType_Spec Model_spec = {
    "m2v_native._core.Model", sizeof(ModelObject), 0, TYPE_FLAGS, Model_slots,
};

/* ------------------------------------------------------------------------------------------ */
/* Classifier (m2v_classifier: a model2vec pipeline)                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    m2v_classifier *classifier; /* owned; never NULL after tp_new succeeds; immutable */
} ClassifierObject;

static PyTypeObject *ClassifierType; /* owned by the module (PyInit__core) */

static PyObject *Classifier_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", "mmap", NULL};
    PyObject *path = NULL; /* owned bytes from PyUnicode_FSConverter */
    int mmap = -1;
    ClassifierObject *self = NULL;
    PyObject *result = NULL;
    m2v_classifier *c = NULL;
    m2v_status st;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|i:Classifier", kwlist, PyUnicode_FSConverter, &path, &mmap))
        return NULL;
    const char *cpath = PyBytes_AsString(path); /* borrowed from path */
    if (!cpath) goto done;
    m2v_load_params params = m2v_load_default_params();
    if (mmap != -1) params.mmap = mmap;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_classifier_load(cpath, &params, &c);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    self = (ClassifierObject *)alloc_instance(type);
    if (!self) goto done;
    self->classifier = c; /* ownership moves to self */
    c = NULL;
    result = (PyObject *)self;
done:
    m2v_classifier_free(c);
    Py_XDECREF(path);
    return result;
}

static void Classifier_dealloc(PyObject *op) {
    m2v_classifier_free(((ClassifierObject *)op)->classifier);
    dealloc_instance(op);
}

/* model() -> Model: the classifier's encoder (borrowed by the library, kept alive by the
 * Model object's reference to this classifier). */
static PyObject *Classifier_model(PyObject *op, PyObject *noargs) {
    (void)noargs;
    ModelObject *m = (ModelObject *)alloc_instance(ModelType);
    if (!m) return NULL;
    m->model = (m2v_model *)m2v_classifier_model(((ClassifierObject *)op)->classifier);
    m->owner = Py_NewRef(op);
    return (PyObject *)m;
}

static PyObject *Classifier_task(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromLong(m2v_classifier_task(((ClassifierObject *)op)->classifier));
}

static PyObject *Classifier_n_outputs(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_classifier_n_outputs(((ClassifierObject *)op)->classifier));
}

static PyObject *Classifier_n_layers(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_classifier_n_layers(((ClassifierObject *)op)->classifier));
}

/* classes() -> None (no classes: regression heads) or a tuple of str / int, as config.json
 * holds them. */
static PyObject *Classifier_classes(PyObject *op, PyObject *noargs) {
    (void)noargs;
    const m2v_classifier *c = ((ClassifierObject *)op)->classifier;
    size_t n = m2v_classifier_n_classes(c);
    if (n == 0 && m2v_classifier_task(c) == M2V_TASK_REGRESSION) Py_RETURN_NONE;
    PyObject *out = PyTuple_New((Py_ssize_t)n); /* owned until returned */
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *name = m2v_classifier_class_name(c, i, &len); /* owned by the classifier */
        PyObject *v = NULL;
        if (name && m2v_classifier_class_is_integer(c, i) == 1) v = PyLong_FromString(name, NULL, 10);
        else if (name) v = PyUnicode_DecodeUTF8(name, (Py_ssize_t)len, "strict");
        else v = Py_NewRef(Py_None);
        if (!v || PyTuple_SetItem(out, (Py_ssize_t)i, v) < 0) { /* steals v */
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* forward(address, n_vectors, activate) -> bytearray of n_vectors * n_outputs float32:
 * m2v_classifier_forward on the caller's C-contiguous float32 (n_vectors, dim) array at
 * `address` (kept alive and unchanged by the caller for the call). */
static PyObject *Classifier_forward(PyObject *op, PyObject *args) {
    const m2v_classifier *c = ((ClassifierObject *)op)->classifier;
    PyObject *address;
    Py_ssize_t n;
    int activate;
    m2v_status st;
    if (!PyArg_ParseTuple(args, "Oni:forward", &address, &n, &activate)) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "forward: n_vectors must be >= 0");
        return NULL;
    }
    const float *in = n ? (const float *)PyLong_AsVoidPtr(address) : NULL;
    if (n && !in) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "forward: the address is NULL");
        return NULL;
    }
    size_t width = m2v_classifier_n_outputs(c);
    Py_ssize_t nbytes = float_bytes((size_t)n, width);
    if (nbytes < 0) return NULL;
    PyObject *out = PyByteArray_FromStringAndSize(NULL, nbytes); /* owned until returned */
    if (!out) return NULL;
    float *dst = (float *)PyByteArray_AsString(out);
    if (n > 64) {
        Py_BEGIN_ALLOW_THREADS
        st = m2v_classifier_forward(c, in, (size_t)n, activate, dst, (size_t)n * width);
        Py_END_ALLOW_THREADS
    } else {
        st = m2v_classifier_forward(c, in, (size_t)n, activate, dst, (size_t)n * width);
    }
    if (st != M2V_OK) {
        Py_DECREF(out);
        return raise_status(st);
    }
    return out;
}

/* save(...) -> None: m2v_classifier_save (see save_with). */
static PyObject *Classifier_save(PyObject *op, PyObject *args) {
    return save_with(((ClassifierObject *)op)->classifier, save_classifier, args);
}

static PyGetSetDef Classifier_getset[] = {
    {"task", Classifier_task, NULL, "m2v_task: 0 single-label, 1 multi-label, 2 regression", NULL},
    {"n_outputs", Classifier_n_outputs, NULL, "classes or regression outputs", NULL},
    {"n_layers", Classifier_n_layers, NULL, "linear layers of the head", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Classifier_methods[] = {
    {"model", Classifier_model, METH_NOARGS, "model() -> Model: the encoder"},
    {"classes", Classifier_classes, METH_NOARGS, "classes() -> None or tuple of str/int"},
    {"forward", Classifier_forward, METH_VARARGS,
     "forward(address, n_vectors, activate) -> bytearray: m2v_classifier_forward"},
    {"save", Classifier_save, METH_VARARGS, "save(path, config_json, model_name, subfolder, metadata_json)"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Classifier_slots[] = {
    {Py_tp_new, Classifier_new},
    {Py_tp_dealloc, Classifier_dealloc},
    {Py_tp_methods, Classifier_methods},
    {Py_tp_getset, Classifier_getset},
    {Py_tp_doc, "Classifier(path, mmap=-1): a loaded m2v_classifier (m2v_classifier_load)."},
    {0, NULL},
};

static PyType_Spec Classifier_spec = {
    "m2v_native._core.Classifier", sizeof(ClassifierObject), 0, TYPE_FLAGS, Classifier_slots,
};

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    m2v_tokenizer *tokenizer; /* owned; never NULL after tp_new succeeds */
} TokenizerObject;

static PyTypeObject *TokenizerType; /* owned by the module (PyInit__core) */

static PyObject *Tokenizer_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", NULL};
    PyObject *path = NULL; /* owned bytes */
    TokenizerObject *self = NULL;
    PyObject *result = NULL;
    m2v_tokenizer *tok = NULL;
    m2v_status st;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:Tokenizer", kwlist, PyUnicode_FSConverter, &path))
        return NULL;
    const char *cpath = PyBytes_AsString(path); /* borrowed from path */
    if (!cpath) goto done;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenizer_load(cpath, &tok);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    self = (TokenizerObject *)alloc_instance(type);
    if (!self) goto done;
    self->tokenizer = tok; /* ownership moves to self */
    tok = NULL;
    result = (PyObject *)self;
done:
    m2v_tokenizer_free(tok);
    Py_XDECREF(path);
    return result;
}

static void Tokenizer_dealloc(PyObject *op) {
    m2v_tokenizer_free(((TokenizerObject *)op)->tokenizer);
    dealloc_instance(op);
}

static PyObject *Tokenizer_vocab_size(PyObject *op, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(m2v_tokenizer_vocab_size(((TokenizerObject *)op)->tokenizer));
}

/* encode_batch(texts, add_special_tokens) -> list of id lists */
static PyObject *Tokenizer_encode_batch(PyObject *op, PyObject *args) {
    TokenizerObject *self = (TokenizerObject *)op;
    PyObject *texts; /* borrowed */
    int add_special = 0;
    text_batch batch = {0};
    m2v_ids *ids = NULL; /* owned: m2v_ids_free */
    PyObject *result = NULL;
    m2v_status st;
    /* The optional settings are m2v_tokenizer_encode_params' fields, in order (defaults: as
     * tokenizer.json says). */
    m2v_tokenizer_encode_params p = m2v_tokenizer_encode_default_params();
    if (!PyArg_ParseTuple(args, "Op|iiiiiii:encode_batch", &texts, &add_special, &p.truncation,
                          &p.truncation_direction, &p.padding, &p.pad_length, &p.pad_id,
                          &p.pad_to_multiple_of, &p.pad_direction))
        return NULL;
    p.add_special_tokens = add_special ? 1 : 0;
    if (batch_init(&batch, texts) < 0) goto done;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenizer_encode_v2(self->tokenizer, batch.ptrs, batch.lens, (size_t)batch.n, &p, &ids);
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
    {"vocab_size", Tokenizer_vocab_size, NULL, "vocabulary size incl. added tokens", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Tokenizer_methods[] = {
    {"encode_batch", Tokenizer_encode_batch, METH_VARARGS,
     "encode_batch(texts, add_special_tokens[, truncation, truncation_direction, padding, pad_length, "
     "pad_id, pad_to_multiple_of, pad_direction]) -> list of id lists (m2v_tokenizer_encode_v2)"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Tokenizer_slots[] = {
    {Py_tp_new, Tokenizer_new},
    {Py_tp_dealloc, Tokenizer_dealloc},
    {Py_tp_methods, Tokenizer_methods},
    {Py_tp_getset, Tokenizer_getset},
    {Py_tp_doc, "Tokenizer(path): a loaded tokenizer.json (m2v_tokenizer_load)."},
    {0, NULL},
};

static PyType_Spec Tokenizer_spec = {
    "m2v_native._core.Tokenizer", sizeof(TokenizerObject), 0, TYPE_FLAGS, Tokenizer_slots,
};

/* ------------------------------------------------------------------------------------------ */
/* Module functions                                                                           */
/* ------------------------------------------------------------------------------------------ */

static PyObject *mod_version(PyObject *m, PyObject *noargs) {
    (void)m;
    (void)noargs;
    return PyUnicode_FromString(m2v_version_string());
}

static PyObject *mod_regex_engine_version(PyObject *m, PyObject *noargs) {
    (void)m;
    (void)noargs;
    const char *v = m2v_regex_engine_version();
    if (!v) Py_RETURN_NONE;
    return PyUnicode_FromString(v);
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
 *         n_threads, progress[, token_remove_pattern str or None]) -> None. Writes the model
 * folder `out_path` (the pattern, when given, replaces remove_unused); the Python layer
 * loads it. All arguments are converted while holding the GIL; the GIL is released for the
 * distillation itself. */
static PyObject *mod_distill(PyObject *m, PyObject *args) {
    const char *teacher, *out_path;           /* borrowed from the argument str objects */
    const char *pattern = NULL;               /* borrowed; NULL = remove_unused decides */
    PyObject *vocabulary, *progress;          /* borrowed arguments */
    int pca_dims, quantize_to, pooling, remove_unused, vq, n_threads;
    double explained_variance, sif;
    text_batch words = {0};                   /* owns the UTF-8 of the vocabulary words */
    progress_ctx ctx = {0};                   /* owns a pending exception, if any */
    PyObject *result = NULL;
    m2v_status st;
    (void)m;
    if (!PyArg_ParseTuple(args, "ssOiddiiiiiO|z:distill", &teacher, &out_path, &vocabulary, &pca_dims,
                          &explained_variance, &sif, &quantize_to, &pooling, &remove_unused, &vq,
                          &n_threads, &progress, &pattern))
        return NULL;
    if (vocabulary != Py_None && batch_init(&words, vocabulary) < 0) goto done;
    m2v_distill_params p = m2v_distill_default_params();
    p.pca_dims = pca_dims;
    p.explained_variance = explained_variance;
    p.sif_coefficient = sif;
    p.quantize_to = quantize_to;
    p.pooling = pooling;
    p.remove_unused_tokens = remove_unused;
    p.token_remove_pattern = pattern;
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
    result = Py_NewRef(Py_None);
done:
    batch_clear(&words);
    progress_clear(&ctx);
    return result;
}

/* One tensor argument: None, or (address, m2v_dtype, shape tuple, nbytes) from the Python side,
 * whose memory the caller keeps alive for the call. */
static int tensor_arg(PyObject *obj, m2v_tensor *t, int ndim, const char *what) {
    memset(t, 0, sizeof *t);
    PyObject *addr, *shape; /* borrowed */
    int dtype;
    Py_ssize_t nbytes, s0 = 0, s1 = 0;
    if (!PyArg_ParseTuple(obj, "OiOn", &addr, &dtype, &shape, &nbytes)) return -1;
    if (ndim == 2 ? !PyArg_ParseTuple(shape, "nn", &s0, &s1) : !PyArg_ParseTuple(shape, "n", &s0)) return -1;
    void *p = PyLong_AsVoidPtr(addr);
    if (!p && PyErr_Occurred()) return -1;
    if (s0 < 0 || s1 < 0 || nbytes < 0) {
        PyErr_Format(PyExc_ValueError, "%s: negative size", what);
        return -1;
    }
    t->data = p;
    t->dtype = dtype;
    t->ndim = ndim;
    t->shape[0] = (size_t)s0;
    t->shape[1] = (size_t)s1;
    t->nbytes = (size_t)nbytes;
    return 0;
}

/* model_create(embeddings, weights, mapping, tokenizer_json, config_json, normalize, max_length,
 * metadata_json) -> Model (m2v_model_create; libm2v copies every buffer). */
static PyObject *mod_model_create(PyObject *m, PyObject *args) {
    (void)m;
    PyObject *emb, *w, *map, *tok, *cfg, *meta; /* borrowed */
    m2v_model_spec spec = m2v_model_spec_default();
    m2v_tensor wt, mt;
    if (!PyArg_ParseTuple(args, "OOOOOiiO:model_create", &emb, &w, &map, &tok, &cfg, &spec.normalize,
                          &spec.max_length, &meta))
        return NULL;
    if (tensor_arg(emb, &spec.embeddings, 2, "embeddings") < 0) return NULL;
    if (w != Py_None) {
        if (tensor_arg(w, &wt, 1, "weights") < 0) return NULL;
        spec.weights = &wt;
    }
    if (map != Py_None) {
        if (tensor_arg(map, &mt, 1, "mapping") < 0) return NULL;
        spec.mapping = &mt;
    }
    if (optional_bytes(tok, &spec.tokenizer_json, &spec.tokenizer_json_len, "tokenizer_json") < 0 ||
        optional_bytes(cfg, &spec.config_json, &spec.config_json_len, "config_json") < 0 ||
        optional_bytes(meta, &spec.metadata_json, &spec.metadata_json_len, "metadata_json") < 0)
        return NULL;
    m2v_model *model = NULL;
    m2v_status st;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_model_create(&spec, &model);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) return raise_status(st);
    return wrap_model(model);
}

/* tokenizer_from_json(bytes) -> Tokenizer (m2v_tokenizer_load_from_memory). */
static PyObject *mod_tokenizer_from_json(PyObject *m, PyObject *arg) {
    (void)m;
    const char *json;
    size_t len;
    if (optional_bytes(arg, &json, &len, "json") < 0) return NULL;
    if (!json) {
        PyErr_SetString(PyExc_TypeError, "json must be bytes");
        return NULL;
    }
    m2v_tokenizer *tok = NULL;
    m2v_status st;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_tokenizer_load_from_memory(json, len, &tok);
    Py_END_ALLOW_THREADS
    if (st != M2V_OK) return raise_status(st);
    TokenizerObject *self = (TokenizerObject *)alloc_instance(TokenizerType);
    if (!self) {
        m2v_tokenizer_free(tok);
        return NULL;
    }
    self->tokenizer = tok;
    return (PyObject *)self;
}

/* ---- Hub cache: m2v_hub_resolve (used by m2v_native/hub.py offline or without huggingface_hub)
 *
 * hub_resolve(path_or_id: str) -> str: the folder libm2v resolves `path_or_id` to (the cached
 * snapshot of a hub id; the input unchanged when it exists or is not an id); NotFoundError with
 * libm2v's message (every cache path tried) when the id is not cached. The path is converted
 * with the filesystem encoding both ways. Two-call pattern; retried if the cache changes between
 * the calls and the result grows. */
static PyObject *mod_hub_resolve(PyObject *m, PyObject *arg) {
    (void)m;
    PyObject *encoded = NULL; /* owned: bytes of path_or_id */
    PyObject *result = NULL;  /* owned until returned */
    char *buf = NULL;         /* owned: PyMem_Malloc'd result buffer */
    size_t capacity = 0, need = 0;
    m2v_status st = M2V_ERR_BUFFER_TOO_SMALL;
    if (!PyUnicode_FSConverter(arg, &encoded)) return NULL;
    const char *path = PyBytes_AsString(encoded); /* borrowed from `encoded` */
    if (!path) goto done;
    for (int attempt = 0; attempt < 4 && st == M2V_ERR_BUFFER_TOO_SMALL; attempt++) {
        if (need > capacity) {
            PyMem_Free(buf);
            buf = PyMem_Malloc(need);
            if (!buf) {
                PyErr_NoMemory();
                goto done;
            }
            capacity = need;
        }
        Py_BEGIN_ALLOW_THREADS
        st = m2v_hub_resolve(path, buf, capacity, &need);
        Py_END_ALLOW_THREADS
    }
    if (st != M2V_OK) {
        raise_status(st);
        goto done;
    }
    result = PyUnicode_DecodeFSDefault(buf);
done:
    PyMem_Free(buf);
    Py_XDECREF(encoded);
    return result;
}

/* ---- Training (m2v_classifier_train) ------------------------------------------------ */

/* m2v_train_progress_fn: calls the Python callback with (epoch, step, steps_per_epoch,
 * train_loss, val_loss, val_metric) (NaN = none) under the GIL; a true result, an exception or
 * Ctrl-C cancels. */
static int train_trampoline(const m2v_train_progress *pr, void *user_data) {
    progress_ctx *ctx = (progress_ctx *)user_data;
    PyGILState_STATE gil = PyGILState_Ensure();
    int stop = 0;
    if (ctx->callback) {
        PyObject *r = PyObject_CallFunction(ctx->callback, "KKKddd", (unsigned long long)pr->epoch,
                                            (unsigned long long)pr->step, (unsigned long long)pr->steps_per_epoch,
                                            pr->train_loss, pr->val_loss, pr->val_metric);
        if (!r) stop = 1;
        else {
            int t = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (t < 0) stop = 1;
            else if (t) stop = 2; /* the callback asked to stop: no exception */
        }
    }
    if (!stop && PyErr_CheckSignals() < 0) stop = 1;
    if (stop == 1 && !ctx->exc) ctx->exc = take_exception();
    PyGILState_Release(gil);
    return stop != 0;
}

/* One side (training or validation) of a train call: the texts and buffers it borrows. */
typedef struct {
    text_batch batch;
} train_side;

static void train_side_clear(train_side *t) { batch_clear(&t->batch); }

/* The bytes of a bytes object (the limited API has no buffer protocol before 3.11): 0, or -1
 * with TypeError. The pointer is borrowed from `obj`, which the caller's argument keeps alive. */
static int bytes_view(PyObject *obj, const char **buf, Py_ssize_t *len, const char *what) {
    if (!PyBytes_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "train: %s must be bytes", what);
        return -1;
    }
    return PyBytes_AsStringAndSize(obj, (char **)buf, len);
}

/* (texts, labels or None, values or None) -> m2v_train_set; `expect` is the int32 count of
 * labels (or float count of values) per text times n_texts, checked here. */
static int train_side_init(train_side *t, PyObject *tuple, m2v_train_set *set, int task, size_t k) {
    PyObject *texts, *labels, *values;
    if (!PyArg_ParseTuple(tuple, "OOO:train set", &texts, &labels, &values)) return -1;
    if (batch_init(&t->batch, texts) < 0) return -1;
    size_t n = (size_t)t->batch.n;
    memset(set, 0, sizeof *set);
    set->texts = t->batch.ptrs;
    set->lengths = t->batch.lens;
    set->n_texts = n;
    const char *buf;
    Py_ssize_t len;
    if (labels != Py_None) {
        if (bytes_view(labels, &buf, &len, "labels") < 0) return -1;
        size_t want = (task == M2V_TASK_MULTI_LABEL ? n * k : n) * sizeof(int32_t);
        if ((size_t)len != want) {
            PyErr_Format(PyExc_ValueError, "train: labels hold %zd bytes, %zu are needed", len, want);
            return -1;
        }
        set->targets.labels = (const int32_t *)(const void *)buf; /* bytes data is malloc-aligned */
    }
    if (values != Py_None) {
        if (bytes_view(values, &buf, &len, "values") < 0) return -1;
        if ((size_t)len != n * k * sizeof(float)) {
            PyErr_Format(PyExc_ValueError, "train: values hold %zd bytes, %zu are needed", len, n * k * sizeof(float));
            return -1;
        }
        set->targets.values = (const float *)(const void *)buf;
    }
    return 0;
}

/* train(model, task, n_outputs, class_names, class_ids, train_set, val_set, params, progress)
 *   -> (Classifier, epochs, steps, best_val_metric)
 *   class_names: list of str or None; class_ids: int64 bytes or None; *_set: (texts, int32
 *   labels bytes or None, float32 values bytes or None), val_set may be None; params: the
 *   m2v_train_params fields from n_layers to lazy_embeddings in order, class_weight float32
 *   bytes or None; progress: callable or None (see train_trampoline). The GIL is released
 *   while training. */
static PyObject *mod_train(PyObject *m, PyObject *args) {
    (void)m;
    PyObject *model, *names, *ids_obj, *train_t, *val_t, *params_t, *progress;
    int task;
    Py_ssize_t k_in;
    PyObject *result = NULL;
    train_side tr = {0}, va = {0};
    PyObject *name_bytes = NULL; /* owned list of bytes */
    const char **name_ptrs = NULL;
    progress_ctx ctx = {0};
    m2v_classifier *c = NULL;
    if (!PyArg_ParseTuple(args, "O!inOOOOOO:train", ModelType, &model, &task, &k_in, &names, &ids_obj, &train_t,
                          &val_t, &params_t, &progress))
        return NULL;
    if (k_in <= 0) {
        PyErr_SetString(PyExc_ValueError, "train: n_outputs must be > 0");
        return NULL;
    }
    size_t k = (size_t)k_in;
    m2v_train_set train_set, val_set;
    if (train_side_init(&tr, train_t, &train_set, task, k) < 0) goto done;
    if (val_t != Py_None && train_side_init(&va, val_t, &val_set, task, k) < 0) goto done;
    const char *const *cnames = NULL;
    if (names != Py_None) {
        Py_ssize_t nn = PySequence_Size(names);
        if (nn < 0) goto done;
        if ((size_t)nn != k) {
            PyErr_Format(PyExc_ValueError, "train: %zd class names for %zu outputs", nn, k);
            goto done;
        }
        name_bytes = PyList_New(nn);
        name_ptrs = PyMem_Calloc((size_t)nn + 1, sizeof *name_ptrs);
        if (!name_bytes || !name_ptrs) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < nn; i++) {
            PyObject *item = PySequence_GetItem(names, i);
            if (!item) goto done;
            PyObject *b = PyUnicode_Check(item) ? PyUnicode_AsUTF8String(item) : NULL;
            if (!b && !PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "train: class names must be str");
            Py_DECREF(item);
            if (!b) goto done;
            name_ptrs[i] = PyBytes_AsString(b); /* owned by b, which the list keeps */
            if (PyList_SetItem(name_bytes, i, b) < 0 || !name_ptrs[i]) goto done; /* steals b */
        }
        cnames = name_ptrs;
    }
    const int64_t *cids = NULL;
    if (ids_obj != Py_None) {
        const char *buf;
        Py_ssize_t len;
        if (bytes_view(ids_obj, &buf, &len, "class_ids") < 0) goto done;
        if ((size_t)len != k * sizeof(int64_t)) {
            PyErr_SetString(PyExc_ValueError, "train: class_ids must hold n_outputs int64 values");
            goto done;
        }
        cids = (const int64_t *)(const void *)buf;
    }
    train_set.targets.task = task;
    train_set.targets.n_outputs = k;
    train_set.targets.class_names = cnames;
    train_set.targets.class_ids = cids;
    if (val_t != Py_None) {
        val_set.targets.task = task;
        val_set.targets.n_outputs = k;
        val_set.targets.class_names = cnames;
        val_set.targets.class_ids = cids;
    }
    m2v_train_params p = m2v_train_default_params();
    PyObject *weights_obj;
    unsigned long long seed;
    if (!PyArg_ParseTuple(params_t, "iifiiiiidKiiiiffOii:train params", &p.n_layers, &p.hidden_dim, &p.learning_rate,
                          &p.batch_size, &p.min_epochs, &p.max_epochs, &p.early_stopping_patience, &p.validation_steps,
                          &p.test_size, &seed, &p.freeze, &p.normalize, &p.freeze_weights, &p.max_length,
                          &p.token_dropout, &p.focal_gamma, &weights_obj, &p.n_threads, &p.lazy_embeddings))
        goto done;
    p.seed = (uint64_t)seed;
    if (weights_obj != Py_None) {
        const char *buf;
        Py_ssize_t len;
        if (bytes_view(weights_obj, &buf, &len, "class_weight") < 0) goto done;
        if ((size_t)len != k * sizeof(float)) {
            PyErr_SetString(PyExc_ValueError, "train: class_weight must hold one float32 per class");
            goto done;
        }
        p.class_weight = (const float *)(const void *)buf;
    }
    ctx.callback = progress == Py_None ? NULL : progress;
    p.progress = train_trampoline;
    p.progress_user_data = &ctx;
    m2v_train_result res = {0};
    m2v_status st;
    Py_BEGIN_ALLOW_THREADS
    st = m2v_classifier_train(((ModelObject *)model)->model, &train_set, val_t != Py_None ? &val_set : NULL, &p, &c, &res);
    Py_END_ALLOW_THREADS
    if (finish_call(st, &ctx) < 0) goto done;
    ClassifierObject *obj = (ClassifierObject *)alloc_instance(ClassifierType);
    if (!obj) goto done;
    obj->classifier = c;
    c = NULL;
    result = Py_BuildValue("NKKd", (PyObject *)obj, (unsigned long long)res.epochs, (unsigned long long)res.steps,
                           res.best_val_metric);
done:
    m2v_classifier_free(c);
    train_side_clear(&tr);
    train_side_clear(&va);
    Py_XDECREF(name_bytes);
    PyMem_Free(name_ptrs);
    progress_clear(&ctx);
    return result;
}

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "m2v_version_string()"},
    {"version_number", mod_version_number, METH_NOARGS, "m2v_version_number()"},
    {"regex_engine_version", mod_regex_engine_version, METH_NOARGS,
     "m2v_regex_engine_version(): Oniguruma's version, None when it cannot be loaded"},
    {"status_name", mod_status_name, METH_O, "m2v_status_name(code)"},
    {"model_create", mod_model_create, METH_VARARGS, "model_create(...) -> Model: m2v_model_create"},
    {"tokenizer_from_json", mod_tokenizer_from_json, METH_O, "tokenizer_from_json(bytes) -> Tokenizer"},
    {"distill", mod_distill, METH_VARARGS, "distill(teacher, out, vocabulary, ...): m2v_distill"},
    {"hub_resolve", mod_hub_resolve, METH_O, "hub_resolve(path_or_id) -> str: m2v_hub_resolve"},
    {"train", mod_train, METH_VARARGS, "train(model, task, n_outputs, ...) -> (Classifier, epochs, steps, best): m2v_classifier_train"},
    {NULL, NULL, 0, NULL},
};

/* ------------------------------------------------------------------------------------------ */
/* Module                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "m2v_native._core",
    "CPython glue over libm2v (include/m2v.h); use the m2v_native package.", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

/* Creates an exception class `m2v_native.NAME(bases...)` and adds it to the module. Steals
 * `bases` (which may be NULL after a failed PyTuple_Pack: then fails). */
static PyObject *add_exception(PyObject *m, const char *name, PyObject *bases, const char *doc) {
    char qual[128];
    if (!bases) return NULL;
    snprintf(qual, sizeof qual, "m2v_native.%s", name);
    PyObject *exc = PyErr_NewExceptionWithDoc(qual, doc, bases, NULL); /* owned by the static */
    Py_DECREF(bases);
    if (!exc) return NULL;
    if (PyModule_AddObjectRef(m, name, exc) < 0) {
        Py_DECREF(exc);
        return NULL;
    }
    return exc;
}

/* Creates the heap type of `spec` into *slot (owned by the static) and adds it to the module
 * under its short name. Returns 0, or -1 with an exception. */
static int add_type(PyObject *m, PyType_Spec *spec, PyTypeObject **slot) {
    PyObject *type = PyType_FromSpec(spec);
    if (!type) return -1;
    const char *dot = strrchr(spec->name, '.');
    if (PyModule_AddObjectRef(m, dot ? dot + 1 : spec->name, type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    *slot = (PyTypeObject *)type;
    return 0;
}

PyMODINIT_FUNC PyInit__core(void) {
    PyObject *m = PyModule_Create(&core_module);
    if (!m) return NULL;
    if (add_type(m, &Model_spec, &ModelType) < 0 ||
        add_type(m, &Tokenizer_spec, &TokenizerType) < 0 ||
        add_type(m, &Classifier_spec, &ClassifierType) < 0 ||
        PyModule_AddStringConstant(m, "HEADER_VERSION", M2V_VERSION_STRING) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_NUMBER", M2V_VERSION_NUMBER) < 0 ||
        PyModule_AddIntConstant(m, "DEFAULT_MAX_LENGTH", m2v_default_max_length()) < 0 ||
        PyModule_AddIntConstant(m, "DEFAULT_BATCH_SIZE", (long)m2v_encode_default_params().batch_size) < 0 ||
        PyModule_AddIntConstant(m, "DEFAULT_MMAP", m2v_load_default_params().mmap) < 0 ||
        PyModule_AddIntConstant(m, "DEFAULT_INVALID_TEXT", m2v_encode_default_params().invalid_text) < 0 ||
        PyModule_AddIntConstant(m, "INVALID_TEXT_ERROR", M2V_INVALID_TEXT_ERROR) < 0 ||
        PyModule_AddIntConstant(m, "INVALID_TEXT_REPLACE", M2V_INVALID_TEXT_REPLACE) < 0 ||
        PyModule_AddIntConstant(m, "INVALID_TEXT_SKIP", M2V_INVALID_TEXT_SKIP) < 0 ||
        PyModule_AddIntConstant(m, "MAX_TEXT_CODE_POINTS", (long)m2v_max_text_code_points()) < 0 ||
        PyModule_AddIntConstant(m, "TRAIN_LAZY_EMBEDDINGS", m2v_train_default_params().lazy_embeddings) < 0 ||
        PyModule_AddStringConstant(m, "REGEX_ENGINE", "oniguruma") < 0)
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
