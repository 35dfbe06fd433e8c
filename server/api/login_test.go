package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// loginServer is a real server with user ann, optionally behind a trusted
// proxy (127.0.0.0/8, so the test's own connections are "the proxy").
func loginServer(t *testing.T, proxies []string) *httptest.Server {
	t.Helper()
	s := modelstest.NewStore(t)
	if _, err := s.CreateUser(context.Background(), "ann", models.RoleAnnotator, testPassword); err != nil {
		t.Fatal(err)
	}
	router, h := New(s, Config{TrustedProxies: proxies})
	// A stopped clock: lockouts do not run out while a slow (-race) run
	// is between two requests.
	t0 := time.Now()
	h.logins.now = func() time.Time { return t0 }
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	return srv
}

// loginFrom posts a login through client with an optional X-Forwarded-For.
func loginFrom(t *testing.T, srv *httptest.Server, client *http.Client, xff, name, password string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/session", strings.NewReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 429 && res.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	return res.StatusCode
}

// clientFrom dials the server from a given loopback address (Linux routes
// all of 127.0.0.0/8 to lo), so requests come from distinct peers.
func clientFrom(addr string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// An attacker's wrong guesses at ann's name lock only the attacker's own
// (name, address) pair: ann's correct password from another address
// works, while the attacker stays throttled even with the right password.
func TestWrongGuessesDoNotLockOutTheOwner(t *testing.T) {
	t.Parallel()
	srv := loginServer(t, nil)
	attacker, owner := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	for i := 0; i < maxFreeFailures+3; i++ {
		want := 401
		if i >= maxFreeFailures {
			want = 429
		}
		// Without a trusted proxy, a forged X-Forwarded-For changes nothing.
		if st := loginFrom(t, srv, attacker, fmt.Sprintf("198.51.100.%d", i), "ann", "wrong-guess"); st != want {
			t.Fatalf("guess %d: %d, want %d", i, st, want)
		}
	}
	if st := loginFrom(t, srv, attacker, "", "ann", testPassword); st != 429 {
		t.Fatalf("the attacker's address with the right password: %d, want 429 (guessing must stay slow)", st)
	}
	if st := loginFrom(t, srv, owner, "", "ann", testPassword); st != 201 {
		t.Fatalf("the owner from another address: %d, want 201", st)
	}
}

// Behind a trusted proxy every client has the proxy's address: the
// client named in X-Forwarded-For has its own budgets.
func TestTrustedProxyClientsHaveSeparateBudgets(t *testing.T) {
	t.Parallel()
	srv := loginServer(t, []string{"127.0.0.0/8"})
	c := srv.Client()
	for i := 0; i < maxFreeFailures; i++ {
		loginFrom(t, srv, c, "203.0.113.5", "ann", "wrong-guess")
	}
	if st := loginFrom(t, srv, c, "203.0.113.5", "ann", testPassword); st != 429 {
		t.Fatalf("attacker behind the proxy: %d, want 429", st)
	}
	if st := loginFrom(t, srv, c, "198.51.100.7", "ann", testPassword); st != 201 {
		t.Fatalf("owner behind the same proxy: %d, want 201", st)
	}
	// A spray of names from one client uses up that client's address
	// budget; another client behind the proxy still gets plain 401s.
	for i := 0; i < maxWideFailures; i++ {
		loginFrom(t, srv, c, "203.0.113.9", fmt.Sprintf("user%d", i), "wrong-guess")
	}
	if st := loginFrom(t, srv, c, "203.0.113.9", "someone-else", "wrong-guess"); st != 429 {
		t.Fatalf("spraying client: %d, want 429", st)
	}
	if st := loginFrom(t, srv, c, "192.0.2.44", "someone-else", "wrong-guess"); st != 401 {
		t.Fatalf("another client behind the proxy: %d, want 401", st)
	}
	// The leftmost untrusted address counts: a client cannot pick its own
	// by prepending to the header the proxy appends to.
	for i := 0; i < maxFreeFailures; i++ {
		loginFrom(t, srv, c, fmt.Sprintf("10.9.9.%d, 203.0.113.77", i), "ann", "wrong-guess")
	}
	if st := loginFrom(t, srv, c, "10.9.9.200, 203.0.113.77", "ann", testPassword); st != 429 {
		t.Fatalf("forged left part of X-Forwarded-For: %d, want 429", st)
	}
}

// Names longer than 64 characters (no such user can exist) count against
// the name like any other: guesses from many addresses at one long name
// run out of its budget.
func TestLongNamesAreCountedPerName(t *testing.T) {
	t.Parallel()
	srv := loginServer(t, []string{"127.0.0.0/8"})
	long := strings.Repeat("n", 65)
	c := srv.Client()
	for i := 0; i < maxWideFailures-1; i++ {
		if st := loginFrom(t, srv, c, fmt.Sprintf("203.0.113.%d", i), long, "wrong-guess"); st != 401 {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	if st := loginFrom(t, srv, c, "198.51.100.1", long, "wrong-guess"); st != 429 {
		t.Fatalf("long name over its budget: %d, want 429", st)
	}
	for i := 0; i < maxFreeFailures; i++ {
		loginFrom(t, srv, c, "198.51.100.2", long+"x", "wrong-guess")
	}
	if st := loginFrom(t, srv, c, "198.51.100.2", long+"x", "wrong-guess"); st != 429 {
		t.Fatalf("long name from one address: %d, want 429", st)
	}
}

// Several servers on one database (and a restarted server) count the same
// failures: guesses spread over two servers lock the pair out on both,
// and a new server process on the database still refuses the guesser.
func TestLoginFailuresAreCountedAcrossServers(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	if _, err := s.CreateUser(context.Background(), "ann", models.RoleAnnotator, testPassword); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	serve := func(st *models.Store) *httptest.Server {
		router, h := New(st, Config{})
		h.logins.now = func() time.Time { return t0 }
		srv := httptest.NewServer(router)
		t.Cleanup(srv.Close)
		return srv
	}
	other, err := models.Open(s.Path()) // a second server process on the same database
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	a, b := serve(s), serve(other)
	attacker := clientFrom("127.0.0.4")
	for i := 0; i < maxFreeFailures; i++ {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		if st := loginFrom(t, srv, attacker, "", "ann", "wrong-guess"); st != 401 {
			t.Fatalf("guess %d: %d, want 401", i, st)
		}
	}
	for name, srv := range map[string]*httptest.Server{"a": a, "b": b} {
		if st := loginFrom(t, srv, attacker, "", "ann", "wrong-guess"); st != 429 {
			t.Fatalf("guess after %d failures spread over two servers, on %s: %d, want 429", maxFreeFailures, name, st)
		}
	}
	restarted, err := models.Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	if st := loginFrom(t, serve(restarted), attacker, "", "ann", testPassword); st != 429 {
		t.Fatalf("a new server on the database let the guesser in: %d, want 429", st)
	}
	if st := loginFrom(t, a, clientFrom("127.0.0.5"), "", "ann", testPassword); st != 201 && st != 200 {
		t.Fatalf("the owner from another address: %d", st)
	}
}
