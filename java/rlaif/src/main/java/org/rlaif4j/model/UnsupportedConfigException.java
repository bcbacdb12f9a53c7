package org.rlaif4j.model;

/** A config.json that is malformed or asks for math this package does not implement. */
public class UnsupportedConfigException extends RuntimeException {
    public UnsupportedConfigException(String message) {
        super(message);
    }
}
