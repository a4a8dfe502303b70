package auth

import (
	"sync"
	"time"
)

// tokenCacheTTL is how long a resolved API token is trusted without asking
// the database. Revoking a token clears this replica's cache at once; other
// replicas stop accepting it within this time.
const tokenCacheTTL = 5 * time.Second

// tokenCacheSize bounds the cache; when it is full, expired entries go first
// and, if none have expired, everything.
const tokenCacheSize = 10_000

// tokenCache remembers recently resolved API tokens, so an agent sending
// many requests does not cost a database round trip for each. Only tokens
// that resolved are cached: unknown tokens always reach the database.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	p     Principal
	until time.Time
}

func newTokenCache() *tokenCache { return &tokenCache{m: map[string]cachedToken{}} }

func (c *tokenCache) get(hash string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !now.Before(e.until) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(hash string, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= tokenCacheSize {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= tokenCacheSize {
			clear(c.m)
		}
	}
	c.m[hash] = cachedToken{p: p, until: now.Add(tokenCacheTTL)}
}

// forget drops a token from the cache.
func (c *tokenCache) forget(tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.p.TokenID == tokenID {
			delete(c.m, k)
		}
	}
}
