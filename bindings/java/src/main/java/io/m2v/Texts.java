package io.m2v;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A batch of texts as the JNI methods take it: one UTF-8 byte[] and n + 1 offsets. Strings are
 * encoded with {@link StandardCharsets#UTF_8} (a lone surrogate becomes '?', Java's replacement);
 * byte[] texts are passed as they are, for libm2v's UTF-8 check.
 */
final class Texts {
    final byte[] data;
    final int[] offsets;
    final int size;

    private Texts(byte[][] parts) {
        size = parts.length;
        offsets = new int[size + 1];
        long total = 0;
        for (int i = 0; i < size; i++) {
            total += parts[i].length;
            if (total > Integer.MAX_VALUE - 8) {
                throw new M2VException(M2VException.OUT_OF_MEMORY, "M2V_ERR_OUT_OF_MEMORY",
                        "the texts of one call exceed 2 GiB of UTF-8; split the batch");
            }
            offsets[i + 1] = (int) total;
        }
        data = new byte[(int) total];
        for (int i = 0; i < size; i++) System.arraycopy(parts[i], 0, data, offsets[i], parts[i].length);
    }

    static Texts of(List<?> texts) {
        if (texts == null) throw M2VException.invalidArgument("texts is null");
        byte[][] parts = new byte[texts.size()][];
        int i = 0;
        for (Object t : texts) {
            if (t instanceof String) parts[i] = ((String) t).getBytes(StandardCharsets.UTF_8);
            else if (t instanceof byte[]) parts[i] = (byte[]) t;
            else throw M2VException.invalidArgument("texts[" + i + "] is " + (t == null ? "null" : t.getClass().getName()) + ", not a String or byte[]");
            i++;
        }
        return new Texts(parts);
    }

    static byte[] path(String s, String what) {
        if (s == null) throw M2VException.invalidArgument(what + " is null");
        if (s.indexOf('\0') >= 0) throw M2VException.invalidArgument(what + " must not contain a NUL character");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] utf8) {
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }
}
