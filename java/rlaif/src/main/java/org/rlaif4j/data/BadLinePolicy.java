package org.rlaif4j.data;

/** What a reader does with a malformed line: stop the job, or report it and go on. */
public enum BadLinePolicy {
    /** Throw {@link DataFormatException} at the first bad line (the default: nothing half-done). */
    FAIL,
    /** Report the line through the warning sink and process the rest. */
    SKIP
}
