package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
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
		// issue 12: IPv4-translated (::ffff:0:0/96) was not blocked
		"::ffff:0:127.0.0.1": false, "::ffff:0:7f00:1": false, "::ffff:0:a9fe:a9fe": false, "::ffff:0:8.8.8.8": false,
		// the rest of the list, reviewed: embedded private IPv4 behind NAT64, 6to4, compatible and mapped forms
		"64:ff9b::a00:1": false, "64:ff9b::a9fe:a9fe": false, "64:ff9b::c0a8:101": false, "64:ff9b::6440:1": false,
		"64:ff9b::808:808": true, "64:ff9b:1::808:808": false,
		"2002:a00:1::": false, "2002:a9fe:a9fe::1": false, "2002:c0a8:101::": false, "2002:6440:1::": false, "2002:808:808::1": true,
		"::10.0.0.1": false, "::8.8.8.8": false, "::ffff:100.64.0.1": false, "::ffff:0.1.2.3": false, "::ffff:224.0.0.1": false,
		"2001::1": false, "2001:db8::1": false, "3fff::1": false, "2001:2::1": false, "fec0::1": false, "100::1": false,
		"ff0e::1": false, "ff05::2": false, "fe80::1%eth0": false, "2606:4700::1111%eth0": false, "64:ff9b::7f00:1%eth0": false,
		"0.1.2.3": false, "0.0.0.1": false, "100.127.255.254": false, "100.63.255.255": true, "100.128.0.1": true,
		"169.254.0.1": false, "192.0.0.8": false, "192.88.99.1": false, "198.18.0.1": false, "239.255.255.250": false, "240.0.0.1": false,
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
		"http://[::ffff:0:127.0.0.1]/", "http://[::ffff:0:7f00:1]:8080/", "http://[64:ff9b::a9fe:a9fe]/",
		"http://[2002:a9fe:a9fe::]/", "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1%25eth0]/",
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
	if _, err := NewFetcher(nil).Fetch(ctx, srv.URL+"/story"); err == nil || !strings.Contains(err.Error(), "refused: the address is not public") {
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
		"/to-metadata":  "refused: the address is not public",
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
			var le *LimitError
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

// URL-import errors are kept in the import history every member reads:
// they must not reveal the addresses the server dials or the resolver it
// asks (issue 12: "refused: 127.0.0.1:18801", "lookup vm. on 10.x.x.x:53").
func TestFetchErrorsNameNoAddress(t *testing.T) {
	t.Parallel()
	// the words for each kind of failure, from errors as Go's net/http makes them
	dial := func(addr string, err error) error {
		return &url.Error{Op: "Get", URL: "http://x.example/", Err: &net.OpError{Op: "dial", Net: "tcp",
			Addr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(addr)), Err: err}}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{dial("127.0.0.1:18801", fmt.Errorf("%w: %s", errBlocked, notPublic)), "refused: the address is not public"},
		{&url.Error{Op: "Get", URL: "http://vm./", Err: &net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "no such host", Name: "vm.", Server: "10.255.255.53:53", IsNotFound: true}}}, "the host name could not be resolved"},
		{&net.DNSError{Err: "i/o timeout", Name: "slow.example", Server: "10.0.0.2:53", IsTimeout: true}, "the host name could not be resolved in time"},
		{dial("10.1.2.3:80", &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}), "the server refused the connection"},
		{dial("10.1.2.3:80", &os.SyscallError{Syscall: "connect", Err: syscall.EHOSTUNREACH}), "the server cannot be reached"},
		{dial("[fd00::1]:443", errors.New("something new")), "the page could not be fetched"},
		{&net.OpError{Op: "read", Net: "tcp", Source: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("10.9.8.7:5555")),
			Addr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("93.184.216.34:80")), Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}},
			"the server closed the connection"},
	} {
		got := fetchFailure(c.err)
		if got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
		for _, leak := range []string{"127.0.0.1", "18801", "10.", "fd00", "vm.", ":53", ":80", "5555"} {
			if strings.Contains(got, leak) {
				t.Errorf("%q reveals %q", got, leak)
			}
		}
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	urls := []string{
		srv.URL + "/",                         // a literal loopback address
		"http://[::ffff:0:127.0.0.1]:" + port, // the same, IPv4-translated
		"http://nothing.invalid/",             // no such name (RFC 6761)
	}
	// names the hosts file maps to loopback reach the dial-time guard
	for _, name := range []string{"vm", "runsc", "ip6-localhost", "ip6-loopback"} {
		if addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", name); err == nil && len(addrs) > 0 && addrs[0].Unmap().IsLoopback() {
			urls = append(urls, "http://"+name+":"+port+"/")
		}
	}
	allowed := NewFetcher([]string{"127.0.0.1"}) // fetches the server, is refused at its redirect
	for _, u := range append(urls, "via-redirect") {
		f := NewFetcher(nil)
		if u == "via-redirect" {
			u, f = srv.URL+"/", allowed
		}
		_, err := f.Fetch(context.Background(), u)
		ps := ProblemsOf(err)
		if err == nil || len(ps) != 1 {
			t.Fatalf("%s: %v", u, err)
		}
		msg := ps[0].Message
		if !strings.HasPrefix(msg, "refused: the address is not public") && msg != "the host name could not be resolved" {
			t.Errorf("%s: %q", u, msg)
		}
		for _, leak := range []string{"127.0.0.1", "::1", "169.254", port, "10.255", ":53", "lookup"} {
			if strings.Contains(msg, leak) || strings.Contains(err.Error(), leak) {
				t.Errorf("%s: %q reveals %q", u, err, leak)
			}
		}
	}
}
