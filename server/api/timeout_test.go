package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// The body timeouts in these tests are short; testBound is only how long a
// test waits for an answer before it gives up (a hang is a failure).
const (
	shortBodyTimeout = 300 * time.Millisecond
	testBound        = 30 * time.Second
)

// newTimeoutEnv is newEnv served by a router with the given body timeouts,
// on a server with the header and read timeouts that slant serve sets.
func newTimeoutEnv(t *testing.T, timeout time.Duration) *testEnv {
	t.Helper()
	e := newEnv(t, "Body timeouts: a short article.")
	router, _ := New(e.store, Config{MaxBodyBytes: 1 << 20, BodyTimeout: timeout, ImportBodyTimeout: timeout})
	srv := httptest.NewUnstartedServer(router)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.ReadTimeout = 10*time.Second + timeout
	srv.Start()
	t.Cleanup(srv.Close)
	e.srv = srv // the server newEnv started is closed by its own cleanup
	return e
}

// rawReq is a request written by hand on a TCP connection, so that its body
// can arrive slowly or not at all.
type rawReq struct {
	method, path, user, ctype string
	pieces                    []string      // the body, written one piece at a time
	gap                       time.Duration // pause before each piece
	chunked                   bool          // Transfer-Encoding: chunked, not Content-Length
	stall                     bool          // never send the last piece: the body stops arriving
}

// rawConn is one client connection; several requests may use it in turn.
type rawConn struct {
	e    *testEnv
	conn net.Conn
	br   *bufio.Reader
}

func (e *testEnv) dial() *rawConn {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(testBound)); err != nil {
		e.t.Fatal(err)
	}
	return &rawConn{e: e, conn: conn, br: bufio.NewReader(conn)}
}

// send writes the request head at once and the body as r says (from a
// goroutine, so that an early answer is read while the body is still
// trickling), then reads the answer and checks it against openapi.yaml.
func (rc *rawConn) send(r rawReq) resp {
	t := rc.e.t
	t.Helper()
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\n", r.method, r.path, rc.conn.RemoteAddr())
	if r.ctype != "" {
		head += "Content-Type: " + r.ctype + "\r\n"
	}
	if r.user != "" {
		head += "Authorization: Bearer " + rc.e.tokens[r.user] + "\r\n"
	}
	if r.chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(strings.Join(r.pieces, "")))
	}
	if _, err := io.WriteString(rc.conn, head); err != nil {
		t.Fatal(err)
	}
	done, wrote := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(wrote)
		pieces := r.pieces
		if r.stall {
			pieces = pieces[:len(pieces)-1]
		}
		for _, p := range pieces {
			select {
			case <-done: // answered already; stop sending
				return
			case <-time.After(r.gap):
			}
			if r.chunked {
				p = fmt.Sprintf("%x\r\n%s\r\n", len(p), p)
			}
			if _, err := io.WriteString(rc.conn, p); err != nil {
				return // the server has closed the connection
			}
		}
		if r.chunked && !r.stall {
			io.WriteString(rc.conn, "0\r\n\r\n")
		}
	}()
	defer func() { close(done); <-wrote }()

	req, err := http.NewRequest(r.method, rc.e.srv.URL+r.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(rc.br, req)
	if err != nil {
		t.Fatalf("%s %s: no answer: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", r.method, r.path, err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: b}
	validateResponse(t, req, out)
	return out
}

// split cuts s into n pieces of about the same length.
func split(s string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, s[i*len(s)/n:(i+1)*len(s)/n])
	}
	return out
}

// counts is how many annotations the article has and how many articles
// the project has, read through the API.
func (e *testEnv) counts() (annotations, articles int) {
	e.t.Helper()
	n := func(path string) int {
		r := e.do("GET", path, "admin", "")
		if r.Status != 200 {
			e.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		return len(r.JSON(e.t)["items"].([]any))
	}
	return n(fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)), n(fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID))
}

func checkTimeoutError(t *testing.T, r resp, flag string) {
	t.Helper()
	if r.Status != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408: %s", r.Status, r.Body)
	}
	obj := errorOf(t, r)
	msg, _ := obj["message"].(string)
	if obj["code"] != "request_timeout" || !strings.Contains(msg, shortBodyTimeout.String()) || !strings.Contains(msg, flag) {
		t.Fatalf("want code request_timeout and a message naming the limit (%s) and %s: %s", shortBodyTimeout, flag, r.Body)
	}
}

