package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"

	"slant/models"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"127.0.0.1": false, "127.8.9.10": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false, "255.255.255.255": false,
		"::1": false, "::": false, "fe80::1": false, "fc00::1": false, "fd12:3456::1": false, "ff02::1": false,
		"::ffff:127.0.0.1": false, "::ffff:169.254.169.254": false, "::ffff:10.0.0.1": false,
		"64:ff9b::7f00:1": false, "2002:7f00:1::": false, "::127.0.0.1": false,
		"8.8.8.8": true, "93.184.216.34": true, "2606:4700::1111": true, "::ffff:8.8.8.8": true,
	} {
		if got := PublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckURLRefusals(t *testing.T) {
	t.Parallel()
	f := NewFetcher(nil)
	for _, raw := range []string{
		"file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "javascript:alert(1)",
		"http://127.0.0.1/", "http://127.0.0.1:8080/admin", "http://169.254.169.254/latest/meta-data/",
		"http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[fe80::1%25eth0]/",
		"http://10.0.0.5/", "http://100.64.1.1/", "http://0.0.0.0/", "http://[::]/",
		"http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://0x7f000001/", "http://127.1/",
		"http://017700000001/", "http://localhost/", "http://LOCALHOST./", "http://app.localhost/",
		"http://user:pw@example.org/",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			continue // unparseable is refused anyway
		}
		if err := f.CheckURL(u); err == nil || !errors.Is(err, errBlocked) {
			t.Errorf("CheckURL(%s) = %v, want refusal", raw, err)
		}
	}
	for _, raw := range []string{"https://example.org/a", "http://93.184.216.34/", "https://news.example.co.uk/x?y=1"} {
		u, _ := url.Parse(raw)
		if err := f.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%s) = %v", raw, err)
		}
	}
}

const page = `<html lang="en"><head><title>Fetched</title><meta property="og:title" content="Fetched Story"></head>
<body><article><p>The first paragraph of a fetched story is long enough to count as an article body for the extractor, with several clauses.</p>
<p>The second paragraph adds more words so that readability is confident this is the main content of the page and not a sidebar.</p></article></body></html>`

func TestFetch(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/story", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>"))
		w.Write([]byte(strings.Repeat("word ", FetchMaxBytes/5+10)))
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	mux.HandleFunc("/to-localhost", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+port+"/story", http.StatusFound)
	})
	ctx := context.Background()

	// without the allow list the test server itself (127.0.0.1) is refused
	if _, err := NewFetcher(nil).Fetch(ctx, srv.URL+"/story"); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("loopback fetched: %v", err)
	}
	f := NewFetcher([]string{"127.0.0.1"})
	it, err := f.Fetch(ctx, srv.URL+"/story")
	if err != nil {
		t.Fatal(err)
	}
	if it.Article.Title != "Fetched Story" || !strings.Contains(it.Article.Text, "first paragraph of a fetched story") ||
		!strings.Contains(it.Article.Text, ".\n\nThe second paragraph") || it.Article.URL != srv.URL+"/story" {
		t.Fatalf("%+v", it.Article)
	}
	for path, want := range map[string]string{
		"/to-metadata":  "169.254.169.254 is not a public address",
		"/to-file":      "only http and https",
		"/to-localhost": "loopback name",
		"/loop":         "redirects",
		"/pdf":          "not HTML",
		"/big":          "larger than",
		"/missing":      "404",
	} {
		_, err := f.Fetch(ctx, srv.URL+path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
		if path == "/big" {
			var le *models.ImportLimitError
			if !errors.As(err, &le) {
				t.Errorf("/big: %T, want a limit error", err)
			}
		}
	}
	// A DNS name that resolves to loopback passes the URL check (it is a
	// name) but is refused at dial time, on the address actually dialled.
	host, _ := os.Hostname()
	for _, name := range []string{"localhost", host} {
		res, err := f.client.Get("http://" + name + ":" + port + "/story")
		if err == nil {
			res.Body.Close()
			if name == "localhost" {
				t.Fatalf("dial guard let %s through", name)
			}
			continue // the host name may resolve to a public address
		}
		if !errors.Is(err, errBlocked) && name == "localhost" {
			t.Fatalf("localhost: %v", err)
		}
	}
}
