package api

import (
	lru "container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// readCache keeps encoded responses of the annotator's most frequent
// reads (an article, its span list), each under the version it was built
// from. A hit is served only when the version read from the database for
// this request is the same, so the cache can never answer with data older
// than the database, whichever process wrote it; it only saves building
// and encoding the same bytes again. Bounded by bytes, least recently used
// out first.
type readCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *lru.List // front: most recent
	items map[string]*lru.Element
}

type cacheEntry struct {
	key, version string
	body         []byte
}

func newReadCache(maxBytes int) *readCache {
	return &readCache{max: maxBytes, order: lru.New(), items: map[string]*lru.Element{}}
}

// get returns the body stored under key for exactly this version.
func (rc *readCache) get(key, version string) ([]byte, bool) {
	if rc == nil {
		return nil, false
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	el, ok := rc.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.version != version {
		return nil, false
	}
	rc.order.MoveToFront(el)
	return e.body, true
}

// put stores body for key at version, replacing an older version.
func (rc *readCache) put(key, version string, body []byte) {
	if rc == nil || len(body) > rc.max/4 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.items[key]; ok {
		rc.size -= len(el.Value.(*cacheEntry).body)
		rc.order.Remove(el)
		delete(rc.items, key)
	}
	rc.items[key] = rc.order.PushFront(&cacheEntry{key: key, version: version, body: body})
	rc.size += len(body)
	for rc.size > rc.max {
		el := rc.order.Back()
		e := el.Value.(*cacheEntry)
		rc.size -= len(e.body)
		rc.order.Remove(el)
		delete(rc.items, e.key)
	}
}

// etagOf makes a strong entity tag from a cache key and its version.
func etagOf(key, version string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + version))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// unchangedFor answers 304 when the request's If-None-Match names etag
// (matched as the export's conditional requests are, by notModified).
func unchangedFor(c *gin.Context, etag string) bool {
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	if c.GetHeader("If-None-Match") == "" || !notModified(c, etag, time.Time{}) {
		return false
	}
	c.Status(http.StatusNotModified)
	c.Writer.WriteHeaderNow()
	return true
}
