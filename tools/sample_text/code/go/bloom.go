package bloom

import (
	"hash/fnv"
	"math"
)

// Filter is a space-efficient probabilistic set. It may report false
// positives but never false negatives.
type Filter struct {
	bits []uint64
	m    uint64 // number of bits
	k    uint64 // number of hash functions
	n    uint64 // items added
}

// New sizes a filter for n expected items at false-positive rate p.
func New(n uint64, p float64) *Filter {
	if n == 0 {
		n = 1
	}
	m := uint64(math.Ceil(-float64(n) * math.Log(p) / (math.Ln2 * math.Ln2)))
	k := uint64(math.Round(float64(m) / float64(n) * math.Ln2))
	if k < 1 {
		k = 1
	}
	return &Filter{bits: make([]uint64, (m+63)/64), m: m, k: k}
}

// hashes derives two independent hashes; further ones are combined using
// the Kirsch–Mitzenmacher technique h1 + i*h2.
func hashes(data []byte) (uint64, uint64) {
	h := fnv.New64a()
	h.Write(data)
	h1 := h.Sum64()
	h.Write([]byte{0x9e})
	h2 := h.Sum64() | 1
	return h1, h2
}

func (f *Filter) Add(data []byte) {
	h1, h2 := hashes(data)
	for i := uint64(0); i < f.k; i++ {
		bit := (h1 + i*h2) % f.m
		f.bits[bit/64] |= 1 << (bit % 64)
	}
	f.n++
}

func (f *Filter) AddString(s string) { f.Add([]byte(s)) }

// Contains reports whether data may be in the set.
func (f *Filter) Contains(data []byte) bool {
	h1, h2 := hashes(data)
	for i := uint64(0); i < f.k; i++ {
		bit := (h1 + i*h2) % f.m
		if f.bits[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

func (f *Filter) ContainsString(s string) bool { return f.Contains([]byte(s)) }

// EstimatedFalsePositiveRate returns the expected FP rate given the
// number of items added so far.
func (f *Filter) EstimatedFalsePositiveRate() float64 {
	return math.Pow(1-math.Exp(-float64(f.k*f.n)/float64(f.m)), float64(f.k))
}
