package m2v_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	m2v "github.com/m2v/m2v/bindings/go"
)

// classifierDir is the repository's Tests/classifiers: three pipelines and expected.json, the
// predict / predict_proba model2vec gave for their texts.
var classifierDir = filepath.Join("..", "..", "Tests", "classifiers")

type classifierCase struct {
	Texts        []string        `json:"texts"`
	Predict      json.RawMessage `json:"predict"`
	PredictProba [][]float64     `json:"predict_proba"`
}

func loadExpected(t *testing.T) map[string]classifierCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(classifierDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]classifierCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func closeRows(t *testing.T, what string, got [][]float32, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d values, want %d", what, i, len(got[i]), len(want[i]))
		}
		for j, w := range want[i] {
			if d := math.Abs(float64(got[i][j]) - w); d > 1e-4*math.Max(1, math.Abs(w)) {
				t.Fatalf("%s[%d][%d] = %g, model2vec %g", what, i, j, got[i][j], w)
			}
		}
	}
}

func TestClassifierMatchesModel2Vec(t *testing.T) {
	cases := loadExpected(t)
	for name, task := range map[string]m2v.Task{
		"single-label": m2v.TaskSingleLabel, "multi-label": m2v.TaskMultiLabel, "regression": m2v.TaskRegression,
	} {
		t.Run(name, func(t *testing.T) {
			want := cases[name]
			c, err := m2v.LoadClassifier(filepath.Join(classifierDir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Task() != task || c.Task().String() != name {
				t.Fatalf("task %v, want %v", c.Task(), task)
			}
			proba, err := c.PredictProba(want.Texts, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch task {
			case m2v.TaskSingleLabel:
				var labels []string
				if err := json.Unmarshal(want.Predict, &labels); err != nil {
					t.Fatal(err)
				}
				got, err := c.Predict(want.Texts, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, labels) {
					t.Fatalf("Predict = %v\nmodel2vec %v", got, labels)
				}
				closeRows(t, "PredictProba", proba, want.PredictProba)
				_, err = c.PredictMultiLabel(want.Texts[:1], nil, m2v.DefaultThreshold)
				wantStatus(t, err, m2v.StatusInvalidArgument)
			case m2v.TaskMultiLabel:
				var labels [][]string
				if err := json.Unmarshal(want.Predict, &labels); err != nil {
					t.Fatal(err)
				}
				got, err := c.PredictMultiLabel(want.Texts, nil, m2v.DefaultThreshold)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, labels) {
					t.Fatalf("PredictMultiLabel = %v\nmodel2vec %v", got, labels)
				}
				closeRows(t, "PredictProba", proba, want.PredictProba)
				none, err := c.PredictMultiLabel(want.Texts[:1], nil, 1)
				if err != nil || len(none) != 1 || len(none[0]) != 0 {
					t.Fatalf("threshold 1: %v, %v", none, err)
				}
				_, err = c.PredictIndices(want.Texts[:1], nil, float32(math.NaN()))
				wantStatus(t, err, m2v.StatusInvalidArgument)
				_, err = c.Predict(want.Texts[:1], nil)
				wantStatus(t, err, m2v.StatusInvalidArgument)
			case m2v.TaskRegression:
				var values [][]float64
				if err := json.Unmarshal(want.Predict, &values); err != nil {
					t.Fatal(err)
				}
				closeRows(t, "PredictProba (regression predict)", proba, values)
				if len(c.Classes()) != 0 {
					t.Fatalf("regression classes %v", c.Classes())
				}
				_, err = c.PredictIndices(want.Texts[:1], nil, 0.5)
				wantStatus(t, err, m2v.StatusInvalidArgument)
			}
			if task != m2v.TaskRegression && len(c.Classes()) != c.NOutputs() {
				t.Fatalf("%d classes for %d outputs", len(c.Classes()), c.NOutputs())
			}
			_, err = c.PredictProba([]string{"ok", "\xff"}, nil)
			wantStatus(t, err, m2v.StatusInvalidUTF8)
			empty, err := c.PredictProba(nil, nil)
			if err != nil || len(empty) != 0 {
				t.Fatalf("no texts: %v, %v", empty, err)
			}
			c.Close()
			c.Close()
			_, err = c.PredictProba([]string{"x"}, nil)
			wantStatus(t, err, m2v.StatusInvalidArgument)
		})
	}
	_, err := m2v.LoadClassifier(filepath.Join(classifierDir, "no-such-pipeline"))
	wantStatus(t, err, m2v.StatusNotFound)
}
