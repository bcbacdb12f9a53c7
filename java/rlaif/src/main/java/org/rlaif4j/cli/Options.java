package org.rlaif4j.cli;

import java.util.Arrays;
import java.util.Locale;

/** Parsing of option values given as words, with errors naming the option, the choices and the value. */
final class Options {
    private Options() {}

    static String choice(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(value)) {
                return a;
            }
        }
        throw new IllegalArgumentException(option + ": expected one of " + Arrays.toString(allowed) + ", found '" + value + "'");
    }

    static <E extends Enum<E>> E enumOf(String option, String value, Class<E> type) {
        String[] names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
        return Enum.valueOf(type, choice(option, value, names).toUpperCase(Locale.ROOT));
    }
}
