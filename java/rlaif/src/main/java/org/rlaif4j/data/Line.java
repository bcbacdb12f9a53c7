package org.rlaif4j.data;

/** One parsed record with the 1-based line it came from, for messages that point at the input. */
public record Line<T>(int number, T value) {
}
