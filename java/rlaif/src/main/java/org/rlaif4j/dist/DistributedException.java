package org.rlaif4j.dist;

/** A collective or the rendezvous failed: a peer died, hung past the timeout, or could not be reached. */
public final class DistributedException extends RuntimeException {
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
