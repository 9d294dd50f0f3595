package com.example.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * Reads application settings from the classpath {@code application.properties},
 * an optional external file, and finally environment variables, in that order
 * of increasing precedence. {@code db.url} maps to the variable {@code DB_URL}.
 */
public final class AppConfig {

    private final Properties props = new Properties();

    private AppConfig() { }

    public static AppConfig load(Path external) throws IOException {
        AppConfig config = new AppConfig();
        try (InputStream in = AppConfig.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                config.props.load(in);
            }
        }
        if (external != null && Files.isRegularFile(external)) {
            try (Reader reader = Files.newBufferedReader(external, StandardCharsets.UTF_8)) {
                config.props.load(reader);
            }
        }
        return config;
    }

    public Optional<String> get(String key) {
        String envKey = key.toUpperCase().replace('.', '_').replace('-', '_');
        String fromEnv = System.getenv(envKey);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Optional.of(fromEnv);
        }
        return Optional.ofNullable(props.getProperty(key)).map(String::trim);
    }

    public String require(String key) {
        return get(key).orElseThrow(() -> new IllegalStateException("missing required setting: " + key));
    }

    public String getString(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    public int getInt(String key, int defaultValue) {
        return get(key).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(key + " is not an integer: " + v, e);
            }
        }).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key).map(v -> v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"))
                .orElse(defaultValue);
    }

    /** Parses durations such as "500ms", "30s", "5m" or "2h". */
    public Duration getDuration(String key, Duration defaultValue) {
        return get(key).map(AppConfig::parseDuration).orElse(defaultValue);
    }

    static Duration parseDuration(String text) {
        String v = text.trim().toLowerCase();
        if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("bad duration: " + text);
        };
    }
}
