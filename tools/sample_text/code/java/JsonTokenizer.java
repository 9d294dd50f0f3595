package com.example.json;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a JSON document into tokens. Used as the first stage of a small
 * hand-written parser; it validates literals but not overall structure.
 */
public class JsonTokenizer {

    public enum Type { LBRACE, RBRACE, LBRACKET, RBRACKET, COLON, COMMA, STRING, NUMBER, TRUE, FALSE, NULL }

    public record Token(Type type, String text, int position) { }

    private final String input;
    private int pos;

    public JsonTokenizer(String input) {
        this.input = input;
    }

    public List<Token> tokenize() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipWhitespace();
            if (pos >= input.length()) {
                return tokens;
            }
            int start = pos;
            char c = input.charAt(pos);
            switch (c) {
                case '{' -> { pos++; tokens.add(new Token(Type.LBRACE, "{", start)); }
                case '}' -> { pos++; tokens.add(new Token(Type.RBRACE, "}", start)); }
                case '[' -> { pos++; tokens.add(new Token(Type.LBRACKET, "[", start)); }
                case ']' -> { pos++; tokens.add(new Token(Type.RBRACKET, "]", start)); }
                case ':' -> { pos++; tokens.add(new Token(Type.COLON, ":", start)); }
                case ',' -> { pos++; tokens.add(new Token(Type.COMMA, ",", start)); }
                case '"' -> tokens.add(new Token(Type.STRING, readString(), start));
                case 't' -> tokens.add(literal("true", Type.TRUE));
                case 'f' -> tokens.add(literal("false", Type.FALSE));
                case 'n' -> tokens.add(literal("null", Type.NULL));
                default -> {
                    if (c == '-' || Character.isDigit(c)) {
                        tokens.add(new Token(Type.NUMBER, readNumber(), start));
                    } else {
                        throw error("unexpected character '" + c + "'");
                    }
                }
            }
        }
    }

    private void skipWhitespace() {
        while (pos < input.length() && " \t\r\n".indexOf(input.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private Token literal(String word, Type type) {
        if (!input.startsWith(word, pos)) {
            throw error("expected '" + word + "'");
        }
        Token t = new Token(type, word, pos);
        pos += word.length();
        return t;
    }

    private String readString() {
        StringBuilder sb = new StringBuilder();
        pos++; // opening quote
        while (pos < input.length()) {
            char c = input.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= input.length()) break;
                char esc = input.charAt(pos++);
                switch (esc) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(input.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> sb.append(esc);
                }
            } else {
                sb.append(c);
            }
        }
        throw error("unterminated string");
    }

    private String readNumber() {
        int start = pos;
        if (input.charAt(pos) == '-') pos++;
        while (pos < input.length() && "0123456789.eE+-".indexOf(input.charAt(pos)) >= 0) {
            pos++;
        }
        return input.substring(start, pos);
    }

    private IllegalArgumentException error(String msg) {
        return new IllegalArgumentException(msg + " at position " + pos);
    }
}
