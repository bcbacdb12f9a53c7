package org.rlaif4j.model.safetensors;

/** A safetensors file or index that is malformed or does not hold what was asked for. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
