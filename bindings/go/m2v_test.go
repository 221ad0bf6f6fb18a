package m2v_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	m2v "github.com/m2v/m2v/bindings/go"
)

// fixture is what `make test-go` provides: the model, the texts (Tests/bindings/texts.txt) and
// the float32 bytes bindings/c/stream.c wrote for them (build/bindings/expected.f32).
type fixture struct {
	model    string
	texts    []string
	expected []byte
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	var missing []string
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	f := fixture{model: get("M2V_TEST_MODEL")}
	textsPath, expectedPath := get("M2V_TEST_TEXTS"), get("M2V_TEST_EXPECTED")
	if len(missing) > 0 {
		t.Fatalf("%s not set: run `make test-go` from the repository root (it writes the C "+
			"reference bytes and sets M2V_TEST_MODEL, M2V_TEST_TEXTS and M2V_TEST_EXPECTED)",
			strings.Join(missing, ", "))
	}
	data, err := os.ReadFile(textsPath)
	if err != nil {
		t.Fatal(err)
	}
	// Lines split on '\n' as stream.c reads them: the empty piece after the last newline is not a
	// text, empty lines are.
	f.texts = strings.Split(string(data), "\n")
	if f.texts[len(f.texts)-1] == "" {
		f.texts = f.texts[:len(f.texts)-1]
	}
	if f.expected, err = os.ReadFile(expectedPath); err != nil {
		t.Fatal(err)
	}
	return f
}

func loadModel(t *testing.T, f fixture) *m2v.Model {
	t.Helper()
	model, err := m2v.Load(f.model, nil)
	if err != nil {
		t.Fatalf("Load(%q): %v", f.model, err)
	}
	t.Cleanup(func() { model.Close() })
	return model
}

