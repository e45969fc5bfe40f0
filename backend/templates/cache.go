package templates

import (
	"container/list"
	"sync"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// The kind is part of the key because HTML and text templates compile
// differently from the same source.
type cacheKey struct {
	kind   Kind
	source string
}

// entry is the immutable result of compiling one source: a template or the
// error, whose Field is filled in per call.
type entry struct {
	tpl *exec.Template
	err *SyntaxError
}

type lruItem struct {
	key cacheKey
	ent *entry
}

// lru is a small least-recently-used cache. Compiling happens outside the
// lock: two goroutines may compile the same source at once, which is cheaper
// than making every render wait behind a parse.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	items map[cacheKey]*list.Element
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *lru) get(k cacheKey) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem).ent, true
}

func (c *lru) add(k cacheKey, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruItem{key: k, ent: e})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruItem).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
