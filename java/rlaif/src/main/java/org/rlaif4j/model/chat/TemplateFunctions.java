package org.rlaif4j.model.chat;

import java.time.ZonedDateTime;
import java.util.Map;

/**
 * The globals Hugging Face gives chat templates besides the messages: {@code raise_exception(msg)}
 * (a template's own refusal, such as roles that do not alternate) and {@code strftime_now(fmt)}
 * (Llama 3.1's date line). Static because jinjava registers functions as static methods.
 */
public final class TemplateFunctions {
    private TemplateFunctions() {}

    /** Thrown by {@code raise_exception}; carries the template's message. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message);
        }
    }

    public static Object raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    private static final Map<Character, String> STRFTIME = Map.ofEntries(Map.entry('d', "dd"), Map.entry('m', "MM"),
            Map.entry('Y', "yyyy"), Map.entry('y', "yy"), Map.entry('b', "MMM"), Map.entry('B', "MMMM"),
            Map.entry('a', "EEE"), Map.entry('A', "EEEE"), Map.entry('H', "HH"), Map.entry('M', "mm"),
            Map.entry('S', "ss"), Map.entry('j', "DDD"), Map.entry('p', "a"));

    /** Python's {@code datetime.now().strftime(fmt)} for the common directives. */
    public static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            if (d == '%') {
                sb.append('%');
                continue;
            }
            String pattern = STRFTIME.get(d);
            if (pattern == null) {
                throw new IllegalArgumentException("strftime_now: unsupported directive %" + d);
            }
            sb.append(java.time.format.DateTimeFormatter.ofPattern(pattern, java.util.Locale.ENGLISH).format(t));
        }
        return sb.toString();
    }
}
