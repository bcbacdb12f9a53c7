package org.rlaif4j.model.chat;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Rewrites the Python-isms of Hugging Face chat templates that jinjava parses differently, inside
 * {@code {{ }}} and {@code {% %}} only (never in text or string literals), keeping every newline so
 * error lines stay right:
 * <ul>
 *   <li>{@code f(name=a - 1)}: jinjava binds {@code name=} tighter than arithmetic, so the value is
 *       parenthesised, {@code f(name=(a - 1))};</li>
 *   <li>{@code x[::-1]}: a slice step jinjava cannot parse, written {@code x|reverse}.</li>
 * </ul>
 */
final class ExpressionRewriter {
    private ExpressionRewriter() {}

    static String rewrite(String t) {
        StringBuilder out = new StringBuilder(t.length() + 16);
        int i = 0;
        while (i < t.length()) {
            int open = nextOpen(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            out.append(t, i, open);
            boolean comment = t.charAt(open + 1) == '#';
            String close = comment ? "#}" : t.charAt(open + 1) == '{' ? "}}" : "%}";
            int end = endOf(t, open + 2, close, !comment);
            String body = t.substring(open + 2, end);
            out.append(t, open, open + 2);
            out.append(comment || isMacro(body) ? body : expression(body));
            i = end;
        }
        return out.toString();
    }

    private static int nextOpen(String t, int from) {
        for (int k = from; k + 1 < t.length(); k++) {
            char c = t.charAt(k + 1);
            if (t.charAt(k) == '{' && (c == '{' || c == '%' || c == '#')) {
                return k;
            }
        }
        return -1;
    }

    /** Index of {@code close} ending the tag at {@code from}, skipping string literals; or the end. */
    private static int endOf(String t, int from, String close, boolean strings) {
        char quote = 0;
        for (int k = from; k < t.length(); k++) {
            char c = t.charAt(k);
            if (quote != 0) {
                if (c == '\\') {
                    k++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (strings && (c == '\'' || c == '"')) {
                quote = c;
            } else if (t.startsWith(close, k)) {
                return k;
            }
        }
        return t.length();
    }

    private static boolean isMacro(String body) {
        String b = body.strip();
        if (b.startsWith("-")) {
            b = b.substring(1).strip();
        }
        return b.startsWith("macro ") || b.startsWith("call");
    }

    private static String expression(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        Deque<Character> brackets = new ArrayDeque<>();
        Deque<Integer> pendingClose = new ArrayDeque<>(); // bracket depths at which a named value is open
        char quote = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && k + 1 < e.length()) {
                    out.append(e.charAt(++k));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
            } else if (c == '[' && e.startsWith("[::-1]", k)) {
                out.append("|reverse");
                k += "[::-1]".length() - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
                out.append(c);
            } else if (c == ')' || c == ']' || c == '}') {
                closeNamed(out, pendingClose, brackets.size());
                if (!brackets.isEmpty()) {
                    brackets.pop();
                }
                out.append(c);
            } else if (c == ',') {
                closeNamed(out, pendingClose, brackets.size());
                out.append(c);
            } else if (c == '=' && isNamedArgument(e, k, brackets)) {
                out.append("=(");
                pendingClose.push(brackets.size());
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void closeNamed(StringBuilder out, Deque<Integer> pending, int depth) {
        if (!pending.isEmpty() && pending.peek() == depth) {
            pending.pop();
            out.append(')');
        }
    }

    /** {@code name=} directly inside call parentheses: not {@code ==}, {@code !=}, {@code <=}, {@code >=}. */
    private static boolean isNamedArgument(String e, int k, Deque<Character> brackets) {
        if (brackets.isEmpty() || brackets.peek() != '(') {
            return false;
        }
        if (k + 1 < e.length() && e.charAt(k + 1) == '=') {
            return false;
        }
        int j = k - 1;
        while (j >= 0 && e.charAt(j) == ' ') {
            j--;
        }
        if (j < 0 || !(Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_')) {
            return false;
        }
        while (j >= 0 && (Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_')) {
            j--;
        }
        while (j >= 0 && e.charAt(j) == ' ') {
            j--;
        }
        return j >= 0 && (e.charAt(j) == '(' || e.charAt(j) == ',');
    }
}
