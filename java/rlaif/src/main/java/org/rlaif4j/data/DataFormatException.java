package org.rlaif4j.data;

/** A dataset line that cannot be used; the message starts with {@code file:line:}. */
public final class DataFormatException extends RuntimeException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
