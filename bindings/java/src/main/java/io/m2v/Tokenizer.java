package io.m2v;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A Hugging Face tokenizer.json: the ids of HF tokenizers' {@code encode_batch}. Thread-safe,
 * closed as {@link StaticModel} is.
 */
public final class Tokenizer implements AutoCloseable {
    private final Handle handle;
    private final long vocabSize;

    private Tokenizer(long pointer) {
        this.vocabSize = Native.tokenizerVocabSize(pointer);
        this.handle = new Handle(this, pointer, Native::tokenizerFree, "tokenizer");
    }

    public static Tokenizer fromFile(String path) {
        return new Tokenizer(Native.tokenizerLoad(Texts.path(path, "path")));
    }

    public static Tokenizer fromJson(String json) {
        if (json == null) throw M2VException.invalidArgument("json is null");
        return new Tokenizer(Native.tokenizerFromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** One more than the largest token id. */
    public long vocabSize() {
        return vocabSize;
    }

    /** HF encode_batch(texts, add_special_tokens), tokenizer.json's truncation and padding applied. */
    public int[][] encode(List<?> texts, boolean addSpecialTokens) {
        return encode(texts, addSpecialTokens, -1, -1);
    }

    /**
     * As {@link #encode(List, boolean)} with truncation (-1 = the file's, 0 = none, n > 0 = at
     * most n ids) and padding (-1 = the file's, 0 = none, 1 = to the batch's longest with id 0).
     */
    public int[][] encode(List<?> texts, boolean addSpecialTokens, int truncation, int padding) {
        if (truncation < -1) throw M2VException.invalidArgument("truncation must be >= -1, got " + truncation);
        if (padding < -1 || padding > 1) throw M2VException.invalidArgument("padding must be -1, 0 or 1, got " + padding);
        Texts t = Texts.of(texts);
        int[] params = {addSpecialTokens ? 1 : 0, truncation, -1, padding, 0, 0, 0, 0};
        return handle.call(this, p -> Native.tokenizerEncode(p, t.data, t.offsets, params));
    }

    /** The string of token id (added tokens included), or null. */
    public String idToToken(int id) {
        return handle.call(this, p -> Texts.string(Native.tokenizerToken(p, id)));
    }

    @Override
    public void close() {
        handle.close();
    }
}
