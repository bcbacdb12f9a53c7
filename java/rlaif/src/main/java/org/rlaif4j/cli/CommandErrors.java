package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.rlaif4j.data.DataFormatException;

/**
 * Turns the errors a user can fix (bad data, bad settings, missing files) into one
 * {@code error: ...} line and exit code 1 instead of a stack trace; anything else propagates.
 */
final class CommandErrors {
    static final int USER_ERROR = 1;

    private CommandErrors() {}

    static Integer run(PrintWriter err, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (DataFormatException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return USER_ERROR;
        }
    }
}
