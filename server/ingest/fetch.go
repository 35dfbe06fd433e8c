package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// URL import. The fetcher refuses anything but http and https, and any
// address that is not a public unicast one: loopback, private (RFC 1918,
// IPv6 ULA), link-local (cloud metadata at 169.254.169.254), CGNAT,
// multicast, unspecified and reserved ranges, also when spelled as an
// IPv6 address embedding an IPv4 one (mapped, translated, compatible,
// NAT64, 6to4, Teredo), with a zone, or as a decimal, octal or hex number.
// The check runs on the address actually dialled (after DNS), so a name
// that resolves to 127.0.0.1 is refused too, and again on every redirect.
//
// Error messages name no address and no resolver: they are kept in the
// import history that every member reads, and the addresses a server
// dials or asks (its DNS server, its loopback ports) are its own business.

const (
	FetchMaxBytes     = 5 << 20
	FetchTimeout      = 10 * time.Second
	FetchMaxRedirects = 5
)

// errBlocked marks a refusal by the SSRF guard.
var errBlocked = errors.New("address not allowed")

var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network"
		"100.64.0.0/10",      // CGNAT
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // TEST-NET-1
		"192.88.99.0/24",     // 6to4 relay anycast (deprecated)
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // TEST-NET-2
		"203.0.113.0/24",     // TEST-NET-3
		"240.0.0.0/4",        // reserved, and broadcast
		"::/96",              // IPv4-compatible (deprecated), :: and ::1 among them
		"::ffff:0:0:0/96",    // IPv4-translated (SIIT): ::ffff:0:127.0.0.1 (::ffff:0:0/96, mapped, is unmapped above)
		"64:ff9b:1::/48",     // local-use NAT64
		"100::/64",           // discard-only
		"2001:2::/48",        // benchmarking
		"2001:db8::/32",      // documentation
		"3fff::/20",          // documentation
		"5f00::/16",          // SRv6 segment identifiers
		"fec0::/10",          // site-local (deprecated)
		"2001::/32",          // Teredo (embeds an IPv4 address)
		"2001:10::/28",       // ORCHID
		"2001:20::/28",       // ORCHIDv2
		"ff00::/8",           // multicast
		"fc00::/7",           // ULA
		"fe80::/10",          // link-local
		"169.254.0.0/16",     // link-local
		"127.0.0.0/8",        // loopback
		"10.0.0.0/8",         // RFC 1918
		"172.16.0.0/12",      // RFC 1918
		"192.168.0.0/16",     // RFC 1918
		"224.0.0.0/4",        // multicast
		"255.255.255.255/32", // broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// PublicAddr reports whether ip may be fetched from.
