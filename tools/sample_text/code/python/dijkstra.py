"""Shortest paths on a weighted directed graph using Dijkstra's algorithm."""

import heapq
from collections import defaultdict
from math import inf


class Graph:
    def __init__(self):
        self._adj = defaultdict(list)

    def add_edge(self, u, v, weight, bidirectional=False):
        if weight < 0:
            raise ValueError("Dijkstra requires non-negative weights")
        self._adj[u].append((v, weight))
        if bidirectional:
            self._adj[v].append((u, weight))

    def neighbors(self, node):
        return self._adj.get(node, [])

    def shortest_paths(self, source):
        """Return (dist, prev) dictionaries for every reachable node."""
        dist = {source: 0}
        prev = {}
        heap = [(0, source)]
        visited = set()
        while heap:
            d, node = heapq.heappop(heap)
            if node in visited:
                continue
            visited.add(node)
            for nxt, w in self.neighbors(node):
                nd = d + w
                if nd < dist.get(nxt, inf):
                    dist[nxt] = nd
                    prev[nxt] = node
                    heapq.heappush(heap, (nd, nxt))
        return dist, prev

    def path(self, source, target):
        dist, prev = self.shortest_paths(source)
        if target not in dist:
            return None, inf
        nodes = [target]
        while nodes[-1] != source:
            nodes.append(prev[nodes[-1]])
        nodes.reverse()
        return nodes, dist[target]


if __name__ == "__main__":
    g = Graph()
    for u, v, w in [
        ("A", "B", 4), ("A", "C", 2), ("C", "B", 1),
        ("B", "D", 5), ("C", "D", 8), ("C", "E", 10),
        ("D", "E", 2), ("E", "F", 3), ("D", "F", 6),
    ]:
        g.add_edge(u, v, w)
    route, cost = g.path("A", "F")
    print(" -> ".join(route), f"(cost {cost})")
