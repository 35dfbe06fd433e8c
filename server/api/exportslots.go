package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Defaults for Config.ExportsPerUser and Config.ExportStallTimeout.
const (
	DefaultExportsPerUser     = 2
	DefaultExportStallTimeout = 60 * time.Second
)

// exportSlots keeps a few stalled downloads from holding every export.
// The store streams at most a handful of exports at once (its read pool
// minus one); a client that stops reading would keep its slot until the
// server's 30-minute write timeout. So each user may run only a few
// exports at once (429 past that), and an export whose client makes no
// progress for the stall timeout is cut off, freeing its slot.
type exportSlots struct {
	perUser int
	stall   time.Duration

	mu   sync.Mutex
	busy map[int64]int
	// released, if set (by tests), is called after a slot is given back.
	released func(userID int64)
}

func newExportSlots(perUser int, stall time.Duration) *exportSlots {
	if perUser <= 0 {
		perUser = DefaultExportsPerUser
	}
	if stall <= 0 {
		stall = DefaultExportStallTimeout
	}
	return &exportSlots{perUser: perUser, stall: stall, busy: map[int64]int{}}
}

func (s *exportSlots) take(uid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[uid] >= s.perUser {
		return false
	}
	s.busy[uid]++
	return true
}

func (s *exportSlots) give(uid int64) {
	s.mu.Lock()
	if s.busy[uid]--; s.busy[uid] <= 0 {
		delete(s.busy, uid)
	}
	f := s.released
	s.mu.Unlock()
	if f != nil {
		f(uid)
	}
}

// wrap runs an export handler in one of the caller's slots, writing
// through a stallWriter.
func (s *exportSlots) wrap(next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		uid := userOf(c).ID // the route requires a user
		if !s.take(uid) {
			fail(c, errf(http.StatusTooManyRequests, "too_many_requests", "you already have "+strconv.Itoa(s.perUser)+
				" exports running; wait until one has finished downloading"))
			return
		}
		defer s.give(uid)
		sw := &stallWriter{ResponseWriter: c.Writer, rc: http.NewResponseController(c.Writer), stall: s.stall}
		c.Writer = sw
		defer func() { c.Writer = sw.ResponseWriter }()
		next(c)
		sw.finish()
	}
}

// stallWriter gives each write to the connection a deadline of stall
// from when it starts: the deadline moves while the client reads, and
// a client that stops reading makes the blocked write fail after stall
// (the export then aborts the connection). The server's own WriteTimeout,
// if any, is reset by net/http for the next request on the connection.
type stallWriter struct {
	gin.ResponseWriter
	rc       *http.ResponseController
	stall    time.Duration
	deadline time.Time
	off      bool // the writer cannot set deadlines (a test recorder)
}

// arm moves the deadline to now+stall when less than half of it is left,
// so a busy stream does not reset a timer on every small write.
func (w *stallWriter) arm() {
	if w.off {
		return
	}
	now := time.Now()
	if w.deadline.Sub(now) > w.stall/2 {
		return
	}
	w.deadline = now.Add(w.stall)
	if err := w.rc.SetWriteDeadline(w.deadline); err != nil {
		w.off = true
	}
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

func (w *stallWriter) WriteString(s string) (int, error) {
	w.arm()
	return w.ResponseWriter.WriteString(s)
}

func (w *stallWriter) Flush() {
	w.arm()
	w.ResponseWriter.Flush()
}

// finish pushes what is buffered out under the deadline, so the last
// bytes of a response cannot wait on a stalled client without one.
func (w *stallWriter) finish() {
	if w.Written() {
		w.Flush()
	}
}
