package io.m2v;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A model2vec classifier pipeline ({@code model2vec.inference.StaticModelPipeline}): a static
 * model whose vectors go through an MLP head, over libm2v's {@code m2v_classifier_*}.
 *
 * <pre>{@code
 * try (Classifier clf = Classifier.fromPretrained("path/to/pipeline")) {
 *     List<String> labels = clf.predict(List.of("Utilities for with-statement contexts."));
 * }
 * }</pre>
 *
 * Thread-safe, with {@link #close()} as {@link StaticModel#close()}: it waits for calls in
 * progress, later calls throw M2V_ERR_INVALID_ARGUMENT, forgotten classifiers are freed by a
 * Cleaner. Encode options apply to the texts as in {@link StaticModel#encode(List,
 * EncodeOptions)} (null: the model's defaults, as the pipeline encodes); textStatus is not
 * supported here.
 */
public final class Classifier implements AutoCloseable {
    /** What the head predicts, from its output activation (m2v_task). */
    public enum Task {
        /** softmax: one class per text ({@link #predict}) */
        SINGLE_LABEL,
        /** sigmoid: every class above a threshold ({@link #predictMultiLabel}) */
        MULTI_LABEL,
        /** identity: raw values ({@link #predictProba}) */
        REGRESSION;

        /** "single-label", "multi-label" or "regression" (the Go and Node bindings' names). */
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** model2vec's multi-label threshold. */
    public static final float DEFAULT_THRESHOLD = 0.5f;

    private final Handle handle;
    private final Task task;
    private final int nOutputs;
    private final int nLayers;
    private final int dim;
    private final List<String> classes;
    private final boolean[] integer;

    private Classifier(long pointer) {
        long[] info;
        List<String> names = new ArrayList<>();
        boolean[] isInt;
        try {
            info = Native.classifierInfo(pointer);
            if (info[0] < 0 || info[0] >= Task.values().length || info[1] > Integer.MAX_VALUE || info[4] > Integer.MAX_VALUE) {
                throw new M2VException(M2VException.INTERNAL, "M2V_ERR_INTERNAL", "classifier info out of range: " + Arrays.toString(info));
            }
            isInt = new boolean[(int) info[4]];
            for (int i = 0; i < isInt.length; i++) {
                byte[] name = Native.classifierClassName(pointer, i);
                names.add(name == null ? "" : Texts.string(name));
                isInt[i] = Native.classifierClassIsInteger(pointer, i) == 1;
            }
        } catch (RuntimeException | Error e) {
            Native.classifierFree(pointer);
            throw e;
        }
        this.handle = new Handle(this, pointer, Native::classifierFree, "classifier");
        this.task = Task.values()[(int) info[0]];
        this.nOutputs = (int) info[1];
        this.nLayers = (int) info[2];
        this.dim = (int) info[3];
        this.classes = Collections.unmodifiableList(names);
        this.integer = isInt;
    }

    /** Load a pipeline folder (model files, head.safetensors, config.json's head_config), or a
     * hub id in the local Hugging Face cache. */
    public static Classifier fromPretrained(String pathOrId) {
        return new Classifier(Native.classifierLoad(Texts.path(pathOrId, "pathOrId")));
    }

    public Task task() {
        return task;
    }

    /** Probabilities (or regression values) per text. */
    public int nOutputs() {
        return nOutputs;
    }

    /** Linear layers of the head. */
    public int nLayers() {
        return nLayers;
    }

    /** Floats per vector of the encoder. */
    public int dim() {
        return dim;
    }

    /** The labels in output order (empty for a regression head saved without classes); integer
     * labels in decimal ({@link #classIsInteger}). Unmodifiable. */
    public List<String> classes() {
        return classes;
    }

    /** Whether class i was an integer label in config.json. */
    public boolean classIsInteger(int i) {
        return i >= 0 && i < integer.length && integer[i];
    }

    private static int[] params(EncodeOptions options) {
        if (options != null && options.textStatus != null) {
            throw M2VException.invalidArgument("textStatus is not supported by Classifier");
        }
        return EncodeOptions.params(options);
    }

    /** model2vec's predict_proba: nOutputs() floats per text (softmax or sigmoid; regression: the
     * values, model2vec's predict). */
    public float[][] predictProba(List<?> texts, EncodeOptions options) {
        Texts t = Texts.of(texts);
        int[] p = params(options);
        float[] flat = handle.call(this, h -> Native.classifierPredictProba(h, t.data, t.offsets, p));
        float[][] rows = new float[t.size][];
        for (int i = 0; i < rows.length; i++) rows[i] = Arrays.copyOfRange(flat, i * nOutputs, (i + 1) * nOutputs);
        return rows;
    }

    public float[][] predictProba(List<?> texts) {
        return predictProba(texts, null);
    }

    /** m2v_classifier_predict as it is: single-label, one class index per text; multi-label,
     * texts.size() * nOutputs() flags (1 = above threshold). Regression or a NaN threshold:
     * M2V_ERR_INVALID_ARGUMENT. */
    public int[] predictIndices(List<?> texts, EncodeOptions options, float threshold) {
        Texts t = Texts.of(texts);
        int[] p = params(options);
        return handle.call(this, h -> Native.classifierPredict(h, t.data, t.offsets, p, threshold));
    }

    /** model2vec's predict for a single-label pipeline: one label per text. Other tasks:
     * M2V_ERR_INVALID_ARGUMENT (use predictMultiLabel or predictProba). */
    public List<String> predict(List<?> texts, EncodeOptions options) {
        if (task != Task.SINGLE_LABEL) {
            throw M2VException.invalidArgument("predict: the classifier is " + task + "; use predictMultiLabel or predictProba");
        }
        int[] idx = predictIndices(texts, options, DEFAULT_THRESHOLD);
        List<String> out = new ArrayList<>(idx.length);
        for (int j : idx) {
            if (j < 0 || j >= classes.size()) throw new M2VException(M2VException.INTERNAL, "M2V_ERR_INTERNAL", "class index " + j + " out of range");
            out.add(classes.get(j));
        }
        return out;
    }

    public List<String> predict(List<?> texts) {
        return predict(texts, null);
    }

    /** model2vec's predict for a multi-label pipeline: per text, the labels whose probability is
     * above threshold, in class order. Other tasks: M2V_ERR_INVALID_ARGUMENT. */
    public List<List<String>> predictMultiLabel(List<?> texts, EncodeOptions options, float threshold) {
        if (task != Task.MULTI_LABEL) {
            throw M2VException.invalidArgument("predictMultiLabel: the classifier is " + task + "; use predict or predictProba");
        }
        int[] flags = predictIndices(texts, options, threshold);
        int k = nOutputs;
        if (classes.size() != k) throw new M2VException(M2VException.INTERNAL, "M2V_ERR_INTERNAL", "classes do not match the outputs");
        List<List<String>> out = new ArrayList<>(flags.length / Math.max(k, 1));
        for (int i = 0; k > 0 && i < flags.length / k; i++) {
            List<String> labels = new ArrayList<>();
            for (int j = 0; j < k; j++) if (flags[i * k + j] != 0) labels.add(classes.get(j));
            out.add(labels);
        }
        if (k == 0) for (int i = 0; i < texts.size(); i++) out.add(new ArrayList<>());
        return out;
    }

    public List<List<String>> predictMultiLabel(List<?> texts) {
        return predictMultiLabel(texts, null, DEFAULT_THRESHOLD);
    }

    /** Free the classifier (waits for calls in progress). Idempotent. */
    @Override
    public void close() {
        handle.close();
    }
}
