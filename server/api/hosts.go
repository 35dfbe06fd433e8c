package api

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// hostPolicy is the set of Host names the server answers to. A DNS
// rebinding attack sends the victim's browser to slant under the
// attacker's name (Host: attacker.example), where the browser treats it
// as the attacker's own site; refusing unknown names closes that door.
// Loopback names and IP addresses are always allowed (rebinding needs a
// name the attacker controls; a literal address is its own origin); the
// rest come from --public-url, --allowed-hosts and a non-wildcard --addr.
type hostPolicy struct {
	any    bool            // "*" in the list: every name (for setups that check Host upstream)
	names  map[string]bool // lower case, without port or brackets
	public *url.URL        // --public-url, if set
}

func newHostPolicy(cfg Config) *hostPolicy {
	p := &hostPolicy{names: map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}}
	for _, h := range cfg.AllowedHosts {
		h = strings.TrimSpace(h)
		if h == "*" {
			p.any = true
			continue
		}
		if n := hostName(h); n != "" {
			p.names[n] = true
		}
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
			p.public = u
			p.names[hostName(u.Host)] = true
		}
	}
	return p
}

// hostName lower-cases a Host value and strips its port, brackets and a
// trailing dot ("Example.ORG.:443" -> "example.org", "[::1]:80" -> "::1").
func hostName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func (p *hostPolicy) allows(host string) bool {
	n := hostName(host)
	return p.any || p.names[n] || net.ParseIP(n) != nil
}

// isPublicOrigin reports whether a browser Origin is the --public-url's
// (a proxy in front may pass its own Host upstream).
func (p *hostPolicy) isPublicOrigin(o *url.URL) bool {
	return p.public != nil && strings.EqualFold(o.Scheme, p.public.Scheme) && strings.EqualFold(o.Host, p.public.Host)
}

// checkHost answers 421 Misdirected Request to a Host the server does not
// serve: JSON on /api, plain text elsewhere.
func (h *Handler) checkHost(c *gin.Context) {
	if h.hosts.allows(c.Request.Host) {
		c.Next()
		return
	}
	msg := "this server does not answer to the host name " + quoteHost(c.Request.Host) +
		"; the operator can allow it with slant serve --public-url or --allowed-hosts"
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		fail(c, errf(http.StatusMisdirectedRequest, "misdirected_request", msg))
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.String(http.StatusMisdirectedRequest, msg+"\n")
	c.Abort()
}

// quoteHost shows at most 100 bytes of a client-chosen host.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "..."
	}
	return `"` + strings.ToValidUTF8(h, "?") + `"`
}
