package com.example.io;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 style CSV parser that handles quoted fields, escaped quotes
 * ("") and newlines embedded in quoted fields.
 */
public class CsvParser {

    private final Reader reader;
    private final char delimiter;
    private int peeked = -2;

    public CsvParser(Reader reader) {
        this(reader, ',');
    }

    public CsvParser(Reader reader, char delimiter) {
        this.reader = reader;
        this.delimiter = delimiter;
    }

    private int read() throws IOException {
        if (peeked != -2) {
            int c = peeked;
            peeked = -2;
            return c;
        }
        return reader.read();
    }

    private int peek() throws IOException {
        if (peeked == -2) {
            peeked = reader.read();
        }
        return peeked;
    }

    /** Returns the next record, or {@code null} at end of input. */
    public List<String> nextRecord() throws IOException {
        if (peek() == -1) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;

        while (true) {
            int c = read();
            if (quoted) {
                if (c == -1) {
                    throw new IOException("unexpected end of input inside quoted field");
                } else if (c == '"') {
                    if (peek() == '"') {
                        field.append('"');
                        read();
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append((char) c);
                }
            } else if (c == '"' && field.length() == 0) {
                quoted = true;
            } else if (c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' || c == '\n' || c == -1) {
                if (c == '\r' && peek() == '\n') {
                    read();
                }
                fields.add(field.toString());
                return fields;
            } else {
                field.append((char) c);
            }
        }
    }

    public List<List<String>> readAll() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        List<String> row;
        while ((row = nextRecord()) != null) {
            rows.add(row);
        }
        return rows;
    }
}
