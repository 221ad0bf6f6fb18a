// Classifiers: model2vec pipelines (a static model plus an MLP head, as
// model2vec.inference.StaticModelPipeline saves them) over m2v.h's m2v_classifier_* functions.

package m2v

/*
#include "m2v_go.h"
*/
import "C"

import (
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Task is what a classifier predicts (m2v_task), from its head's output activation.
type Task int

// The values of Task.
const (
	TaskSingleLabel Task = 0 // softmax: one class per text (Predict)
	TaskMultiLabel  Task = 1 // sigmoid: every class above a threshold (PredictMultiLabel)
	TaskRegression  Task = 2 // identity: raw output values (PredictProba)
)

func (t Task) String() string {
	switch t {
	case TaskSingleLabel:
		return "single-label"
	case TaskMultiLabel:
		return "multi-label"
	case TaskRegression:
		return "regression"
	}
	return "unknown"
}

// DefaultThreshold is model2vec's multi-label threshold: a class is predicted when its
// probability is above it.
const DefaultThreshold = 0.5

// Classifier is a loaded model2vec pipeline (an m2v_classifier): safe for concurrent use, with
// Close as Model's (idempotent, waits for calls in progress, a finalizer for forgotten ones).
type Classifier struct {
	mu  sync.RWMutex
	ptr *C.m2v_classifier

	task              Task
	nOutputs, nLayers int
	dim               int
	classes           []string
	integer           []bool
}

// LoadClassifier loads a pipeline folder (the model files, head.safetensors, config.json's
// head_config) or a hub id in the local HuggingFace cache (m2v_classifier_load). Errors:
// StatusNotFound (no folder or no head.safetensors), StatusUnsupported (a legacy
// pipeline.skops), StatusFormat, StatusIO, StatusOutOfMemory.
func LoadClassifier(path string) (*Classifier, error) {
	cpath, err := cPath("path", path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var ptr *C.m2v_classifier
	runtime.LockOSThread()
	err = lastError(C.m2v_classifier_load(cpath, nil, &ptr))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	c := &Classifier{
		ptr:      ptr,
		task:     Task(C.m2v_classifier_task(ptr)),
		nOutputs: int(C.m2v_classifier_n_outputs(ptr)),
		nLayers:  int(C.m2v_classifier_n_layers(ptr)),
		dim:      int(C.m2v_model_dim(C.m2v_classifier_model(ptr))),
	}
	n := int(C.m2v_classifier_n_classes(ptr))
	c.classes = make([]string, n)
	c.integer = make([]bool, n)
	for i := 0; i < n; i++ {
		var l C.size_t
		if s := C.m2v_classifier_class_name(ptr, C.size_t(i), &l); s != nil {
			c.classes[i] = C.GoStringN(s, C.int(l))
		}
		c.integer[i] = C.m2v_classifier_class_is_integer(ptr, C.size_t(i)) == 1
	}
	runtime.SetFinalizer(c, (*Classifier).Close)
	return c, nil
}

// Close frees the classifier (m2v_classifier_free); as Model.Close.
func (c *Classifier) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		C.m2v_classifier_free(c.ptr)
		c.ptr = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Task is the classifier's task (m2v_classifier_task).
func (c *Classifier) Task() Task { return c.task }

// NOutputs is the number of probabilities (or regression values) per text.
func (c *Classifier) NOutputs() int { return c.nOutputs }

// NLayers is the number of linear layers of the head.
func (c *Classifier) NLayers() int { return c.nLayers }

// Dim is the number of floats per vector of the classifier's encoder.
func (c *Classifier) Dim() int { return c.dim }

// Classes are the labels in output order (a copy; empty for a regression head saved without
// classes). Integer labels are written in decimal; ClassIsInteger tells them apart.
func (c *Classifier) Classes() []string { return append([]string(nil), c.classes...) }

// ClassIsInteger reports whether class i was an integer label in config.json.
func (c *Classifier) ClassIsInteger(i int) bool { return i >= 0 && i < len(c.integer) && c.integer[i] }

// PredictProba gives the head's outputs per text (m2v_classifier_predict_proba): softmax or
// sigmoid probabilities, or a regression head's values, as model2vec's predict_proba (and
// predict for regression). The texts are encoded with opts as Model.Encode encodes them (nil:
// the model's defaults, as the pipeline does). The rows share one backing array. Errors as
// Model.Encode.
func (c *Classifier) PredictProba(texts []string, opts *EncodeOptions) ([][]float32, error) {
	k := c.nOutputs
	if k > 0 && len(texts) > math.MaxInt/4/k {
		return nil, newError(StatusOutOfMemory, "texts x outputs overflows")
	}
	flat := make([]float32, len(texts)*k)
	b, err := newBatch(texts, opts)
	if err != nil {
		return nil, err
	}
	defer freeBatch(b)
	var out *C.float
	if len(flat) > 0 {
		out = (*C.float)(unsafe.Pointer(&flat[0]))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, newError(StatusInvalidArgument, errClosed)
	}
	runtime.LockOSThread()
	err = lastError(C.m2v_go_predict_proba(unsafe.Pointer(c.ptr), b, C.size_t(len(texts)), out, C.size_t(len(flat))))
	runtime.UnlockOSThread()
	copyStatus(b, len(texts), opts)
	if err != nil {
		return nil, err
	}
	rows := make([][]float32, len(texts))
	for i := range rows {
		rows[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	return rows, nil
}

// PredictIndices is m2v_classifier_predict: single-label, one class index per text;
// multi-label, len(texts)*NOutputs() flags (1 = the probability is above threshold). A
// regression head is StatusInvalidArgument (use PredictProba), as is a NaN threshold.
func (c *Classifier) PredictIndices(texts []string, opts *EncodeOptions, threshold float32) ([]int32, error) {
	per := 1
	if c.task == TaskMultiLabel {
		per = c.nOutputs
	}
	if per > 0 && len(texts) > math.MaxInt/4/per {
		return nil, newError(StatusOutOfMemory, "texts x outputs overflows")
	}
	idx := make([]int32, len(texts)*per)
	b, err := newBatch(texts, opts)
	if err != nil {
		return nil, err
	}
	defer freeBatch(b)
	var out *C.int32_t
	if len(idx) > 0 {
		out = (*C.int32_t)(unsafe.Pointer(&idx[0]))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, newError(StatusInvalidArgument, errClosed)
	}
	runtime.LockOSThread()
	err = lastError(C.m2v_go_predict(unsafe.Pointer(c.ptr), b, C.size_t(len(texts)), C.float(threshold), out, C.size_t(len(idx))))
	runtime.UnlockOSThread()
	copyStatus(b, len(texts), opts)
	if err != nil {
		return nil, err
	}
	return idx, nil
}

// Predict gives one label per text, as model2vec's predict for a single-label pipeline. Other
// tasks are StatusInvalidArgument: use PredictMultiLabel or PredictProba.
func (c *Classifier) Predict(texts []string, opts *EncodeOptions) ([]string, error) {
	if c.task != TaskSingleLabel {
		return nil, argError("Predict: the classifier is %s; use PredictMultiLabel or PredictProba", c.task)
	}
	idx, err := c.PredictIndices(texts, opts, DefaultThreshold)
	if err != nil {
		return nil, err
	}
	labels := make([]string, len(idx))
	for i, j := range idx {
		if j < 0 || int(j) >= len(c.classes) {
			return nil, newError(StatusInternal, "m2v_classifier_predict gave a class index out of range")
		}
		labels[i] = c.classes[j]
	}
	return labels, nil
}

// PredictMultiLabel gives, per text, the labels whose probability is above threshold
// (DefaultThreshold is model2vec's), in class order, as model2vec's predict for a multi-label
// pipeline. Other tasks are StatusInvalidArgument.
func (c *Classifier) PredictMultiLabel(texts []string, opts *EncodeOptions, threshold float32) ([][]string, error) {
	if c.task != TaskMultiLabel {
		return nil, argError("PredictMultiLabel: the classifier is %s; use Predict or PredictProba", c.task)
	}
	flags, err := c.PredictIndices(texts, opts, threshold)
	if err != nil {
		return nil, err
	}
	k := c.nOutputs
	if len(c.classes) != k {
		return nil, newError(StatusInternal, "a multi-label head whose classes do not match its outputs")
	}
	out := make([][]string, len(texts))
	for i := range out {
		labels := []string{}
		for j := 0; j < k; j++ {
			if flags[i*k+j] != 0 {
				labels = append(labels, c.classes[j])
			}
		}
		out[i] = labels
	}
	return out, nil
}