func TestBodyTimeoutStalledBodyIs408AndStoresNothing(t *testing.T) {
	t.Parallel()
	annotation := `{"label":"opinion","start":1,"end":3,"note":"` + strings.Repeat("n", 64) + `"}`
	article := `{"title":"Late","text":"` + strings.Repeat("late text ", 20) + `"}`
	imported := `[{"title":"Late import","text":"` + strings.Repeat("imported text ", 20) + `"}]`
	for _, tc := range []struct {
		name string
		req  func(e *testEnv) rawReq
		flag string
	}{
		{"annotation body stops halfway", func(e *testEnv) rawReq {
			return rawReq{method: "POST", path: fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID),
				user: "ann", ctype: "application/json", pieces: split(annotation, 2), stall: true}
		}, "--body-timeout"},
		{"annotation body trickles a byte every 50 ms", func(e *testEnv) rawReq {
			return rawReq{method: "POST", path: fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID),
				user: "ann", ctype: "application/json", pieces: split(annotation, len(annotation)), gap: 50 * time.Millisecond}
		}, "--body-timeout"},
		{"chunked annotation body stops", func(e *testEnv) rawReq {
			return rawReq{method: "POST", path: fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID),
				user: "ann", ctype: "application/json", pieces: split(annotation, 3), chunked: true, stall: true}
		}, "--body-timeout"},
		{"article body stops halfway", func(e *testEnv) rawReq {
			return rawReq{method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID),
				user: "ann", ctype: "application/json", pieces: split(article, 2), stall: true}
		}, "--body-timeout"},
		{"raw import body stops halfway", func(e *testEnv) rawReq {
			return rawReq{method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/import", e.project.ID),
				user: "ann", ctype: "application/json", pieces: split(imported, 2), stall: true}
		}, "--import-body-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTimeoutEnv(t, shortBodyTimeout)
			anns, arts := e.counts()
			r := e.dial().send(tc.req(e))
			checkTimeoutError(t, r, tc.flag)
			if a, b := e.counts(); a != anns || b != arts {
				t.Fatalf("something was stored: annotations %d -> %d, articles %d -> %d", anns, a, arts, b)
			}
		})
	}
}

// A multipart import that stalls is a 408 too (import.go parses the
// multipart form itself), and nothing is stored.
func TestBodyTimeoutStalledMultipartImportStoresNothing(t *testing.T) {
	t.Parallel()
	e := newTimeoutEnv(t, shortBodyTimeout)
	body, ctype := multipartBody(t, [2]string{"a.jsonl", `{"title":"Late","text":"` + strings.Repeat("late ", 50) + `"}` + "\n"})
	_, arts := e.counts()
	r := e.dial().send(rawReq{method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/import", e.project.ID),
		user: "ann", ctype: ctype, pieces: split(body, 2), stall: true})
	obj := errorOf(t, r)
	if r.Status != http.StatusRequestTimeout || obj["code"] != "request_timeout" || !strings.Contains(obj["message"].(string), "did not arrive within "+shortBodyTimeout.String()) {
		t.Fatalf("want a 408 naming the body timeout, got %d %s", r.Status, r.Body)
	}
	if _, b := e.counts(); b != arts {
		t.Fatalf("articles %d -> %d", arts, b)
	}
}

// A body that arrives slowly but within the limit is served normally. The
// pieces come 150 ms apart, so the whole body takes longer than the 300 ms
// the stall tests allow.
func TestBodyTimeoutSlowBodyWithinLimitSucceeds(t *testing.T) {
	t.Parallel()
	e := newTimeoutEnv(t, 10*time.Second)
	anns, arts := e.counts()
	r := e.dial().send(rawReq{method: "POST", path: fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID),
		user: "ann", ctype: "application/json", pieces: split(`{"label":"opinion","start":1,"end":3}`, 5), gap: 150 * time.Millisecond})
	if r.Status != http.StatusCreated {
		t.Fatalf("annotation: %d %s", r.Status, r.Body)
	}
	r = e.dial().send(rawReq{method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/import", e.project.ID),
		user: "ann", ctype: "application/json", pieces: split(`[{"title":"Slow","text":"Slow but steady."}]`, 5),
		gap: 150 * time.Millisecond, chunked: true})
	if r.Status != http.StatusOK {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if a, b := e.counts(); a != anns+1 || b != arts+1 {
		t.Fatalf("annotations %d -> %d, articles %d -> %d; want one more of each", anns, a, arts, b)
	}
}

// The deadline belongs to one body: a kept-alive connection that sits idle
// for longer than the limit still serves its next requests.
func TestBodyTimeoutDoesNotOutliveTheBody(t *testing.T) {
	t.Parallel()
	e := newTimeoutEnv(t, shortBodyTimeout)
	rc := e.dial()
	create := rawReq{method: "POST", path: fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID),
		user: "ann", ctype: "application/json", pieces: []string{`{"label":"opinion","start":1,"end":3}`}}
	if r := rc.send(create); r.Status != http.StatusCreated {
		t.Fatalf("first create: %d %s", r.Status, r.Body)
	}
	time.Sleep(3 * shortBodyTimeout)
	if r := rc.send(rawReq{method: "GET", path: fmt.Sprintf("/api/v1/annotations/%d", e.annID), user: "ann"}); r.Status != http.StatusOK {
		t.Fatalf("GET on the same connection: %d %s", r.Status, r.Body)
	}
	create.pieces = []string{`{"label":"opinion","start":4,"end":9}`}
	if r := rc.send(create); r.Status != http.StatusCreated {
		t.Fatalf("second create on the same connection: %d %s", r.Status, r.Body)
	}
}

// The deadline ends with the body: a handler that is still working after
// the limit has passed keeps its request context and gets its answer out.
func TestBodyTimeoutEndsWithTheBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "unused")
	router, h := New(e.store, Config{BodyTimeout: shortBodyTimeout})
	router.POST("/slow-handler", h.bodyDeadline, func(c *gin.Context) {
		var v map[string]any
		if err := decodeJSON(c, &v); err != nil {
			fail(c, err)
			return
		}
		time.Sleep(3 * shortBodyTimeout)
		if err := c.Request.Context().Err(); err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	e.srv = srv
	r := e.dial().send(rawReq{method: "POST", path: "/slow-handler", ctype: "application/json", pieces: []string{`{"ok":true}`}})
	if r.Status != http.StatusOK || string(r.Body) != `{"ok":true}` {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}
