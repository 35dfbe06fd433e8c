package api

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"slant/models/modelstest"
)

// hostDo sends a request to srv with the given Host header (and Origin).
func hostDo(t *testing.T, srv *httptest.Server, method, path, host, origin, body string) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// DNS rebinding: a page on attacker.example whose name now points at
// 127.0.0.1 must not reach slant, least of all the first-run setup of an
// empty database. Only loopback names and configured hosts are served.
func TestUnknownHostIsMisdirected(t *testing.T) {
	t.Parallel()
	router, _ := New(modelstest.NewStore(t), Config{PublicURL: "https://slant.example.org", AllowedHosts: []string{"Annotate.Example.NET"}})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	setup := `{"name":"mallory","password":"password-123"}`
	st, ct, body := hostDo(t, srv, "POST", "/api/v1/setup", "attacker.example", "http://attacker.example", setup)
	if st != 421 || !strings.HasPrefix(ct, "application/json") || !strings.Contains(body, `"code":"misdirected_request"`) {
		t.Fatalf("setup via attacker.example: %d %s %s", st, ct, body)
	}
	if st, ct, _ := hostDo(t, srv, "GET", "/", "attacker.example:8080", "", ""); st != 421 || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("UI via attacker.example: %d %s", st, ct)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, host := range []string{"localhost:" + port, "LOCALHOST", "127.0.0.1:" + port, "[::1]:" + port, "slant.example.org",
		"slant.example.org:443", "annotate.example.net", "localhost.", "127.0.0.2", "192.0.2.7:8080", "[2001:db8::1]:80"} {
		if st, _, body := hostDo(t, srv, "GET", "/api/v1/health", host, "", ""); st != 200 {
			t.Errorf("Host %q: %d %s", host, st, body)
		}
	}
	for _, host := range []string{"slant.example.org.attacker.example", "example.org", "evil.localhost", "127.0.0.1.nip.io"} {
		if st, _, _ := hostDo(t, srv, "GET", "/api/v1/health", host, "", ""); st != 421 {
			t.Errorf("Host %q: %d, want 421", host, st)
		}
	}
	// Behind a proxy that passes its upstream Host, the public origin may still log in.
	if st, _, body := hostDo(t, srv, "POST", "/api/v1/setup", "127.0.0.1:"+port, "https://slant.example.org", setup); st != 201 {
		t.Fatalf("setup from the public origin: %d %s", st, body)
	}
	if st, _, _ := hostDo(t, srv, "POST", "/api/v1/session", "127.0.0.1:"+port, "https://other.example.org", setup); st != 403 {
		t.Fatalf("login from a foreign origin: %d", st)
	}

	any, _ := New(modelstest.NewStore(t), Config{AllowedHosts: []string{"*"}})
	srv2 := httptest.NewServer(any)
	t.Cleanup(srv2.Close)
	if st, _, _ := hostDo(t, srv2, "GET", "/api/v1/health", "whatever.example", "", ""); st != 200 {
		t.Fatalf("--allowed-hosts '*': %d", st)
	}
}

// Plain /health and its cousins answer a JSON 404 that names the real
// health check, never the UI page with 200.
func TestHealthLikePathsAreNotTheUI(t *testing.T) {
	t.Parallel()
	router, _ := New(modelstest.NewStore(t), Config{UI: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>slant</title>")}}})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	if st, ct, _ := hostDo(t, srv, "GET", "/projects/3", srv.Listener.Addr().String(), "", ""); st != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("a UI route: %d %s", st, ct)
	}
	for _, p := range []string{"/health", "/healthz", "/ready", "/readyz", "/livez"} {
		st, ct, body := hostDo(t, srv, "GET", p, srv.Listener.Addr().String(), "", "")
		if st != 404 || !strings.HasPrefix(ct, "application/json") || !strings.Contains(body, "/api/v1/health") {
			t.Errorf("%s: %d %s %s", p, st, ct, body)
		}
	}
}
