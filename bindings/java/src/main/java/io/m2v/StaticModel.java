package io.m2v;

import java.util.Arrays;
import java.util.List;

/**
 * A model2vec model over libm2v: model2vec's {@code StaticModel} encode surface.
 *
 * <pre>{@code
 * try (StaticModel model = StaticModel.fromPretrained("path/to/model")) {   // or a cached hub id
 *     float[][] vectors = model.encode(List.of("hello world", "static embeddings"));
 * }
 * }</pre>
 *
 * Thread-safe: any number of threads may encode with one model at once. {@link #close()} waits
 * for calls in progress; later calls throw {@link M2VException} (M2V_ERR_INVALID_ARGUMENT). A
 * model never closed is freed after the GC finds it unreachable, but its table (often a mapped
 * file) is memory the GC does not see: close models you are done with.
 */
public final class StaticModel implements AutoCloseable {
    private final Handle handle;
    private final int dim;
    private final long vocabSize;
    private final boolean normalize;
    private final long maxLength;
    private final long medianTokenLength;
    private final int unkTokenId;

    private StaticModel(long pointer) {
        long[] info;
        try {
            info = Native.info(pointer);
        } catch (RuntimeException | Error e) {
            Native.free(pointer);
            throw e;
        }
        this.handle = new Handle(this, pointer, Native::free, "model");
        this.dim = (int) info[0];
        this.vocabSize = info[1];
        this.normalize = info[2] == 1;
        this.maxLength = info[3];
        this.medianTokenLength = info[4];
        this.unkTokenId = (int) info[5];
    }

    /** Load a model folder, or a hub id ("org/name") already in the local Hugging Face cache. */
    public static StaticModel fromPretrained(String pathOrId) {
        return fromPretrained(pathOrId, null, null, null);
    }

    /**
     * Load with options; a null option means the library's default.
     *
     * @param normalize whether encode normalizes by default (default: config.json's)
     * @param maxLength encode's default truncation in tokens, 0 = none (default: config.json's,
     *     else 512)
     * @param mmap map model.safetensors (default true) or read it into memory
     */
    public static StaticModel fromPretrained(String pathOrId, Boolean normalize, Integer maxLength, Boolean mmap) {
        byte[] path = Texts.path(pathOrId, "pathOrId");
        if (maxLength != null && maxLength < 0) throw M2VException.invalidArgument("maxLength must be >= 0 (0 = none), got " + maxLength);
        int n = normalize == null ? -1 : (normalize ? 1 : 0);
        int m = maxLength == null ? -1 : maxLength;
        int map = mmap == null ? -1 : (mmap ? 1 : 0);
        return new StaticModel(Native.load(path, n, m, map));
    }

    /** Floats per vector. */
    public int dim() {
        return dim;
    }

    /** Rows of the table: one more than the largest token id. */
    public long vocabSize() {
        return vocabSize;
    }

    /** Whether encode L2-normalizes by default. */
    public boolean normalize() {
        return normalize;
    }

    /** Encode's default truncation in tokens; 0 = none. */
    public long maxLength() {
        return maxLength;
    }

    public long medianTokenLength() {
        return medianTokenLength;
    }

    /** The unknown token's id (removed from every tokenization), or -1. */
    public int unkTokenId() {
        return unkTokenId;
    }

    /** One vector of dim() floats per text (String or UTF-8 byte[]): model2vec's encode numbers. */
    public float[][] encode(List<?> texts) {
        return encode(texts, null);
    }

    public float[][] encode(List<?> texts, EncodeOptions options) {
        float[] flat = encodeFlat(texts, options);
        if (dim == 0) return new float[texts.size()][0];
        float[][] rows = new float[flat.length / dim][];
        for (int i = 0; i < rows.length; i++) rows[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
        return rows;
    }

    /** One text's vector. */
    public float[] encode(String text) {
        if (text == null) throw M2VException.invalidArgument("text is null");
        return encodeFlat(List.of(text), null);
    }

    /** The vectors row-major in one array of texts.size() * dim() floats. */
    public float[] encodeFlat(List<?> texts, EncodeOptions options) {
        Texts t = Texts.of(texts);
        long count = (long) t.size * dim;
        if (count > Integer.MAX_VALUE - 8) {
            throw new M2VException(M2VException.OUT_OF_MEMORY, "M2V_ERR_OUT_OF_MEMORY",
                    t.size + " texts x " + dim + " floats do not fit in one Java array; split the batch");
        }
        float[] out = new float[(int) count];
        encodeInto(out, t, options);
        return out;
    }

    /** Writes the vectors row-major into out (at least texts.size() * dim() floats); returns out. */
    public float[] encodeInto(float[] out, List<?> texts, EncodeOptions options) {
        if (out == null) throw M2VException.invalidArgument("out is null");
        return encodeInto(out, Texts.of(texts), options);
    }

    private float[] encodeInto(float[] out, Texts t, EncodeOptions options) {
        int[] status = options == null ? null : options.textStatus;
        if (status != null && status.length != t.size) {
            throw M2VException.invalidArgument("textStatus has " + status.length + " entries for " + t.size + " texts");
        }
        return handle.call(this, p -> {
            Native.encode(p, t.data, t.offsets, EncodeOptions.params(options), out, status);
            return out;
        });
    }

    /** The token ids encode pools, per text (unknown token removed, truncated as encode). */
    public int[][] tokenize(List<?> texts, EncodeOptions options) {
        Texts t = Texts.of(texts);
        return handle.call(this, p -> Native.tokenize(p, t.data, t.offsets, EncodeOptions.params(options)));
    }

    public int[][] tokenize(List<?> texts) {
        return tokenize(texts, null);
    }

    /**
     * Per text, its tokens' vectors (weights applied, no mean) row-major: text i has
     * result[i].length / dim() tokens. model2vec's encode_as_sequence: no truncation unless
     * options set maxLength.
     */
    public float[][] encodeAsSequence(List<?> texts, EncodeOptions options) {
        Texts t = Texts.of(texts);
        return handle.call(this, p -> Native.encodeAsSequence(p, t.data, t.offsets, EncodeOptions.params(options)));
    }

    /** The string of token id, or null when out of range. */
    public String token(int id) {
        return handle.call(this, p -> Texts.string(Native.token(p, id)));
    }

    /** Free the model (waits for calls in progress). Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    /** libm2v's version string. */
    public static String libraryVersion() {
        return Texts.string(Native.version());
    }

    /** The local folder of a model path or a cached hub id (nothing is downloaded). */
    public static String hubResolve(String pathOrId) {
        return Texts.string(Native.hubResolve(Texts.path(pathOrId, "pathOrId")));
    }
}
