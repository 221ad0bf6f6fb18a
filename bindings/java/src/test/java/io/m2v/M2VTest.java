package io.m2v;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java binding against the C library (no JUnit: a main that counts failures, exit 1 on any).
 * The vectors of Tests/bindings/texts.txt encoded here must equal bindings/c/stream.c's bytes for
 * the same model, through every path; errors carry the C status, name and message; 8 threads
 * share one model while another closes it; tokenize against the model's tokenizer; tokenizers.
 *
 * Run by `make test-java`, which sets M2V_TEST_MODEL, M2V_TEST_TEXTS and M2V_TEST_EXPECTED.
 */
public final class M2VTest {
    private static int failures = 0;
    private static int checks = 0;

    private static void check(boolean ok, String what) {
        checks++;
        if (!ok) {
            failures++;
            System.err.println("FAIL: " + what);
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static void expectError(Body body, int status, String pattern, String what) {
        try {
            body.run();
            check(false, what + ": no exception");
        } catch (M2VException e) {
            check(e.status() == status, what + ": status " + e.status() + " (" + e.getMessage() + "), want " + status);
            check(e.code().startsWith("M2V_ERR_"), what + ": code " + e.code());
            if (pattern != null) check(Pattern.compile(pattern).matcher(e.getMessage()).find(), what + ": message '" + e.getMessage() + "' lacks /" + pattern + "/");
        } catch (Exception e) {
            check(false, what + ": " + e);
        }
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException(name + " is not set: run `make test-java` from the repository root "
                    + "(it sets M2V_TEST_MODEL, M2V_TEST_TEXTS and M2V_TEST_EXPECTED)");
        }
        return v;
    }

    private static byte[] bytesOf(float[][] rows) {
        int n = 0;
        for (float[] r : rows) n += r.length;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] r : rows) for (float x : r) b.putFloat(x);
        return b.array();
    }

    private static byte[] bytesOf(float[] flat) {
        return bytesOf(new float[][] {flat});
    }

    private static void checkBytes(byte[] got, byte[] want, String what) {
        if (got.length != want.length) {
            check(false, what + ": " + got.length + " bytes, the C result has " + want.length);
            return;
        }
        int i = Arrays.mismatch(got, want);
        check(i < 0, what + ": first differing byte at offset " + i + " (float " + (i / 4) + ")");
    }

    public static void main(String[] args) throws Exception {
        String modelPath = env("M2V_TEST_MODEL");
        // Split on '\n' without the piece after the last newline; '\r' kept (as stream.c).
        String all = new String(Files.readAllBytes(Paths.get(env("M2V_TEST_TEXTS"))), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(all.split("\n", -1)));
        if (!texts.isEmpty() && texts.get(texts.size() - 1).isEmpty()) texts.remove(texts.size() - 1);
        byte[] expected = Files.readAllBytes(Paths.get(env("M2V_TEST_EXPECTED")));

        // ---- the C bytes, every path ----
        try (StaticModel model = StaticModel.fromPretrained(modelPath)) {
            int dim = model.dim();
            float[][] rows = model.encode(texts);
            check(rows.length == texts.size(), "one row per text");
            for (float[] r : rows) check(r.length == dim, "row width");
            checkBytes(bytesOf(rows), expected, "encode");
            checkBytes(bytesOf(model.encodeFlat(texts, null)), expected, "encodeFlat");
            float[] out = new float[texts.size() * dim + 3];
            out[out.length - 1] = 42f;
            model.encodeInto(out, texts, null);
            checkBytes(Arrays.copyOf(bytesOf(out), expected.length), expected, "encodeInto");
            check(out[out.length - 1] == 42f, "encodeInto leaves the floats past n * dim alone");
            List<byte[]> raw = new ArrayList<>();
            for (String t : texts) raw.add(t.getBytes(StandardCharsets.UTF_8));
            checkBytes(bytesOf(model.encode(raw)), expected, "byte[] texts");
            List<float[]> one = new ArrayList<>();
            for (String t : texts) one.add(model.encode(t));
            checkBytes(bytesOf(one.toArray(new float[0][])), expected, "one text at a time");
            List<float[]> chunks = new ArrayList<>();
            for (int i = 0; i < texts.size(); i += 3) chunks.addAll(Arrays.asList(model.encode(texts.subList(i, Math.min(i + 3, texts.size())))));
            checkBytes(bytesOf(chunks.toArray(new float[0][])), expected, "chunks of 3");
            checkBytes(bytesOf(model.encode(texts, new EncodeOptions().threads(1).batchSize(2).characterCut(true)
                    .invalidText(EncodeOptions.InvalidText.ERROR))), expected, "options spelled out");
            EncodeOptions defaults = new EncodeOptions().normalize(model.normalize());
            if (model.maxLength() > 0) defaults.maxLength((int) model.maxLength());
            else defaults.noMaxLength();
            checkBytes(bytesOf(model.encode(texts, defaults)), expected, "the defaults spelled out");
            check(model.encode(new ArrayList<String>()).length == 0, "zero texts");
            float[] empty = model.encode("");
            boolean zero = true;
            for (float x : empty) zero &= x == 0f;
            check(zero && empty.length == dim, "an empty text is a zero vector");

            // ---- errors ----
            byte[] invalid = {0x61, (byte) 0xff, 0x62};
            expectError(() -> model.encode(Arrays.asList("ok", invalid)), M2VException.INVALID_UTF8, "text 1", "invalid UTF-8");
            int[] status = new int[2];
            float[][] skipped = model.encode(Arrays.asList("ok", invalid),
                    new EncodeOptions().invalidText(EncodeOptions.InvalidText.SKIP).textStatus(status));
            check(status[0] == 0 && status[1] == M2VException.INVALID_UTF8, "textStatus " + Arrays.toString(status));
            boolean z = true;
            for (float x : skipped[1]) z &= x == 0f;
            check(z, "a skipped text is a zero vector");
            checkBytes(bytesOf(model.encode(Arrays.asList((Object) invalid), new EncodeOptions().invalidText(EncodeOptions.InvalidText.REPLACE))),
                    bytesOf(model.encode(Arrays.asList("a\uFFFDb"))), "replace = U+FFFD");
            expectError(() -> model.encode(Arrays.asList("a", 5)), M2VException.INVALID_ARGUMENT, "texts\\[1\\]", "a non-text");
            expectError(() -> model.encodeInto(new float[dim], Arrays.asList("a", "b"), null), M2VException.BUFFER_TOO_SMALL, null, "small out");
            expectError(() -> model.encode(Arrays.asList("a"), new EncodeOptions().textStatus(new int[3])), M2VException.INVALID_ARGUMENT, "textStatus", "textStatus size");
            expectError(() -> new EncodeOptions().threads(-1), M2VException.INVALID_ARGUMENT, "threads", "threads < 0");
            expectError(() -> new EncodeOptions().maxLength(0), M2VException.INVALID_ARGUMENT, "noMaxLength", "maxLength 0");

            // ---- tokenize, token, encodeAsSequence ----
            try (Tokenizer tok = Tokenizer.fromFile(Paths.get(modelPath, "tokenizer.json").toString())) {
                List<String> shortTexts = new ArrayList<>();
                for (String t : texts) if (t.length() < 200) shortTexts.add(t);
                int[][] ids = model.tokenize(shortTexts);
                int[][] hf = tok.encode(shortTexts, false);
                for (int i = 0; i < ids.length; i++) {
                    int[] want = Arrays.stream(hf[i]).filter(id -> id != model.unkTokenId()).toArray();
                    check(Arrays.equals(ids[i], want), "tokenize = the tokenizer's ids without unk: " + shortTexts.get(i));
                }
                for (int id : ids[0]) check(model.token(id).equals(tok.idToToken(id)), "token(" + id + ")");
                check(model.token(-1) == null, "token(-1) is null");
                check(tok.idToToken(Integer.MAX_VALUE) == null, "idToToken(max) is null");
                check(model.tokenize(Arrays.asList(texts.get(17)), new EncodeOptions().maxLength(3))[0].length <= 3, "tokenize maxLength");
                check(tok.encode(Arrays.asList(texts.get(17)), true, 5, -1)[0].length == 5, "tokenizer truncation");
                int[][] padded = tok.encode(Arrays.asList("a", "hello world again"), true, 0, 1);
                check(padded[0].length == padded[1].length, "padding to the longest");
                try (Tokenizer fromJson = Tokenizer.fromJson(new String(Files.readAllBytes(Paths.get(modelPath, "tokenizer.json")), StandardCharsets.UTF_8))) {
                    check(fromJson.vocabSize() == tok.vocabSize(), "fromJson vocabSize");
                    check(Arrays.deepEquals(fromJson.encode(texts, true), tok.encode(texts, true)), "fromJson = fromFile");
                }
                expectError(() -> Tokenizer.fromJson("{\"model\": "), M2VException.FORMAT, null, "malformed tokenizer.json");
                expectError(() -> Tokenizer.fromFile("/no/such/tokenizer.json"), M2VException.NOT_FOUND, null, "missing tokenizer.json");
            }
            List<String> two = Arrays.asList("hello world", "The quick brown fox");
            float[][] seq = model.encodeAsSequence(two, null);
            float[][] pooled = model.encode(two, new EncodeOptions().normalize(false));
            for (int i = 0; i < 2; i++) {
                int tokens = seq[i].length / dim;
                check(tokens == model.tokenize(two.subList(i, i + 1))[0].length, "sequence length");
                for (int d = 0; d < dim; d++) {
                    double sum = 0;
                    for (int k = 0; k < tokens; k++) sum += seq[i][k * dim + d];
                    check(Math.abs(sum / tokens - pooled[i][d]) < 1e-5, "sequence mean = encode, text " + i + " dim " + d);
                }
            }
        }

        // ---- load errors ----
        expectError(() -> StaticModel.fromPretrained("/no/such/model-folder"), M2VException.NOT_FOUND, "model-folder", "missing folder");
        expectError(() -> StaticModel.fromPretrained("no-such-org/no-such-model"), M2VException.NOT_FOUND, "cache", "missing hub id");
        expectError(() -> StaticModel.fromPretrained("a\0b"), M2VException.INVALID_ARGUMENT, "NUL", "NUL in the path");
        Path bad = Files.createTempDirectory("m2v-java-");
        try {
            for (String f : new String[] {"config.json", "tokenizer.json"}) Files.copy(Paths.get(modelPath, f), bad.resolve(f));
            Files.write(bad.resolve("model.safetensors"), new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0, 123});
            expectError(() -> StaticModel.fromPretrained(bad.toString()), M2VException.FORMAT, "safetensors", "corrupt safetensors");
        } finally {
            for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) Files.deleteIfExists(bad.resolve(f));
            Files.deleteIfExists(bad);
        }

        // ---- 8 threads share one model; close() waits for them, later calls fail ----
        StaticModel shared = StaticModel.fromPretrained(modelPath, null, null, false);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            final int threads = 1 + (i % 3);
            results.add(pool.submit(() -> bytesOf(shared.encode(texts, new EncodeOptions().threads(threads)))));
        }
        for (Future<byte[]> f : results) checkBytes(f.get(), expected, "a thread's encode");
        List<Future<?>> racing = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            racing.add(pool.submit(() -> {
                try {
                    checkBytes(bytesOf(shared.encode(texts)), expected, "encode racing close");
                } catch (M2VException e) {
                    check(e.status() == M2VException.INVALID_ARGUMENT && e.getMessage().contains("closed"), "a call after close: " + e.getMessage());
                }
            }));
        }
        shared.close();
        for (Future<?> f : racing) f.get();
        pool.shutdown();
        expectError(() -> shared.encode(texts), M2VException.INVALID_ARGUMENT, "closed", "encode after close");
        shared.close(); // idempotent

        // ---- version, hubResolve; forgotten models freed by the Cleaner ----
        String header = new String(Files.readAllBytes(Paths.get("..", "..", "include", "m2v.h")), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("#define M2V_VERSION_STRING \"([^\"]+)\"").matcher(header);
        check(m.find() && StaticModel.libraryVersion().equals(m.group(1)), "libraryVersion = m2v.h's " + StaticModel.libraryVersion());
        check(StaticModel.hubResolve(modelPath).equals(modelPath), "hubResolve(folder)");
        expectError(() -> StaticModel.hubResolve("no-such-org/no-such-model"), M2VException.NOT_FOUND, null, "hubResolve missing");
        for (int i = 0; i < 300; i++) StaticModel.fromPretrained(modelPath).encode("hello");
        System.gc();
        Thread.sleep(100);
        try (StaticModel after = StaticModel.fromPretrained(modelPath)) {
            checkBytes(bytesOf(after.encode(texts)), expected, "after collecting 300 models");
        }

        classifiers(Paths.get("..", "..", "Tests", "classifiers"));

        System.out.println("java: " + (checks - failures) + " of " + checks + " checks passed");
        if (failures > 0) System.exit(1);
    }

    // ---- classifiers: model2vec's predict / predict_proba (Tests/classifiers/expected.json) ----

    /** A minimal JSON reader for expected.json: objects (Map), arrays (List), strings, numbers
     * (Double), null. Enough for a file model2vec's json.dump wrote; not a general parser. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws();
                    String k = (String) value();
                    ws();
                    expect(':');
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> a = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') { i++; return a; }
                while (true) {
                    a.add(value());
                    ws();
                    if (s.charAt(i++) == ']') return a;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (true) {
                    char d = s.charAt(i++);
                    if (d == '"') return b.toString();
                    if (d != '\\') { b.append(d); continue; }
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n': b.append('\n'); break;
                        case 't': b.append('\t'); break;
                        case 'r': b.append('\r'); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                        default: b.append(e);
                    }
                }
            }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            return Double.parseDouble(s.substring(start, i));
        }

        private void ws() {
            while (Character.isWhitespace(s.charAt(i))) i++;
        }

        private void expect(char c) {
            if (s.charAt(i++) != c) throw new IllegalStateException("expected.json: '" + c + "' expected at " + (i - 1));
        }
    }

    private static void closeRows(float[][] got, List<?> want, String what) {
        check(got.length == want.size(), what + ": " + got.length + " rows, model2vec " + want.size());
        for (int i = 0; i < Math.min(got.length, want.size()); i++) {
            List<?> row = (List<?>) want.get(i);
            check(got[i].length == row.size(), what + " row " + i + " width");
            boolean ok = true;
            for (int j = 0; j < Math.min(got[i].length, row.size()); j++) {
                double w = (Double) row.get(j);
                if (Math.abs(got[i][j] - w) > 1e-4 * Math.max(1, Math.abs(w))) {
                    check(false, what + "[" + i + "][" + j + "] = " + got[i][j] + ", model2vec " + w);
                    ok = false;
                    break;
                }
            }
            if (ok) checks++;
        }
    }

    @SuppressWarnings("unchecked")
    private static void classifiers(Path dir) throws IOException {
        java.util.Map<String, Object> expected = (java.util.Map<String, Object>) new Json(
                new String(Files.readAllBytes(dir.resolve("expected.json")), StandardCharsets.UTF_8)).value();
        for (Classifier.Task task : Classifier.Task.values()) {
            String name = task.toString();
            java.util.Map<String, Object> want = (java.util.Map<String, Object>) expected.get(name);
            List<String> texts = (List<String>) want.get("texts");
            Classifier c = Classifier.fromPretrained(dir.resolve(name).toString());
            {
                check(c.task() == task, name + ": task " + c.task());
                check(c.dim() > 0 && c.nLayers() > 0, name + ": dim / layers");
                float[][] proba = c.predictProba(texts);
                if (task == Classifier.Task.REGRESSION) {
                    closeRows(proba, (List<?>) want.get("predict"), name + " predictProba = model2vec's predict");
                    check(c.classes().isEmpty(), name + ": no classes");
                    expectError(() -> c.predictIndices(texts.subList(0, 1), null, 0.5f), M2VException.INVALID_ARGUMENT, null, name + " predictIndices");
                } else {
                    closeRows(proba, (List<?>) want.get("predict_proba"), name + " predictProba = model2vec's");
                    check(c.classes().size() == c.nOutputs(), name + ": a class per output");
                    Object labels = task == Classifier.Task.SINGLE_LABEL ? c.predict(texts) : c.predictMultiLabel(texts);
                    check(labels.equals(want.get("predict")), name + ": predict = model2vec's");
                }
                if (task == Classifier.Task.MULTI_LABEL) {
                    check(c.predictMultiLabel(texts.subList(0, 1), null, 1f).get(0).isEmpty(), "threshold 1: no labels");
                    expectError(() -> c.predictIndices(texts.subList(0, 1), null, Float.NaN), M2VException.INVALID_ARGUMENT, null, "NaN threshold");
                    expectError(() -> c.predict(texts.subList(0, 1)), M2VException.INVALID_ARGUMENT, "multi", "predict on multi-label");
                }
                expectError(() -> c.predictProba(Arrays.asList("ok", new byte[] {(byte) 0xff})), M2VException.INVALID_UTF8, null, name + " invalid UTF-8");
                check(c.predictProba(new ArrayList<String>()).length == 0, name + ": zero texts");
                c.close();
                c.close(); // idempotent
                expectError(() -> c.predictProba(texts), M2VException.INVALID_ARGUMENT, "classifier is closed", name + " after close");
            }
        }
        expectError(() -> Classifier.fromPretrained(dir.resolve("no-such-pipeline").toString()), M2VException.NOT_FOUND, null, "classifier not found");
    }
}
