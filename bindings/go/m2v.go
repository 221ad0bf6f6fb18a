// Package m2v is a Go binding of libm2v, the C library of m2v (Model2Vec static embeddings):
// load a model2vec folder, encode texts into float32 vectors, tokenize, resolve hub ids in the
// local HuggingFace cache. It wraps the C API of m2v.h through cgo and has no dependencies.
//
// # Building
//
// The flags come from pkg-config (`#cgo pkg-config: m2v`), so PKG_CONFIG_PATH must name the
// folder holding m2v.pc (`make install` puts it under build/prefix/lib/pkgconfig). m2v.pc
// carries an rpath to its libdir; when the library moves, set LD_LIBRARY_PATH or link with
// CGO_LDFLAGS="-Wl,-rpath,/where/it/is".
//
// # Texts
//
// Texts are Go strings holding UTF-8; they may contain NUL bytes. A text that is not valid
// UTF-8 fails the call with StatusInvalidUTF8 unless EncodeOptions.InvalidText says to replace
// or skip it. For each call the texts are copied into one C-allocated block (the pointer
// array, the length array and the bytes, one malloc): cgo forbids handing C a Go-memory array of
// pointers into Go strings, and Go 1.19 has no runtime.Pinner to pin each string instead. The
// copy is one memcpy of the input, small next to tokenizing it, and it allocates nothing on the
// Go heap.
//
// # Errors
//
// Every failing function returns an *Error carrying the C status (Status, Name) and
// m2v_last_error()'s message. The message is thread-local in C, so each call and the read of its
// message run with the goroutine locked to its OS thread (runtime.LockOSThread). Status values
// are also errors, so errors.Is(err, m2v.StatusNotFound) tests the status of an *Error.
//
// # Concurrency
//
// A Model or Tokenizer may be used from any number of goroutines at once (the C handles are
// immutable). Close waits for the calls in progress (a sync.RWMutex: calls hold it shared, Close
// exclusively); calls made after Close fail with StatusInvalidArgument. A finalizer frees a
// handle that was never closed, but Close it yourself: the C side holds memory (or a mapped
// file) that the Go garbage collector does not see.
package m2v

