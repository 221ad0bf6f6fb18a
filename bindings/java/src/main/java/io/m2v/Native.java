package io.m2v;

/**
 * The JNI methods of jni/m2v_jni.c, one per m2v.h function, and the loading of libm2v_jni.so:
 * the file named by the system property {@code m2v.jni.library} or the environment variable
 * {@code M2V_JNI_LIBRARY} when set, else {@code System.loadLibrary("m2v_jni")} (searched on
 * {@code java.library.path}). libm2v_jni.so finds libm2v.so through its rpath.
 */
final class Native {
    private Native() {}

    static {
        String file = System.getProperty("m2v.jni.library");
        if (file == null || file.isEmpty()) file = System.getenv("M2V_JNI_LIBRARY");
        if (file != null && !file.isEmpty()) System.load(file);
        else System.loadLibrary("m2v_jni");
    }

    static native byte[] version();
    static native byte[] hubResolve(byte[] pathOrId);

    static native long load(byte[] path, int normalize, int maxLength, int mmap);
    static native void free(long model);
    static native long[] info(long model);
    static native byte[] token(long model, int id);
    static native void encode(long model, byte[] data, int[] offsets, int[] params, float[] out, int[] textStatus);
    static native int[][] tokenize(long model, byte[] data, int[] offsets, int[] params);
    static native float[][] encodeAsSequence(long model, byte[] data, int[] offsets, int[] params);

    static native long tokenizerLoad(byte[] path);
    static native long tokenizerFromJson(byte[] json);
    static native void tokenizerFree(long tokenizer);
    static native long tokenizerVocabSize(long tokenizer);
    static native byte[] tokenizerToken(long tokenizer, int id);
    static native int[][] tokenizerEncode(long tokenizer, byte[] data, int[] offsets, int[] params);

    static native long classifierLoad(byte[] path);
    static native void classifierFree(long classifier);
    static native long[] classifierInfo(long classifier);
    static native byte[] classifierClassName(long classifier, int index);
    static native int classifierClassIsInteger(long classifier, int index);
    static native float[] classifierPredictProba(long classifier, byte[] data, int[] offsets, int[] params);
    static native int[] classifierPredict(long classifier, byte[] data, int[] offsets, int[] params, float threshold);
}
