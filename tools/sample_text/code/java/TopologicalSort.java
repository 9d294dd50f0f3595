package com.example.algorithms;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders tasks so that every task comes after its dependencies, using
 * Kahn's algorithm. Throws if the dependency graph contains a cycle.
 */
public final class TopologicalSort<T> {

    private final Map<T, Set<T>> dependents = new LinkedHashMap<>();
    private final Map<T, Integer> inDegree = new HashMap<>();

    public TopologicalSort<T> addNode(T node) {
        dependents.putIfAbsent(node, new LinkedHashSet<>());
        inDegree.putIfAbsent(node, 0);
        return this;
    }

    /** Declares that {@code node} depends on {@code dependency}. */
    public TopologicalSort<T> addDependency(T node, T dependency) {
        addNode(node);
        addNode(dependency);
        if (dependents.get(dependency).add(node)) {
            inDegree.merge(node, 1, Integer::sum);
        }
        return this;
    }

    public List<T> sort() {
        Map<T, Integer> remaining = new HashMap<>(inDegree);
        Deque<T> ready = new ArrayDeque<>();
        for (T node : dependents.keySet()) {
            if (remaining.get(node) == 0) {
                ready.add(node);
            }
        }
        List<T> order = new ArrayList<>(dependents.size());
        while (!ready.isEmpty()) {
            T node = ready.poll();
            order.add(node);
            for (T next : dependents.get(node)) {
                if (remaining.merge(next, -1, Integer::sum) == 0) {
                    ready.add(next);
                }
            }
        }
        if (order.size() != dependents.size()) {
            List<T> stuck = new ArrayList<>();
            remaining.forEach((k, v) -> { if (v > 0) stuck.add(k); });
            throw new IllegalStateException("dependency cycle among: " + stuck);
        }
        return order;
    }

    public static void main(String[] args) {
        TopologicalSort<String> build = new TopologicalSort<String>()
                .addDependency("app", "core")
                .addDependency("app", "ui")
                .addDependency("ui", "core")
                .addDependency("core", "util")
                .addDependency("tests", "app")
                .addNode("docs");
        System.out.println(String.join(" -> ", build.sort()));
    }
}
