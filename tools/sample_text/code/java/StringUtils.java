package com.example.util;

import java.util.Locale;

/**
 * Null-safe string helpers. All methods are static; the class cannot be
 * instantiated.
 */
public final class StringUtils {

    private StringUtils() {
        throw new AssertionError("no instances");
    }

    public static boolean isBlank(CharSequence cs) {
        if (cs == null) {
            return true;
        }
        for (int i = 0; i < cs.length(); i++) {
            if (!Character.isWhitespace(cs.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    public static String defaultIfBlank(String s, String fallback) {
        return isBlank(s) ? fallback : s;
    }

    /** Abbreviates {@code s} to {@code maxWidth} characters using "...". */
    public static String abbreviate(String s, int maxWidth) {
        if (maxWidth < 4) {
            throw new IllegalArgumentException("maxWidth must be at least 4");
        }
        if (s == null || s.length() <= maxWidth) {
            return s;
        }
        return s.substring(0, maxWidth - 3) + "...";
    }

    public static String capitalize(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        int upper = Character.toTitleCase(first);
        if (first == upper) {
            return s;
        }
        return new StringBuilder(s.length())
                .appendCodePoint(upper)
                .append(s, Character.charCount(first), s.length())
                .toString();
    }

    /** Converts "someVariableName" to "SOME_VARIABLE_NAME". */
    public static String toConstantCase(String camel) {
        if (camel == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(camel.length() + 8);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && !Character.isUpperCase(camel.charAt(i - 1))) {
                sb.append('_');
            }
            sb.append(c);
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }

    public static int countMatches(String text, String sub) {
        if (text == null || sub == null || sub.isEmpty()) {
            return 0;
        }
        int count = 0;
        int idx = 0;
        while ((idx = text.indexOf(sub, idx)) != -1) {
            count++;
            idx += sub.length();
        }
        return count;
    }

    public static String repeat(char c, int times) {
        char[] buf = new char[Math.max(0, times)];
        java.util.Arrays.fill(buf, c);
        return new String(buf);
    }
}
