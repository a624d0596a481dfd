package dev.quietstar.core.report;

/** Escapes text for HTML element content and attribute values; nothing a caller passes can become markup. */
final class Html {

    private Html() {}

    /**
     * Escapes text for element content.
     *
     * @param s the text, may be null (rendered as nothing)
     * @return the escaped text
     */
    static String text(String s) {
        return escape(s, false);
    }

    /**
     * Escapes text for a double- or single-quoted attribute value; newlines become character references.
     *
     * @param s the text, may be null (rendered as nothing)
     * @return the escaped text
     */
    static String attr(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean attribute) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\n' -> b.append(attribute ? "&#10;" : "\n");
                case '\t' -> b.append(attribute ? "&#9;" : "\t");
                case '\r' -> b.append(attribute ? "&#13;" : "\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        // Other control characters are not allowed in HTML: show their visible symbol instead.
                        b.append(c == 0x7f ? '\u2421' : (char) (0x2400 + c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
