package com.example.algorithms;

/**
 * Disjoint-set forest with union by rank and path compression.
 * Operations run in effectively constant amortised time.
 */
public class UnionFind {

    private final int[] parent;
    private final byte[] rank;
    private int components;

    public UnionFind(int n) {
        parent = new int[n];
        rank = new byte[n];
        components = n;
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
    }

    public int find(int x) {
        int root = x;
        while (parent[root] != root) {
            root = parent[root];
        }
        // path compression
        while (parent[x] != root) {
            int next = parent[x];
            parent[x] = root;
            x = next;
        }
        return root;
    }

    /** @return true if {@code a} and {@code b} were in different sets. */
    public boolean union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra == rb) {
            return false;
        }
        if (rank[ra] < rank[rb]) {
            parent[ra] = rb;
        } else if (rank[ra] > rank[rb]) {
            parent[rb] = ra;
        } else {
            parent[rb] = ra;
            rank[ra]++;
        }
        components--;
        return true;
    }

    public boolean connected(int a, int b) {
        return find(a) == find(b);
    }

    public int components() {
        return components;
    }

    public static void main(String[] args) {
        // Kruskal-style example: count islands after connecting edges
        int[][] edges = {{0, 1}, {1, 2}, {3, 4}, {5, 6}, {6, 7}, {7, 5}, {8, 8}};
        UnionFind uf = new UnionFind(10);
        for (int[] e : edges) {
            if (!uf.union(e[0], e[1])) {
                System.out.printf("edge %d-%d forms a cycle%n", e[0], e[1]);
            }
        }
        System.out.println("components: " + uf.components());
        System.out.println("0 ~ 2: " + uf.connected(0, 2));
        System.out.println("2 ~ 3: " + uf.connected(2, 3));
    }
}
