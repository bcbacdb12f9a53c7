package org.rlaif4j.model.chat;

import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False)} as Hugging Face's {@code tojson} filter writes it:
 * {@code ", "} and {@code ": "} separators on one line, or newlines and {@code indent} spaces with
 * {@code ","} and {@code ": "}; keys in insertion order; non-ASCII kept, control characters escaped.
 */
public final class PyJson {
    private PyJson() {}

    public static String dumps(Object value, Integer indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, Integer indent, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) {
                sb.append((long) d).append(".0"); // Python writes 1.0, not 1
            } else {
                sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                        : Double.toString(d));
            }
        } else if (v instanceof Number n) {
            sb.append(n);
        } else if (v instanceof Map<?, ?> m) {
            container(sb, '{', '}', m.size(), indent, depth, m.entrySet().iterator(), (e, s) -> {
                Map.Entry<?, ?> en = (Map.Entry<?, ?>) e;
                string(s, String.valueOf(en.getKey()));
                s.append(": ");
                write(s, en.getValue(), indent, depth + 1);
            });
        } else if (v instanceof Iterable<?> it) {
            int n = 0;
            for (Object ignored : it) {
                n++;
            }
            container(sb, '[', ']', n, indent, depth, it.iterator(), (e, s) -> write(s, e, indent, depth + 1));
        } else if (v instanceof Object[] arr) {
            container(sb, '[', ']', arr.length, indent, depth, java.util.Arrays.asList(arr).iterator(),
                    (e, s) -> write(s, e, indent, depth + 1));
        } else {
            string(sb, v.toString());
        }
    }

    private interface Item {
        void write(Object element, StringBuilder sb);
    }

    private static void container(StringBuilder sb, char open, char close, int size, Integer indent, int depth,
            java.util.Iterator<?> items, Item item) {
        sb.append(open);
        if (size == 0) {
            sb.append(close);
            return;
        }
        boolean first = true;
        while (items.hasNext()) {
            Object e = items.next();
            if (!first) {
                sb.append(indent == null ? ", " : ",");
            }
            first = false;
            if (indent != null) {
                sb.append('\n').append(" ".repeat(indent * (depth + 1)));
            }
            item.write(e, sb);
        }
        if (indent != null) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
        sb.append(close);
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
