package io.m2v;

import java.nio.charset.StandardCharsets;

/**
 * A failed m2v call: {@link #status()} is the m2v.h status ({@code M2V_ERR_NOT_FOUND} = 2, ...),
 * {@link #code()} its name and the message {@code m2v_last_error()}, read on the calling thread
 * right after the call. Argument mistakes caught on the Java side are
 * {@code M2V_ERR_INVALID_ARGUMENT} (1) too.
 */
public final class M2VException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int INVALID_ARGUMENT = 1;
    public static final int NOT_FOUND = 2;
    public static final int IO = 3;
    public static final int FORMAT = 4;
    public static final int UNSUPPORTED = 5;
    public static final int BUFFER_TOO_SMALL = 6;
    public static final int OUT_OF_MEMORY = 7;
    public static final int INVALID_UTF8 = 8;
    public static final int CANCELLED = 9;
    public static final int INTERNAL = 10;

    private final int status;
    private final String code;

    /** Called by the JNI library: name and message as UTF-8 bytes. */
    M2VException(int status, byte[] code, byte[] message) {
        this(status, new String(code, StandardCharsets.UTF_8), new String(message, StandardCharsets.UTF_8));
    }

    M2VException(int status, String code, String message) {
        super(code + ": " + message);
        this.status = status;
        this.code = code;
    }

    static M2VException invalidArgument(String message) {
        return new M2VException(INVALID_ARGUMENT, "M2V_ERR_INVALID_ARGUMENT", message);
    }

    /** The m2v.h status code. */
    public int status() {
        return status;
    }

    /** The status name, e.g. {@code "M2V_ERR_NOT_FOUND"}. */
    public String code() {
        return code;
    }
}
