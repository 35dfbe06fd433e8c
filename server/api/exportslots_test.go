package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// smallBuffers makes a socket's kernel buffers small, so a client that
// stops reading stalls the server's writes after a few kilobytes.
func smallBuffers(opt int) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096) })
		if err != nil {
			return err
		}
		return serr
	}
}

// Two downloads that stop reading use up their user's export slots (a
// third is refused with 429) but not anyone else's; once they have made
// no progress for the stall timeout they are cut off and the user can
// export again.
func TestStalledExportReadersAreCutOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	tokens := map[string]string{}
	ids := map[string]int64{}
	for _, name := range []string{"ann", "bo"} {
		u, err := s.CreateUser(ctx, name, models.RoleAnnotator, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := s.CreateToken(ctx, u.ID, "t")
		if err != nil {
			t.Fatal(err)
		}
		tokens[name], ids[name] = secret, u.ID
	}
	p := &models.Project{Name: "Big"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	modelstest.JoinAll(t, s, p.ID)
	text := strings.Repeat("The minister said the figures were wrong. ", 250) // ~10,000 characters
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "Long", Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ { // ~1 MB of CSV: far more than the stalled sockets hold
		if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: ids["ann"], Label: "opinion", Start: i, End: i + 5000}); err != nil {
			t.Fatal(err)
		}
	}

	router, h := New(s, Config{ExportStallTimeout: time.Second})
	released := make(chan int64, 16)
	h.exports.released = func(uid int64) { released <- uid }
	srv := httptest.NewUnstartedServer(router)
	srv.Listener.Close()
	ln, err := (&net.ListenConfig{Control: smallBuffers(syscall.SO_SNDBUF)}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	path := fmt.Sprintf("/api/v1/projects/%d/export?format=csv", p.ID)

	// Two stalled readers: each reads the status line (so its export is
	// running) and then nothing more.
	var stalled []net.Conn
	for i := 0; i < DefaultExportsPerUser; i++ {
		conn, err := (&net.Dialer{Control: smallBuffers(syscall.SO_RCVBUF)}).Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n", path, tokens["ann"])
		status := make([]byte, len("HTTP/1.1 200"))
		if _, err := io.ReadFull(conn, status); err != nil || string(status) != "HTTP/1.1 200" {
			t.Fatalf("stalled reader %d: %q %v", i, status, err)
		}
		stalled = append(stalled, conn)
	}

	get := func(user string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s's export: %v", user, err)
		}
		return res.StatusCode, string(b)
	}
	st, body := get("ann")
	if st != 429 || !strings.Contains(body, `"code":"too_many_requests"`) {
		t.Fatalf("third export of the same user: %d %.300s", st, body)
	}
	st, body = get("bo")
	if st != 200 || len(body) < 1<<20 {
		t.Fatalf("another user's export while ann's two stall: %d, %d bytes", st, len(body))
	}

	// Both stalled exports give their slots back...
	giveUp := time.NewTimer(2 * time.Minute) // a failure bound, not a measurement
	defer giveUp.Stop()
	for n := 0; n < len(stalled); {
		select {
		case uid := <-released:
			if uid == ids["ann"] {
				n++
			}
		case <-giveUp.C:
			t.Fatal("the stalled exports never gave their slots back")
		}
	}
	// ...having been cut off: what they received ends without the final chunk.
	for i, conn := range stalled {
		rest, _ := io.ReadAll(bufio.NewReader(conn))
		if strings.HasSuffix(string(rest), "\r\n0\r\n\r\n") {
			t.Errorf("stalled reader %d got the whole export (%d bytes)", i, len(rest))
		}
	}
	if st, body := get("ann"); st != 200 || len(body) < 1<<20 {
		t.Fatalf("ann's export after the stalled ones were cut off: %d, %d bytes", st, len(body))
	}
}
