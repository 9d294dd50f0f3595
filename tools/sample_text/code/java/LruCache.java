package com.example.cache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A simple least-recently-used cache built on {@link LinkedHashMap}'s
 * access-order mode. Not thread safe; wrap with
 * {@link java.util.Collections#synchronizedMap(Map)} if shared.
 *
 * @param <K> key type
 * @param <V> value type
 */
public class LruCache<K, V> extends LinkedHashMap<K, V> {

    private static final long serialVersionUID = 1L;

    private final int maxEntries;
    private long evictions;

    public LruCache(int maxEntries) {
        super(Math.max(16, (int) (maxEntries / 0.75f) + 1), 0.75f, true);
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        boolean evict = size() > maxEntries;
        if (evict) {
            evictions++;
        }
        return evict;
    }

    public int getMaxEntries() {
        return maxEntries;
    }

    public long getEvictions() {
        return evictions;
    }

    /**
     * Returns the cached value, computing and storing it on a miss.
     */
    public V getOrLoad(K key, java.util.function.Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        V value = get(key);
        if (value == null) {
            value = loader.apply(key);
            if (value != null) {
                put(key, value);
            }
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LruCache)) {
            return false;
        }
        return super.equals(o) && maxEntries == ((LruCache<?, ?>) o).maxEntries;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + maxEntries;
    }
}
