package ui

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per client IP for sign-in attempts: a
// burst of `rate` attempts, refilled at `rate` per minute. It complements
// the per-account lockout, which alone would let one address try many
// accounts.
type rateLimiter struct {
	rate    func() int
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate func() int) *rateLimiter {
	return &rateLimiter{rate: rate, buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes one token for ip; false means the caller must wait.
func (l *rateLimiter) allow(ip string) bool {
	rate := float64(l.rate())
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[ip]
	if !ok {
		b = &bucket{tokens: rate, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(rate, b.tokens+now.Sub(b.last).Minutes()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
