class TrieNode:
    __slots__ = ("children", "terminal", "count")

    def __init__(self):
        self.children = {}
        self.terminal = False
        self.count = 0  # number of words passing through this node


class Trie:
    """Prefix tree supporting insertion, lookup and autocomplete."""

    def __init__(self, words=()):
        self.root = TrieNode()
        self._size = 0
        for w in words:
            self.insert(w)

    def insert(self, word):
        if word in self:
            return False
        node = self.root
        for ch in word:
            node.count += 1
            node = node.children.setdefault(ch, TrieNode())
        node.count += 1
        node.terminal = True
        self._size += 1
        return True

    def _find(self, prefix):
        node = self.root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def __contains__(self, word):
        node = self._find(word)
        return node is not None and node.terminal

    def __len__(self):
        return self._size

    def count_prefix(self, prefix):
        node = self._find(prefix)
        return node.count if node else 0

    def complete(self, prefix, limit=10):
        """Return up to ``limit`` words starting with ``prefix`` in sorted order."""
        node = self._find(prefix)
        if node is None:
            return []
        results = []
        stack = [(node, prefix)]
        while stack and len(results) < limit:
            current, text = stack.pop()
            if current.terminal:
                results.append(text)
            for ch in sorted(current.children, reverse=True):
                stack.append((current.children[ch], text + ch))
        return results


if __name__ == "__main__":
    t = Trie(["car", "card", "care", "careful", "cart", "cat", "dog"])
    print(len(t), "words")
    print("car*:", t.complete("car"))
    print("prefix 'ca' count:", t.count_prefix("ca"))
    print("'cards' in trie:", "cards" in t)
