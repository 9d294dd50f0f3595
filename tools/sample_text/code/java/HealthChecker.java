package com.example.monitoring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Polls a list of HTTP endpoints concurrently and reports their status.
 *
 * Usage: java HealthChecker.java https://example.com/health https://api.example.com/ping
 */
public class HealthChecker {

    public record Result(String url, int status, Duration latency, String error) {
        boolean healthy() {
            return error == null && status >= 200 && status < 300;
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    public HealthChecker(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public CompletableFuture<Result> check(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("User-Agent", "health-checker/1.0")
                .GET()
                .build();
        Instant start = Instant.now();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .thenApply(resp -> new Result(url, resp.statusCode(), Duration.between(start, Instant.now()), null))
                .exceptionally(ex -> new Result(url, -1, Duration.between(start, Instant.now()),
                        ex.getCause() != null ? ex.getCause().toString() : ex.toString()));
    }

    public List<Result> checkAll(List<String> urls) {
        List<CompletableFuture<Result>> futures = urls.stream().map(this::check).collect(Collectors.toList());
        return futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: HealthChecker URL...");
            System.exit(2);
        }
        HealthChecker checker = new HealthChecker(Duration.ofSeconds(5));
        List<Result> results = checker.checkAll(List.of(args));
        int failures = 0;
        for (Result r : results) {
            String state = r.healthy() ? "UP  " : "DOWN";
            System.out.printf("%s %4dms %s %s%n", state, r.latency().toMillis(), r.url(),
                    r.error() != null ? r.error() : "HTTP " + r.status());
            if (!r.healthy()) failures++;
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
