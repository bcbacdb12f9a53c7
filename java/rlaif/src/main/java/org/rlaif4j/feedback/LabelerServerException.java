package org.rlaif4j.feedback;

/** The labeler server is unreachable, keeps failing, or answers in a form the labeler cannot use. */
public final class LabelerServerException extends RuntimeException {
    public LabelerServerException(String message) {
        super(message);
    }

    public LabelerServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
