package m2v_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	m2v "github.com/m2v/m2v/bindings/go"
)

// Load a model folder (here the one `make test-go` names in M2V_TEST_MODEL), encode texts,
// compare two vectors.
func Example() {
	model, err := m2v.Load(os.Getenv("M2V_TEST_MODEL"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()

	vectors, err := model.Encode([]string{"hello world", "hello world", "Привет, мир!"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	dot := func(a, b []float32) (s float32) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	fmt.Println(len(vectors), len(vectors[0]) == model.Dim())
	fmt.Println(dot(vectors[0], vectors[1]) > 0.99, dot(vectors[0], vectors[2]) < 0.99)
	// Output:
	// 3 true
	// true true
}

// Errors carry the C status: test it with errors.Is, read the details with errors.As.
func ExampleError() {
	_, err := m2v.Load(filepath.Join(os.TempDir(), "no-such-m2v-model"), nil)
	fmt.Println(errors.Is(err, m2v.StatusNotFound))
	var e *m2v.Error
	if errors.As(err, &e) {
		fmt.Println(e.Name)
	}
	// Output:
	// true
	// M2V_ERR_NOT_FOUND
}

// Embed a long list of texts in chunks into one reused buffer, as bindings/c/stream.c does:
// EncodeInto allocates nothing per call, and the vectors equal one call on everything.
func ExampleModel_EncodeInto() {
	model, err := m2v.Load(os.Getenv("M2V_TEST_MODEL"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()

	texts := []string{"one", "two", "three", "four", "five"}
	const chunk = 2
	buf := make([]float32, chunk*model.Dim())
	for start := 0; start < len(texts); start += chunk {
		end := start + chunk
		if end > len(texts) {
			end = len(texts)
		}
		if err := model.EncodeInto(buf, texts[start:end], nil); err != nil {
			fmt.Println(err)
			return
		}
		// buf[:(end-start)*model.Dim()] holds this chunk's vectors: write them out here.
		fmt.Println(end-start, "vectors")
	}
	// Output:
	// 2 vectors
	// 2 vectors
	// 1 vectors
}