// le is the little-endian float32 bytes of vectors, stream.c's output format.
func le(vectors []float32) []byte {
	out := make([]byte, 4*len(vectors))
	for i, v := range vectors {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
	return out
}

func flatten(rows [][]float32) []float32 {
	var flat []float32
	for _, r := range rows {
		flat = append(flat, r...)
	}
	return flat
}

// sameBytes fails with the first differing float (text and column) when got != want.
func sameBytes(t *testing.T, what string, got, want []byte, dim int) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d bytes, the C result has %d", what, len(got), len(want))
	}
	for i := 0; i+4 <= len(got); i += 4 {
		if !bytes.Equal(got[i:i+4], want[i:i+4]) {
			g := math.Float32frombits(binary.LittleEndian.Uint32(got[i:]))
			w := math.Float32frombits(binary.LittleEndian.Uint32(want[i:]))
			t.Fatalf("%s: text %d, float %d: %g (0x%08x), the C result has %g (0x%08x)", what, i/4/dim, i/4%dim,
				g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

func wantStatus(t *testing.T, err error, status m2v.Status) *m2v.Error {
	t.Helper()
	var e *m2v.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want an *m2v.Error with %v", err, err, status)
	}
	if e.Status != status || e.Name != status.String() || !errors.Is(err, status) {
		t.Fatalf("got %+v, want status %d (%s)", e, int(status), status)
	}
	if e.Message == "" {
		t.Fatalf("%s without a message", e.Name)
	}
	return e
}

// The Go binding's vectors are the C library's, byte for byte: all texts, default options, one call.
func TestEncodeEqualsC(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	rows, err := model.Encode(f.texts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(f.texts) {
		t.Fatalf("%d rows for %d texts", len(rows), len(f.texts))
	}
	for i, r := range rows {
		if len(r) != model.Dim() || cap(r) != model.Dim() {
			t.Fatalf("row %d: len %d cap %d, want %d", i, len(r), cap(r), model.Dim())
		}
	}
	if want := len(f.texts) * model.Dim() * 4; len(f.expected) != want {
		t.Fatalf("M2V_TEST_EXPECTED has %d bytes, %d texts x dim %d need %d", len(f.expected), len(f.texts), model.Dim(), want)
	}
	sameBytes(t, "Encode", le(flatten(rows)), f.expected, model.Dim())
	t.Logf("%d texts x %d floats equal the C result (libm2v %s)", len(f.texts), model.Dim(), m2v.Version())
}

func TestEncodeIntoEqualsC(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	dim := model.Dim()
	// One spare float at the end must stay untouched.
	dst := make([]float32, len(f.texts)*dim+1)
	dst[len(dst)-1] = 42
	if err := model.EncodeInto(dst, f.texts, nil); err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "EncodeInto", le(dst[:len(dst)-1]), f.expected, dim)
	if dst[len(dst)-1] != 42 {
		t.Fatal("EncodeInto wrote past len(texts)*Dim()")
	}
	// Slices of the input give the same bytes as one call (stream.c's chunking).
	for start := 0; start < len(f.texts); start += 3 {
		end := start + 3
		if end > len(f.texts) {
			end = len(f.texts)
		}
		if err := model.EncodeInto(dst[start*dim:], f.texts[start:end], nil); err != nil {
			t.Fatal(err)
		}
	}
	sameBytes(t, "EncodeInto in chunks of 3", le(dst[:len(dst)-1]), f.expected, dim)
	allocs := testing.AllocsPerRun(20, func() {
		if err := model.EncodeInto(dst, f.texts, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("EncodeInto: %v Go heap allocations per call, want 0", allocs)
	}
	err := model.EncodeInto(dst[:dim], f.texts[:2], nil)
	wantStatus(t, err, m2v.StatusBufferTooSmall)
}

func TestEncodeEmptyAndOptions(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	rows, err := model.Encode(nil, nil)
	if err != nil || len(rows) != 0 {
		t.Fatalf("Encode(nil) = %v, %v", rows, err)
	}
	if ids, err := model.Tokenize(nil, nil); err != nil || len(ids) != 0 {
		t.Fatalf("Tokenize(nil) = %v, %v", ids, err)
	}
	if !model.Normalize() || model.MaxLength() != 512 || model.VocabSize() <= 0 || model.Dim() <= 0 {
		t.Fatalf("model: normalize %v max_length %d vocab %d dim %d", model.Normalize(), model.MaxLength(), model.VocabSize(), model.Dim())
	}
	// The model normalizes: every vector has norm 1 (or 0 without tokens). Off must differ.
	raw, err := model.Encode(f.texts, &m2v.EncodeOptions{Normalize: m2v.Off, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := model.Encode(f.texts, &m2v.EncodeOptions{Normalize: m2v.On})
	sameBytes(t, "Normalize On", le(flatten(norm)), f.expected, model.Dim())
	unnormalized := 0
	for i := range raw {
		var n float64
		for _, v := range raw[i] {
			n += float64(v) * float64(v)
		}
		if n != 0 && math.Abs(math.Sqrt(n)-1) > 1e-3 {
			unnormalized++
		}
	}
	if unnormalized == 0 {
		t.Fatal("Normalize Off gave only unit vectors")
	}
	ids, err := model.Tokenize(f.texts, &m2v.EncodeOptions{MaxLength: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range ids {
		if len(r) > 2 {
			t.Fatalf("MaxLength 2: text %d has %d ids", i, len(r))
		}
	}
	_, err = model.Encode(f.texts, &m2v.EncodeOptions{Normalize: 7})
	wantStatus(t, err, m2v.StatusInvalidArgument)
	_, err = model.Encode(f.texts, &m2v.EncodeOptions{MaxLength: -2})
	wantStatus(t, err, m2v.StatusInvalidArgument)
	_, err = model.Encode(f.texts, &m2v.EncodeOptions{TextStatus: make([]m2v.Status, 1)})
	wantStatus(t, err, m2v.StatusInvalidArgument)
}

// Model.Tokenize's ids are the tokenizer's (no special tokens, no truncation or padding) with
// the unknown token removed.
func TestTokenizeMatchesTokenizer(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	tok, err := m2v.LoadTokenizer(filepath.Join(f.model, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	if tok.VocabSize() != model.VocabSize() {
		t.Fatalf("tokenizer vocab %d, model vocab %d", tok.VocabSize(), model.VocabSize())
	}
	got, err := model.Tokenize(f.texts, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tok.Encode(f.texts, &m2v.TokenizerOptions{AddSpecialTokens: m2v.Off, Truncation: m2v.NoLimit, Padding: m2v.Off})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(f.texts) || len(raw) != len(f.texts) {
		t.Fatalf("%d and %d id rows for %d texts", len(got), len(raw), len(f.texts))
	}
	total := 0
	for i := range f.texts {
		var want []int32
		for _, id := range raw[i] {
			if id != model.UnkTokenID() {
				want = append(want, id)
			}
		}
		if len(got[i]) != len(want) {
			t.Fatalf("text %d %q: Tokenize gives %d ids, the tokenizer %d without unk", i, f.texts[i], len(got[i]), len(want))
		}
		for j := range want {
			if got[i][j] != want[j] || want[j] < 0 || int(want[j]) >= model.VocabSize() {
				t.Fatalf("text %d: ids %v, tokenizer %v", i, got[i], want)
			}
		}
		total += len(want)
	}
	if total == 0 {
		t.Fatal("no ids at all")
	}
	// The same tokenizer from memory gives the same ids.
	data, err := os.ReadFile(filepath.Join(f.model, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := m2v.LoadTokenizerJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	again, err := mem.Encode(f.texts, &m2v.TokenizerOptions{AddSpecialTokens: m2v.Off, Truncation: m2v.NoLimit, Padding: m2v.Off})
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		if len(raw[i]) != len(again[i]) {
			t.Fatalf("text %d: %d ids from the file, %d from memory", i, len(raw[i]), len(again[i]))
		}
	}
	if empty, err := tok.Encode(nil, nil); err != nil || len(empty) != 0 {
		t.Fatalf("Tokenizer.Encode(nil) = %v, %v", empty, err)
	}
	padded, err := tok.Encode([]string{"a", "hello world"}, &m2v.TokenizerOptions{Padding: m2v.On, PadLength: 7, PadID: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(padded[0]) != 7 || padded[0][6] != 3 || len(padded[1]) != 7 {
		t.Fatalf("PadLength 7, PadID 3: %v", padded)
	}
	_, err = m2v.LoadTokenizerJSON([]byte("{not json"))
	wantStatus(t, err, m2v.StatusFormat)
}

func TestLoadNotFound(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-model")
	model, err := m2v.Load(missing, nil)
	if model != nil {
		t.Fatal("Load of a missing folder returned a model")
	}
	e := wantStatus(t, err, m2v.StatusNotFound)
	if e.Name != "M2V_ERR_NOT_FOUND" || !strings.Contains(e.Message, "no-such-model") {
		t.Fatalf("Name %q, Message %q: want M2V_ERR_NOT_FOUND and a message naming the folder", e.Name, e.Message)
	}
	if !strings.HasPrefix(err.Error(), "m2v: M2V_ERR_NOT_FOUND: ") {
		t.Fatalf("Error() = %q", err.Error())
	}
	_, err = m2v.LoadTokenizer(filepath.Join(missing, "tokenizer.json"))
	wantStatus(t, err, m2v.StatusNotFound)
	_, err = m2v.Load("a\x00b", nil)
	wantStatus(t, err, m2v.StatusInvalidArgument)
}

func TestCloseTwice(t *testing.T) {
	f := loadFixture(t)
	model, err := m2v.Load(f.model, &m2v.LoadOptions{Mmap: m2v.Off})
	if err != nil {
		t.Fatal(err)
	}
	dim := model.Dim()
	if err := model.Close(); err != nil {
		t.Fatal(err)
	}
	if err := model.Close(); err != nil {
		t.Fatal(err)
	}
	if model.Dim() != dim {
		t.Fatal("Dim changed after Close")
	}
	_, err = model.Encode(f.texts, nil)
	wantStatus(t, err, m2v.StatusInvalidArgument)
	_, err = model.Tokenize(f.texts, nil)
	wantStatus(t, err, m2v.StatusInvalidArgument)
	tok, err := m2v.LoadTokenizer(filepath.Join(f.model, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	tok.Close()
	tok.Close()
	_, err = tok.Encode(f.texts, nil)
	wantStatus(t, err, m2v.StatusInvalidArgument)
}

// 8 goroutines encoding with one model at once all get the C bytes; then Close waits for them.
func TestConcurrentEncode(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	const goroutines, rounds = 8, 25
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			dst := make([]float32, len(f.texts)*model.Dim())
			for r := 0; r < rounds; r++ {
				var got []byte
				if (g+r)%2 == 0 {
					rows, err := model.Encode(f.texts, nil)
					if err != nil {
						errs <- err
						return
					}
					got = le(flatten(rows))
				} else {
					if err := model.EncodeInto(dst, f.texts, nil); err != nil {
						errs <- err
						return
					}
					got = le(dst)
				}
				if !bytes.Equal(got, f.expected) {
					errs <- errors.New("goroutine " + strconv.Itoa(g) + " round " + strconv.Itoa(r) + ": bytes differ from the C result")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Close while other goroutines encode: each call either finishes with the C bytes or reports
// the closed handle; none touches freed memory.
func TestCloseDuringEncode(t *testing.T) {
	f := loadFixture(t)
	model, err := m2v.Load(f.model, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				rows, err := model.Encode(f.texts, nil)
				if err != nil {
					if !errors.Is(err, m2v.StatusInvalidArgument) {
						t.Error(err)
					}
					return
				}
				if !bytes.Equal(le(flatten(rows)), f.expected) {
					t.Error("bytes differ from the C result")
					return
				}
			}
		}()
	}
	close(start)
	model.Close()
	wg.Wait()
}

// Invalid UTF-8 fails with M2V_ERR_INVALID_UTF8 naming the text; Replace and Skip handle it.
func TestInvalidUTF8(t *testing.T) {
	f := loadFixture(t)
	model := loadModel(t, f)
	texts := []string{"hello world", "bad \xff byte", "nul\x00inside"}
	_, err := model.Encode(texts, nil)
	e := wantStatus(t, err, m2v.StatusInvalidUTF8)
	if e.Name != "M2V_ERR_INVALID_UTF8" || !strings.Contains(e.Message, "text 1") || !strings.Contains(e.Message, "byte 4") {
		t.Fatalf("message %q does not name text 1 and byte 4", e.Message)
	}
	_, err = model.Tokenize(texts, nil)
	wantStatus(t, err, m2v.StatusInvalidUTF8)

	status := make([]m2v.Status, len(texts))
	rows, err := model.Encode(texts, &m2v.EncodeOptions{InvalidText: m2v.InvalidTextSkip, TextStatus: status})
	if err != nil {
		t.Fatal(err)
	}
	if status[0] != m2v.StatusOK || status[1] != m2v.StatusInvalidUTF8 || status[2] != m2v.StatusOK {
		t.Fatalf("TextStatus %v", status)
	}
	for _, v := range rows[1] {
		if v != 0 {
			t.Fatalf("skipped text: %v, want a zero vector", rows[1])
		}
	}
	first, _ := model.Encode(texts[:1], nil)
	if !bytes.Equal(le(rows[0]), le(first[0])) {
		t.Fatal("a skipped neighbour changed text 0's vector")
	}
	if _, err := model.Encode(texts, &m2v.EncodeOptions{InvalidText: m2v.InvalidTextReplace}); err != nil {
		t.Fatalf("InvalidTextReplace: %v", err)
	}
}

func TestStatusNamesAndVersion(t *testing.T) {
	names := []string{"M2V_OK", "M2V_ERR_INVALID_ARGUMENT", "M2V_ERR_NOT_FOUND", "M2V_ERR_IO",
		"M2V_ERR_FORMAT", "M2V_ERR_UNSUPPORTED", "M2V_ERR_BUFFER_TOO_SMALL", "M2V_ERR_OUT_OF_MEMORY",
		"M2V_ERR_INVALID_UTF8", "M2V_ERR_CANCELLED", "M2V_ERR_INTERNAL"}
	consts := []m2v.Status{m2v.StatusOK, m2v.StatusInvalidArgument, m2v.StatusNotFound, m2v.StatusIO,
		m2v.StatusFormat, m2v.StatusUnsupported, m2v.StatusBufferTooSmall, m2v.StatusOutOfMemory,
		m2v.StatusInvalidUTF8, m2v.StatusCancelled, m2v.StatusInternal}
	for i, name := range names {
		if int(consts[i]) != i || consts[i].String() != name {
			t.Errorf("status %d: %d %q, want %q", i, int(consts[i]), consts[i].String(), name)
		}
	}
	if s := m2v.Status(99).String(); s != "M2V_ERR_UNKNOWN" {
		t.Errorf("Status(99) = %q", s)
	}
	v := m2v.Version()
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		t.Fatalf("Version() = %q", v)
	}
	n := 0
	for _, p := range parts {
		d, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("Version() = %q", v)
		}
		n = n*100 + d
	}
	if n != m2v.VersionNumber() {
		t.Fatalf("Version() %q, VersionNumber() %d", v, m2v.VersionNumber())
	}
}

func TestHubResolve(t *testing.T) {
	f := loadFixture(t)
	if got, err := m2v.HubResolve(f.model); err != nil || got != f.model {
		t.Fatalf("HubResolve(existing folder) = %q, %v", got, err)
	}
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	_, err := m2v.HubResolve("no-org/no-model")
	e := wantStatus(t, err, m2v.StatusNotFound)
	if !strings.Contains(e.Message, cache) {
		t.Fatalf("message %q does not name the cache %s", e.Message, cache)
	}
	// A cached snapshot resolves by hub id; a cache folder deeper than HubResolve's first buffer
	// (512 bytes) exercises the retry with the size the library asks for.
	deep := filepath.Join(cache, strings.Repeat("d", 200), strings.Repeat("e", 200), strings.Repeat("f", 200))
	t.Setenv("HF_HUB_CACHE", deep)
	sha := strings.Repeat("0123456789", 4)
	repo := filepath.Join(deep, "models--org--name")
	snapshot := filepath.Join(repo, "snapshots", sha)
	for _, dir := range []string{filepath.Join(repo, "refs"), filepath.Dir(snapshot)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(sha+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f.model, snapshot); err != nil {
		t.Fatal(err)
	}
	got, err := m2v.HubResolve("org/name")
	if err != nil || got != snapshot {
		t.Fatalf("HubResolve = %q, %v; want %q", got, err, snapshot)
	}
	model, err := m2v.Load("org/name", nil)
	if err != nil {
		t.Fatalf("Load by hub id: %v", err)
	}
	model.Close()
}
