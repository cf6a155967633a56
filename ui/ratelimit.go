package ui

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per key (a client IP for sign-ins and
// public checks, an API key for the platform API): a burst of `rate`
// requests, refilled at `rate` per minute. For sign-ins it complements the
// per-account lockout, which alone would let one address try many accounts.
type rateLimiter struct {
	rate    func() int // the default rate, read at each request (a parameter)
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

// allow takes one token for key at the default rate.
func (l *rateLimiter) allow(key string) bool {
	ok, _ := l.take(key, l.rate())
	return ok
}

// take takes one token for key at perMin per minute; when none is left it
// says how long until one is.
func (l *rateLimiter) take(key string, perMin int) (bool, time.Duration) {
	rate := float64(max(perMin, 1))
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
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: rate, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(rate, b.tokens+now.Sub(b.last).Minutes()*rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / rate * float64(time.Minute))
	}
	b.tokens--
	return true, 0
}
