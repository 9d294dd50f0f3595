package kv

import (
	"sync"
	"time"
)

type item[V any] struct {
	value     V
	expiresAt time.Time
}

// TTLStore is a concurrency-safe map whose entries expire after a fixed
// time-to-live. Expired entries are removed lazily on access and by a
// periodic janitor goroutine.
type TTLStore[K comparable, V any] struct {
	mu    sync.RWMutex
	items map[K]item[V]
	ttl   time.Duration
	stop  chan struct{}
	now   func() time.Time
}

func NewTTLStore[K comparable, V any](ttl, sweepEvery time.Duration) *TTLStore[K, V] {
	s := &TTLStore[K, V]{
		items: make(map[K]item[V]),
		ttl:   ttl,
		stop:  make(chan struct{}),
		now:   time.Now,
	}
	if sweepEvery > 0 {
		go s.janitor(sweepEvery)
	}
	return s
}

func (s *TTLStore[K, V]) Set(key K, value V) {
	s.mu.Lock()
	s.items[key] = item[V]{value: value, expiresAt: s.now().Add(s.ttl)}
	s.mu.Unlock()
}

func (s *TTLStore[K, V]) Get(key K) (V, bool) {
	s.mu.RLock()
	it, ok := s.items[key]
	s.mu.RUnlock()
	if !ok || s.now().After(it.expiresAt) {
		if ok {
			s.Delete(key)
		}
		var zero V
		return zero, false
	}
	return it.value, true
}

func (s *TTLStore[K, V]) Delete(key K) {
	s.mu.Lock()
	delete(s.items, key)
	s.mu.Unlock()
}

func (s *TTLStore[K, V]) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

func (s *TTLStore[K, V]) sweep() int {
	now := s.now()
	removed := 0
	s.mu.Lock()
	for k, it := range s.items {
		if now.After(it.expiresAt) {
			delete(s.items, k)
			removed++
		}
	}
	s.mu.Unlock()
	return removed
}

func (s *TTLStore[K, V]) janitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sweep()
		case <-s.stop:
			return
		}
	}
}

// Close stops the background janitor. The store remains usable.
func (s *TTLStore[K, V]) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
}
