package io.m2v;

/**
 * Options of encode / tokenize / encodeAsSequence ({@code m2v_encode_params}). Every field left
 * unset means the library's default; setters return this for chaining:
 * {@code new EncodeOptions().maxLength(128).threads(1)}.
 */
public final class EncodeOptions {
    /** What a text that cannot be tokenized (invalid UTF-8, too long) does to the call. */
    public enum InvalidText {
        /** the call fails with the first bad text's status (default) */
        ERROR,
        /** each invalid UTF-8 sequence becomes U+FFFD */
        REPLACE,
        /** the text gets no tokens (a zero vector); see textStatus */
        SKIP
    }

    int maxLength = -1;
    int normalize = -1;
    int threads = -1;
    int batchSize = -1;
    int characterCut = -1;
    int invalidText = -1;
    int[] textStatus;

    /** At most this many tokens per text (> 0). Default: the model's maxLength. */
    public EncodeOptions maxLength(int tokens) {
        if (tokens < 1) throw M2VException.invalidArgument("maxLength must be >= 1 (noMaxLength() for none), got " + tokens);
        maxLength = tokens;
        return this;
    }

    /** No truncation. */
    public EncodeOptions noMaxLength() {
        maxLength = 0;
        return this;
    }

    /** L2-normalize (true) or not; default: the model's setting. */
    public EncodeOptions normalize(boolean on) {
        normalize = on ? 1 : 0;
        return this;
    }

    /** Most threads for the call; 0 = all CPUs (the default), 1 = the calling thread only. */
    public EncodeOptions threads(int n) {
        if (n < 0) throw M2VException.invalidArgument("threads must be >= 0, got " + n);
        threads = n;
        return this;
    }

    /** Texts per batch; 0 = the library's default. */
    public EncodeOptions batchSize(int n) {
        if (n < 0) throw M2VException.invalidArgument("batchSize must be >= 0, got " + n);
        batchSize = n;
        return this;
    }

    /** model2vec's cut of each text to maxLength * medianTokenLength characters (default on). */
    public EncodeOptions characterCut(boolean on) {
        characterCut = on ? 1 : 0;
        return this;
    }

    public EncodeOptions invalidText(InvalidText how) {
        if (how == null) throw M2VException.invalidArgument("invalidText is null");
        invalidText = how.ordinal();
        return this;
    }

    /** An array of one entry per text, filled by encode with each text's m2v status. */
    public EncodeOptions textStatus(int[] status) {
        textStatus = status;
        return this;
    }

    static int[] params(EncodeOptions o) {
        if (o == null) return null;
        return new int[] {o.maxLength, o.normalize, o.threads, o.batchSize, o.characterCut, o.invalidText};
    }
}