func PublicAddr(ip netip.Addr) bool {
	// A zone belongs on link-local addresses only, and prefixes never
	// contain a zoned address: refuse them all.
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap() // ::ffff:a.b.c.d is a.b.c.d
	if ip.Is6() {
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address
		// that is what gets reached: public only if it is.
		b := ip.As16()
		if nat64.Contains(ip) {
			return PublicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if sixToFour.Contains(ip) {
			return PublicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// parseLooseIPv4 reads the inet_aton spellings that resolvers accept but
// net/netip does not: 2130706433, 0177.0.0.1, 0x7f.1, 127.1.
func parseLooseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, 0, 32) // base prefix: 0x hex, 0 octal
		if err != nil || strings.Contains(p, "_") {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	last := len(nums) - 1
	for i := 0; i < last; i++ {
		if nums[i] > 255 {
			return netip.Addr{}, false
		}
		v |= nums[i] << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// Fetcher downloads pages for URL import.
type Fetcher struct {
	AllowHosts []string // host names fetched even though their addresses are not public
	client     *http.Client
}

// NewFetcher returns a fetcher with the SSRF guard, size and time caps.
func NewFetcher(allowHosts []string) *Fetcher {
	f := &Fetcher{}
	for _, h := range allowHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			f.AllowHosts = append(f.AllowHosts, h)
		}
	}
	guarded := &net.Dialer{Timeout: FetchTimeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !PublicAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s", errBlocked, notPublic)
		}
		return nil
	}}
	plain := &net.Dialer{Timeout: FetchTimeout}
	tr := &http.Transport{
		Proxy: nil, // a proxy would dial for us, past the guard
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if f.allowed(host) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   FetchTimeout,
		ResponseHeaderTimeout: FetchTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	f.client = &http.Client{
		Transport: tr,
		Timeout:   FetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > FetchMaxRedirects {
				return fmt.Errorf("%w: more than %d redirects", errBlocked, FetchMaxRedirects)
			}
			return f.CheckURL(req.URL)
		},
	}
	return f
}

func (f *Fetcher) allowed(host string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	for _, h := range f.AllowHosts {
		if h == host {
			return true
		}
	}
	return false
}

// CheckURL refuses URLs the fetcher must not follow, before any DNS:
// other schemes, credentials, and literal or oddly spelled addresses that
// are not public. Names are checked again at dial time.
func (f *Fetcher) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs can be imported, not %q", errBlocked, u.Scheme+":")
	}
	if u.User != nil {
		return fmt.Errorf("%w: URLs with credentials are not fetched", errBlocked)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return fmt.Errorf("%w: the URL has no host", errBlocked)
	}
	if f.allowed(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !PublicAddr(ip) {
			return fmt.Errorf("%w: %s", errBlocked, notPublic)
		}
		return nil
	}
	if ip, ok := parseLooseIPv4(strings.TrimSuffix(host, ".")); ok {
		return fmt.Errorf("%w: numeric host %q (= %s) is not accepted; write the address as a.b.c.d", errBlocked, host, ip)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%w: %s is a loopback name", errBlocked, host)
	}
	return nil
}

// Fetch downloads an HTML page and extracts its article.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (*Item, error) {
	field := func(format string, args ...any) error {
		return Failed("url: "+fmt.Sprintf(format, args...), []Problem{{File: raw, Field: "url", Message: fmt.Sprintf(format, args...)}})
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() {
		return nil, field("must be an absolute http or https URL")
	}
	if err := f.CheckURL(u); err != nil {
		return nil, field("%s", fetchFailure(err))
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, field("%v", err)
	}
	req.Header.Set("User-Agent", "slant-import/1 (+annotation tool)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	res, err := f.client.Do(req)
	if err != nil {
		return nil, field("%s", fetchFailure(err))
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, field("the server answered %s", res.Status)
	}
	if ct := res.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "text/html" && mt != "application/xhtml+xml" {
			return nil, field("the page is %s, not HTML", mt)
		}
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, FetchMaxBytes+1))
	if err != nil {
		return nil, field("cannot read the page: %s", fetchFailure(err))
	}
	if len(data) > FetchMaxBytes {
		return nil, &LimitError{Problem: Problem{File: raw, Field: "url",
			Message: fmt.Sprintf("the page is larger than %d bytes", FetchMaxBytes)}}
	}
	if err := checkUTF8(raw, data, 1); err != nil {
		// most of the web is UTF-8; other charsets are not converted
		return nil, err
	}
	final := res.Request.URL.String()
	return ParseHTML(raw, data, final)
}

// notPublic is the refusal for any address that is not public; which
// address it was is not said (see the top of this file).
const notPublic = "the address is not public"

// fetchFailure says why a fetch failed in words that name no address,
// port or resolver: Go's network errors carry them all ("dial tcp
// 127.0.0.1:18801: ...", "lookup vm. on 10.0.0.2:53: no such host").
func fetchFailure(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, errBlocked):
		msg := err.Error()
		if i := strings.Index(msg, errBlocked.Error()+": "); i >= 0 {
			msg = msg[i+len(errBlocked.Error())+2:]
		}
		return "refused: " + msg
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return "the host name could not be resolved in time"
		}
		return "the host name could not be resolved"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return fmt.Sprintf("the page did not load within %s", FetchTimeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the server refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the server closed the connection"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the server cannot be reached"
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &invalidErr):
		return "the site's TLS certificate is not valid"
	case errors.As(err, &recErr):
		return "the server does not speak TLS"
	}
	return "the page could not be fetched"
}
