package org.rlaif4j.model.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} and {@code dict} methods for chat templates ({@code content.startswith('x')},
 * {@code .split('</think>')}, {@code .strip('\n')}, {@code d.get('k', v)}, ...): jinjava resolves
 * methods through Java reflection, where they do not exist or mean something else ({@code split}
 * takes a regex). It goes first in the resolver chain and answers only the calls it knows.
 */
final class PythonMethods extends ELResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null || base == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        String name = method.toString();
        Object result;
        if (base instanceof CharSequence cs) {
            result = string(cs.toString(), name, args);
        } else if (base instanceof Map<?, ?> m) {
            result = map(m, name, args);
        } else {
            return null;
        }
        if (result == NONE) {
            return null;
        }
        context.setPropertyResolved(true);
        return result == NULL ? null : result;
    }

    private static final Object NONE = new Object(); // not a method we answer
    private static final Object NULL = new Object(); // answered, with Python's None

    private static Object string(String s, String name, Object[] a) {
        switch (name) {
            case "startswith":
                return affix(s, a, true);
            case "endswith":
                return affix(s, a, false);
            case "strip":
                return rstrip(lstrip(s, chars(a)), chars(a));
            case "lstrip":
                return lstrip(s, chars(a));
            case "rstrip":
                return rstrip(s, chars(a));
            case "split":
                return split(s, a.length > 0 ? a[0] : null, a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "splitlines":
                return new ArrayList<>(s.lines().toList());
            case "upper":
                return s.toUpperCase(Locale.ROOT);
            case "lower":
                return s.toLowerCase(Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace":
                return replace(s, str(a, 0), str(a, 1), a.length > 2 ? ((Number) a[2]).intValue() : -1);
            case "find":
                return (long) s.indexOf(str(a, 0));
            case "rfind":
                return (long) s.lastIndexOf(str(a, 0));
            case "count":
                return (long) count(s, str(a, 0));
            case "join":
                return join(s, a[0]);
            case "removeprefix":
                return s.startsWith(str(a, 0)) ? s.substring(str(a, 0).length()) : s;
            case "removesuffix":
                return s.endsWith(str(a, 0)) ? s.substring(0, s.length() - str(a, 0).length()) : s;
            case "isspace":
                return !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            case "isdigit":
                return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            default:
                return NONE;
        }
    }

    private static Object map(Map<?, ?> m, String name, Object[] a) {
        switch (name) {
            case "get":
                Object v = m.get(a.length > 0 ? a[0] : null);
                if (v == null && a.length > 1) {
                    v = a[1];
                }
                return v == null ? NULL : v;
            case "items":
                return new ArrayList<>(m.entrySet());
            case "keys":
                return new ArrayList<>(m.keySet());
            case "values":
                return new ArrayList<>(m.values());
            default:
                return NONE;
        }
    }

    private static String str(Object[] a, int i) {
        if (a.length <= i || a[i] == null) {
            throw new IllegalArgumentException("expected a string argument " + (i + 1));
        }
        return a[i].toString();
    }

    private static boolean affix(String s, Object[] a, boolean prefix) {
        Object arg = a.length > 0 ? a[0] : null;
        Collection<?> options = arg instanceof Collection<?> c ? c : List.of(String.valueOf(arg));
        for (Object o : options) {
            if (prefix ? s.startsWith(o.toString()) : s.endsWith(o.toString())) {
                return true;
            }
        }
        return false;
    }

    /** Characters to strip; null for Python's default, whitespace. */
    private static String chars(Object[] a) {
        return a.length > 0 && a[0] != null ? a[0].toString() : null;
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strippable(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && strippable(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    private static List<String> split(String s, Object sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) { // runs of whitespace, no empty strings
            String rest = lstrip(s, null);
            while (!rest.isEmpty()) {
                int k = 0;
                while (k < rest.length() && !strippable(rest.charAt(k), null)) {
                    k++;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rstrip(rest, null));
                    return out;
                }
                out.add(rest.substring(0, k));
                rest = lstrip(rest.substring(k), null);
            }
            return out;
        }
        String d = sep.toString();
        if (d.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || out.size() < maxSplit) && (at = s.indexOf(d, from)) >= 0) {
            out.add(s.substring(from, at));
            from = at + d.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static String replace(String s, String old, String rep, int count) {
        if (count < 0) {
            return s.replace(old, rep);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        int at;
        int n = 0;
        while (n < count && !old.isEmpty() && (at = s.indexOf(old, from)) >= 0) {
            sb.append(s, from, at).append(rep);
            from = at + old.length();
            n++;
        }
        return sb.append(s.substring(from)).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object items) {
        StringBuilder sb = new StringBuilder();
        Iterable<?> it = items instanceof Iterable<?> i ? i : List.of(items);
        Iterator<?> iter = it.iterator();
        while (iter.hasNext()) {
            sb.append(iter.next());
            if (iter.hasNext()) {
                sb.append(sep);
            }
        }
        return sb.toString();
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (char c : s.toCharArray()) {
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    // property lookups are left to the rest of the chain
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