/*
#cgo pkg-config: m2v
#include "m2v_go.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Status is an m2v_status code. The values are m2v.h's and never change.
type Status int

// The m2v_status codes of m2v.h.
const (
	StatusOK              Status = 0  // M2V_OK
	StatusInvalidArgument Status = 1  // M2V_ERR_INVALID_ARGUMENT: bad argument or option, closed handle
	StatusNotFound        Status = 2  // M2V_ERR_NOT_FOUND: a file or folder does not exist
	StatusIO              Status = 3  // M2V_ERR_IO: a file exists but cannot be read, mapped or written
	StatusFormat          Status = 4  // M2V_ERR_FORMAT: malformed, corrupt or inconsistent file
	StatusUnsupported     Status = 5  // M2V_ERR_UNSUPPORTED: a feature m2v does not implement
	StatusBufferTooSmall  Status = 6  // M2V_ERR_BUFFER_TOO_SMALL: a destination slice is too short
	StatusOutOfMemory     Status = 7  // M2V_ERR_OUT_OF_MEMORY: an allocation failed
	StatusInvalidUTF8     Status = 8  // M2V_ERR_INVALID_UTF8: a text is not valid UTF-8
	StatusCancelled       Status = 9  // M2V_ERR_CANCELLED: a progress callback asked to stop
	StatusInternal        Status = 10 // M2V_ERR_INTERNAL: a bug in m2v
)

// String is m2v_status_name: "M2V_OK", "M2V_ERR_NOT_FOUND", ... ("M2V_ERR_UNKNOWN" otherwise).
func (s Status) String() string {
	if s < math.MinInt32 || s > math.MaxInt32 {
		return "M2V_ERR_UNKNOWN"
	}
	return C.GoString(C.m2v_status_name(C.int(s)))
}

// Error makes a Status usable as the target of errors.Is (see (*Error).Is).
func (s Status) Error() string { return "m2v: " + s.String() }

// Error is a failed m2v call: the status, its name and m2v_last_error()'s message.
type Error struct {
	Status  Status // the m2v_status the call returned
	Name    string // m2v_status_name(Status), e.g. "M2V_ERR_NOT_FOUND"
	Message string // m2v_last_error() right after the call, e.g. which file is missing
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "m2v: " + e.Name
	}
	return "m2v: " + e.Name + ": " + e.Message
}

// Is reports whether target is the Status of e: errors.Is(err, m2v.StatusInvalidUTF8).
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && s == e.Status
}

func newError(s Status, msg string) *Error {
	return &Error{Status: s, Name: s.String(), Message: msg}
}

func argError(format string, args ...interface{}) error {
	return newError(StatusInvalidArgument, fmt.Sprintf(format, args...))
}

// lastError turns the status of the m2v call just made into an error, reading m2v_last_error().
// The caller must hold runtime.LockOSThread since before that call (the message is per thread).
func lastError(st C.m2v_status) error {
	if st == C.M2V_OK {
		return nil
	}
	return newError(Status(st), C.GoString(C.m2v_last_error()))
}

const errClosed = "the handle is closed"

// Version is the library's version string (m2v_version_string), e.g. "0.5.0".
func Version() string { return C.GoString(C.m2v_version_string()) }

// VersionNumber is the library's MAJOR*10000 + MINOR*100 + PATCH (m2v_version_number).
func VersionNumber() int { return int(C.m2v_version_number()) }

// Switch is a tri-state option. Its zero value, Default, leaves the setting to the model, the
// file or the library (m2v.h's -1).
type Switch int8

// The values of a Switch.
const (
	Default Switch = iota // m2v.h -1: as the model / file / library decides
	Off                   // m2v.h 0
	On                    // m2v.h 1
)

func (s Switch) apply(field string, dst *C.int32_t) error {
	switch s {
	case Default:
	case Off:
		*dst = 0
	case On:
		*dst = 1
	default:
		return argError("%s: %d is not Default, Off or On", field, s)
	}
	return nil
}

// NoLimit as a MaxLength or Truncation means no limit at all (m2v.h's 0). The zero value of
// those fields means the default limit (m2v.h's -1).
const NoLimit = -1

// applyLimit maps a Go limit (0 the default, NoLimit none, > 0 a count) to m2v.h's.
func applyLimit(field string, v int, dst *C.int32_t) error {
	switch {
	case v == 0:
	case v == NoLimit:
		*dst = 0
	case v > 0 && v <= math.MaxInt32:
		*dst = C.int32_t(v)
	default:
		return argError("%s: %d is not 0 (default), NoLimit or 1 .. 2147483647", field, v)
	}
	return nil
}

func applyInt32(field string, v int, dst *C.int32_t) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return argError("%s: %d does not fit in int32", field, v)
	}
	*dst = C.int32_t(v)
	return nil
}

// cPath is a C copy of a path for m2v; free it with C.free. Paths cannot hold NUL bytes.
func cPath(field, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, argError("%s contains a NUL byte", field)
	}
	return C.CString(s), nil
}

// HubResolve finds a HuggingFace hub id ("org/name", "name", "org/name@revision") in the local
// HuggingFace cache as Load does, and returns its snapshot folder (m2v_hub_resolve). An
// existing path, or a string that is not a hub id, is returned unchanged. Nothing is
// downloaded. Errors: StatusNotFound (not in the cache; the message names what was tried).
func HubResolve(pathOrID string) (string, error) {
	cid, err := cPath("path_or_id", pathOrID)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cid))
	buf := make([]byte, 512)
	for {
		var need C.size_t
		runtime.LockOSThread()
		st := C.m2v_hub_resolve(cid, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &need)
		err := lastError(st)
		runtime.UnlockOSThread()
		if st == C.M2V_ERR_BUFFER_TOO_SMALL && int(need) > len(buf) {
			buf = make([]byte, int(need))
			continue
		}
		if err != nil {
			return "", err
		}
		if need == 0 || int(need) > len(buf) {
			return "", newError(StatusInternal, "m2v_hub_resolve reported an impossible size")
		}
		return string(buf[:need-1]), nil
	}
}

// LoadOptions are m2v_load_params. The zero value (or a nil *LoadOptions) means the defaults.
type LoadOptions struct {
	// Normalize: Default = config.json's "normalize" (false when absent), Off, On.
	Normalize Switch
	// MaxLength is encode's default truncation in tokens: 0 = config.json's "max_length" (512
	// when absent), NoLimit = none, > 0 = this many.
	MaxLength int
	// Mmap: Default or On = map model.safetensors read-only (no copy; replace model files by
	// rename, never in place, or a later encode may die of SIGBUS: see m2v.h); Off = read the
	// file into memory owned by the model.
	Mmap Switch
}

// Model is a loaded model2vec model (an m2v_model). Safe for concurrent use; see the package
// doc for Close.
type Model struct {
	mu  sync.RWMutex
	ptr *C.m2v_model

	dim, vocabSize, maxLength int
	normalize                 bool
	unk                       int32
}

// Load loads the model2vec folder at path (config.json, model.safetensors, tokenizer.json, or
// the sentence-transformers layout), or a hub id found in the local HuggingFace cache
// (m2v_model_load). opts nil means defaults. Close the model when done.
// Errors: StatusNotFound, StatusFormat, StatusUnsupported, StatusInvalidArgument, StatusIO,
// StatusOutOfMemory.
func Load(path string, opts *LoadOptions) (*Model, error) {
	cpath, err := cPath("path", path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	params := C.m2v_load_default_params()
	if opts != nil {
		if err := opts.Normalize.apply("LoadOptions.Normalize", &params.normalize); err != nil {
			return nil, err
		}
		if err := applyLimit("LoadOptions.MaxLength", opts.MaxLength, &params.max_length); err != nil {
			return nil, err
		}
		if err := opts.Mmap.apply("LoadOptions.Mmap", &params.mmap); err != nil {
			return nil, err
		}
	}
	var ptr *C.m2v_model
	runtime.LockOSThread()
	err = lastError(C.m2v_model_load(cpath, &params, &ptr))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	m := &Model{
		ptr:       ptr,
		dim:       int(C.m2v_model_dim(ptr)),
		vocabSize: int(C.m2v_model_vocab_size(ptr)),
		maxLength: int(C.m2v_model_max_length(ptr)),
		normalize: C.m2v_model_normalize(ptr) == 1,
		unk:       int32(C.m2v_model_unk_token_id(ptr)),
	}
	runtime.SetFinalizer(m, (*Model).Close)
	return m, nil
}

// Close frees the model (m2v_model_free). It waits for calls in progress on other goroutines;
// later calls fail with StatusInvalidArgument. Closing twice is a no-op. The error is always
// nil (Close has io.Closer's shape).
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ptr != nil {
		C.m2v_model_free(m.ptr)
		m.ptr = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// Dim is the number of floats per vector (m2v_model_dim). The query methods read values cached
// at load, so they keep answering after Close.
func (m *Model) Dim() int { return m.dim }

// VocabSize is the number of token ids the tokenizer can produce (m2v_model_vocab_size).
func (m *Model) VocabSize() int { return m.vocabSize }

// MaxLength is encode's default truncation in tokens, 0 for none (m2v_model_max_length).
func (m *Model) MaxLength() int { return m.maxLength }

// Normalize reports whether encode L2-normalizes by default (m2v_model_normalize).
func (m *Model) Normalize() bool { return m.normalize }

// UnkTokenID is the id of the unknown token, which Tokenize removes; -1 when there is none
// (m2v_model_unk_token_id).
func (m *Model) UnkTokenID() int32 { return m.unk }

// InvalidText is what a text that cannot be tokenized (invalid UTF-8, too long) does to a call
// (m2v_invalid_text).
type InvalidText int8

// The values of InvalidText.
const (
	InvalidTextError   InvalidText = 0 // the call fails with the first bad text's status (default)
	InvalidTextReplace InvalidText = 1 // invalid UTF-8 becomes U+FFFD; other per-text errors still fail
	InvalidTextSkip    InvalidText = 2 // a bad text gets no tokens (a zero vector); see TextStatus
)

// EncodeOptions are m2v_encode_params, for Encode, EncodeInto and Tokenize. The zero value (or
// a nil *EncodeOptions) means the defaults, which equal model2vec's StaticModel.encode.
type EncodeOptions struct {
	// MaxLength in tokens per text: 0 = the model's MaxLength(), NoLimit = none, > 0 = this many.
	MaxLength int
	// Normalize: Default = the model's Normalize(), Off, On (L2).
	Normalize Switch
	// Threads caps the threads of one call: 0 = all CPUs, 1 = the calling thread only. Small
	// inputs use the calling thread alone. The output is the same whatever the count.
	Threads int
	// CharacterCut: Default or On = cut each text to MaxLength * median token length code points
	// before tokenizing (model2vec's encode); Off = token truncation only (model2vec's tokenize).
	CharacterCut Switch
	// InvalidText: what a bad text does (default InvalidTextError: the call fails).
	InvalidText InvalidText
	// TextStatus, when not nil, must have at least len(texts) entries; the call fills them with
	// each text's status (StatusOK, StatusInvalidUTF8 also when replaced or skipped,
	// StatusInvalidArgument for a text too long), also when the call fails (entries of texts not
	// reached are then unspecified).
	TextStatus []Status
}

// newBatch copies texts into one C block and fills its encode parameters from opts. Free the
// result with freeBatch.
func newBatch(texts []string, opts *EncodeOptions) (*C.m2v_go_batch, error) {
	wantStatus := C.int(0)
	if opts != nil && opts.TextStatus != nil {
		if len(opts.TextStatus) < len(texts) {
			return nil, argError("EncodeOptions.TextStatus has %d entries for %d texts", len(opts.TextStatus), len(texts))
		}
		wantStatus = 1
	}
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b := C.m2v_go_batch_new(C.size_t(len(texts)), C.size_t(total), wantStatus)
	if b == nil {
		return nil, newError(StatusOutOfMemory, fmt.Sprintf("cannot allocate %d texts of %d bytes in all", len(texts), total))
	}
	if len(texts) > 0 {
		ptrs := unsafe.Slice(b.texts, len(texts))
		lens := unsafe.Slice(b.lengths, len(texts))
		bytes := unsafe.Slice((*byte)(unsafe.Pointer(b.bytes)), total+1)
		off := 0
		for i, t := range texts {
			copy(bytes[off:], t)
			ptrs[i] = (*C.char)(unsafe.Pointer(&bytes[off]))
			lens[i] = C.size_t(len(t))
			off += len(t)
		}
	}
	if opts != nil {
		if err := opts.apply(&b.params); err != nil {
			freeBatch(b)
			return nil, err
		}
	}
	return b, nil
}

// freeBatch frees a newBatch block. (A plain function, so that `defer freeBatch(b)` needs no
// closure: cgo turns `defer C.free(...)` into one, a heap allocation per call.)
func freeBatch(b *C.m2v_go_batch) { C.free(unsafe.Pointer(b)) }

func (o *EncodeOptions) apply(p *C.m2v_encode_params) error {
	if err := applyLimit("EncodeOptions.MaxLength", o.MaxLength, &p.max_length); err != nil {
		return err
	}
	if err := o.Normalize.apply("EncodeOptions.Normalize", &p.normalize); err != nil {
		return err
	}
	if err := applyInt32("EncodeOptions.Threads", o.Threads, &p.n_threads); err != nil {
		return err
	}
	if err := o.CharacterCut.apply("EncodeOptions.CharacterCut", &p.character_cut); err != nil {
		return err
	}
	p.invalid_text = C.int32_t(o.InvalidText)
	return nil
}

// copyStatus copies the per-text statuses of b back into opts.TextStatus.
func copyStatus(b *C.m2v_go_batch, n int, opts *EncodeOptions) {
	if opts == nil || opts.TextStatus == nil || n == 0 {
		return
	}
	for i, s := range unsafe.Slice((*int32)(unsafe.Pointer(b.params.text_status)), n) {
		opts.TextStatus[i] = Status(s)
	}
}

// Encode gives one vector of Dim() floats per text, as model2vec's StaticModel.encode
// (m2v_encode). The rows share one backing array of len(texts)*Dim() floats, in order (rows[0]
// starts it), each capped at Dim() so that appending to one row cannot overwrite the next. Use
// EncodeInto to encode into a buffer of your own without allocating.
// Errors: StatusInvalidUTF8 (the message names the text and byte offset), StatusInvalidArgument,
// StatusOutOfMemory.
func (m *Model) Encode(texts []string, opts *EncodeOptions) ([][]float32, error) {
	flat := make([]float32, len(texts)*m.dim)
	if err := m.EncodeInto(flat, texts, opts); err != nil {
		return nil, err
	}
	rows := make([][]float32, len(texts))
	for i := range rows {
		rows[i] = flat[i*m.dim : (i+1)*m.dim : (i+1)*m.dim]
	}
	return rows, nil
}

// EncodeInto writes the vectors of texts row-major into dst: text i is dst[i*Dim() :
// (i+1)*Dim()]. dst needs at least len(texts)*Dim() floats (StatusBufferTooSmall otherwise,
// nothing written); floats past them are not touched. On another error dst's contents are
// unspecified. It allocates nothing on the Go heap (the texts are copied into C memory, see the
// package doc), so a loop can reuse one buffer, as bindings/c/stream.c does.
func (m *Model) EncodeInto(dst []float32, texts []string, opts *EncodeOptions) error {
	b, err := newBatch(texts, opts)
	if err != nil {
		return err
	}
	defer freeBatch(b)
	var out *C.float
	if len(dst) > 0 {
		out = (*C.float)(unsafe.Pointer(&dst[0]))
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.ptr == nil {
		return newError(StatusInvalidArgument, errClosed)
	}
	runtime.LockOSThread()
	err = lastError(C.m2v_go_encode(unsafe.Pointer(m.ptr), b, C.size_t(len(texts)), out, C.size_t(len(dst))))
	runtime.UnlockOSThread()
	copyStatus(b, len(texts), opts)
	return err
}

// Tokenize gives the token ids Encode pools for each text (m2v_tokenize): after the character
// cut, truncation to MaxLength and removal of the unknown token. The rows share one backing
// array. Errors as Encode.
func (m *Model) Tokenize(texts []string, opts *EncodeOptions) ([][]int32, error) {
	b, err := newBatch(texts, opts)
	if err != nil {
		return nil, err
	}
	defer freeBatch(b)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.ptr == nil {
		return nil, newError(StatusInvalidArgument, errClosed)
	}
	var ids *C.m2v_ids
	runtime.LockOSThread()
	err = lastError(C.m2v_tokenize(m.ptr, b.texts, b.lengths, C.size_t(len(texts)), &b.params, &ids))
	runtime.UnlockOSThread()
	copyStatus(b, len(texts), opts)
	if err != nil {
		return nil, err
	}
	defer C.m2v_ids_free(ids)
	return goIDs(ids), nil
}

// goIDs copies an m2v_ids into Go rows sharing one backing array.
func goIDs(ids *C.m2v_ids) [][]int32 {
	n := int(ids.n_texts)
	if n == 0 || ids.offsets == nil {
		return [][]int32{}
	}
	offsets := unsafe.Slice(ids.offsets, n+1)
	flat := make([]int32, int(offsets[n]))
	if len(flat) > 0 {
		copy(flat, unsafe.Slice((*int32)(unsafe.Pointer(ids.ids)), len(flat)))
	}
	rows := make([][]int32, n)
	for i := range rows {
		lo, hi := int(offsets[i]), int(offsets[i+1])
		rows[i] = flat[lo:hi:hi]
	}
	return rows
}

// Tokenizer is a HuggingFace tokenizer.json (an m2v_tokenizer): the ids HF `tokenizers` gives.
// Safe for concurrent use, as Model.
type Tokenizer struct {
	mu        sync.RWMutex
	ptr       *C.m2v_tokenizer
	vocabSize int
}

// LoadTokenizer loads a tokenizer.json file (m2v_tokenizer_load). Errors: StatusNotFound,
// StatusIO, StatusFormat, StatusUnsupported (the message names the component).
func LoadTokenizer(path string) (*Tokenizer, error) {
	cpath, err := cPath("path", path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var ptr *C.m2v_tokenizer
	runtime.LockOSThread()
	err = lastError(C.m2v_tokenizer_load(cpath, &ptr))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	return newTokenizer(ptr), nil
}

// LoadTokenizerJSON loads a tokenizer from tokenizer.json bytes (m2v_tokenizer_load_from_memory).
func LoadTokenizerJSON(data []byte) (*Tokenizer, error) {
	var p *C.char
	if len(data) > 0 {
		p = (*C.char)(unsafe.Pointer(&data[0]))
	}
	var ptr *C.m2v_tokenizer
	runtime.LockOSThread()
	err := lastError(C.m2v_tokenizer_load_from_memory(p, C.size_t(len(data)), &ptr))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	return newTokenizer(ptr), nil
}

func newTokenizer(ptr *C.m2v_tokenizer) *Tokenizer {
	t := &Tokenizer{ptr: ptr, vocabSize: int(C.m2v_tokenizer_vocab_size(ptr))}
	runtime.SetFinalizer(t, (*Tokenizer).Close)
	return t
}

// Close frees the tokenizer (m2v_tokenizer_free), as Model.Close: idempotent, waits for calls in
// progress, always returns nil.
func (t *Tokenizer) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ptr != nil {
		C.m2v_tokenizer_free(t.ptr)
		t.ptr = nil
		runtime.SetFinalizer(t, nil)
	}
	return nil
}

// VocabSize is one more than the largest token id (m2v_tokenizer_vocab_size), cached at load.
func (t *Tokenizer) VocabSize() int { return t.vocabSize }

// Direction is a truncation or padding side.
type Direction int8

// The values of Direction.
const (
	DirectionDefault Direction = iota // truncation: tokenizer.json's (right when none); padding: right
	Right                             // truncation keeps the first ids; padding appends
	Left                              // truncation keeps the last ids; padding prepends
)

// TokenizerOptions are m2v_tokenizer_encode_params: HF's no_truncation / enable_truncation /
// no_padding / enable_padding for one call. The zero value (or nil) means the defaults: special
// tokens added, truncation and padding as tokenizer.json says.
type TokenizerOptions struct {
	// AddSpecialTokens: Default or On = apply the post-processor ([CLS] ... [SEP]); Off = not.
	AddSpecialTokens Switch
	// Truncation: 0 = tokenizer.json's "truncation" (none when null), NoLimit = none, > 0 = at
	// most this many ids, special tokens included.
	Truncation int
	// TruncationDirection: DirectionDefault = the file's (right when none), Right, Left.
	TruncationDirection Direction
	// Padding: Default = tokenizer.json's "padding" (none when null), Off, On (as below).
	Padding Switch
	// With Padding On: PadLength 0 = to the batch's longest, > 0 = to this length; PadID the id
	// added; PadToMultipleOf rounds the length up (0 = no); PadDirection Right (default) or Left.
	PadLength       int
	PadID           int32
	PadToMultipleOf int
	PadDirection    Direction
}

func (o *TokenizerOptions) apply(p *C.m2v_tokenizer_encode_params) error {
	if err := o.AddSpecialTokens.apply("TokenizerOptions.AddSpecialTokens", &p.add_special_tokens); err != nil {
		return err
	}
	if err := applyLimit("TokenizerOptions.Truncation", o.Truncation, &p.truncation); err != nil {
		return err
	}
	switch o.TruncationDirection {
	case DirectionDefault:
	case Right:
		p.truncation_direction = 0
	case Left:
		p.truncation_direction = 1
	default:
		return argError("TokenizerOptions.TruncationDirection: %d is not a Direction", o.TruncationDirection)
	}
	if err := o.Padding.apply("TokenizerOptions.Padding", &p.padding); err != nil {
		return err
	}
	if err := applyInt32("TokenizerOptions.PadLength", o.PadLength, &p.pad_length); err != nil {
		return err
	}
	p.pad_id = C.int32_t(o.PadID)
	if err := applyInt32("TokenizerOptions.PadToMultipleOf", o.PadToMultipleOf, &p.pad_to_multiple_of); err != nil {
		return err
	}
	switch o.PadDirection {
	case DirectionDefault, Right:
		p.pad_direction = 0
	case Left:
		p.pad_direction = 1
	default:
		return argError("TokenizerOptions.PadDirection: %d is not a Direction", o.PadDirection)
	}
	return nil
}

// Encode gives the ids HF tokenizers' encode_batch gives for texts (m2v_tokenizer_encode_v2),
// one row per text sharing one backing array. opts nil means defaults. Errors:
// StatusInvalidUTF8, StatusInvalidArgument (a bad option or a text too long), StatusOutOfMemory.
func (t *Tokenizer) Encode(texts []string, opts *TokenizerOptions) ([][]int32, error) {
	b, err := newBatch(texts, nil)
	if err != nil {
		return nil, err
	}
	defer freeBatch(b)
	if opts != nil {
		if err := opts.apply(&b.tok_params); err != nil {
			return nil, err
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return nil, newError(StatusInvalidArgument, errClosed)
	}
	var ids *C.m2v_ids
	runtime.LockOSThread()
	err = lastError(C.m2v_tokenizer_encode_v2(t.ptr, b.texts, b.lengths, C.size_t(len(texts)), &b.tok_params, &ids))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	defer C.m2v_ids_free(ids)
	return goIDs(ids), nil
}
