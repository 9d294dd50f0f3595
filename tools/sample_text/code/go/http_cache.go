package middleware

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// cachedResponse is a snapshot of a response written by the wrapped handler.
type cachedResponse struct {
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// recorder captures the status code and body written by a handler.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.buf.Write(p)
	return r.ResponseWriter.Write(p)
}

// Cache returns middleware that caches successful GET responses in memory
// for ttl, keyed by the full request URI.
func Cache(ttl time.Duration, maxBody int) func(http.Handler) http.Handler {
	var (
		mu      sync.RWMutex
		entries = make(map[string]*cachedResponse)
	)

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method != http.MethodGet || req.Header.Get("Cache-Control") == "no-cache" {
				next.ServeHTTP(w, req)
				return
			}
			key := req.URL.RequestURI()

			mu.RLock()
			entry, ok := entries[key]
			mu.RUnlock()
			if ok && time.Now().Before(entry.expires) {
				for k, v := range entry.header {
					w.Header()[k] = v
				}
				w.Header().Set("X-Cache", "HIT")
				w.Header().Set("Age", strconv.Itoa(int(ttl.Seconds()-time.Until(entry.expires).Seconds())))
				w.WriteHeader(entry.status)
				w.Write(entry.body)
				return
			}

			w.Header().Set("X-Cache", "MISS")
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, req)

			if rec.status == http.StatusOK && rec.buf.Len() <= maxBody {
				mu.Lock()
				entries[key] = &cachedResponse{
					status:  rec.status,
					header:  w.Header().Clone(),
					body:    rec.buf.Bytes(),
					expires: time.Now().Add(ttl),
				}
				mu.Unlock()
			}
		})
	}
}
