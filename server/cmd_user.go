package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"

	"slant/models"
)

const userUsage = "usage: slant user add NAME --role admin|annotator | list | disable NAME | enable NAME | role NAME admin|annotator | delete NAME | revoke-tokens NAME"

// cmdUser runs the account subcommands other than add. Each takes effect
// on the user's next request, as through the API.
func cmdUser(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	sub := args[0]
	fs, dbPath := newFlags("user " + sub)
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"list": 0, "disable": 1, "enable": 1, "role": 2, "delete": 1, "revoke-tokens": 1}
	n, ok := want[sub]
	if !ok || len(pos) != n {
		return errors.New(userUsage)
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	if sub == "list" {
		accts, err := store.ListAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATE")
		for _, a := range accts {
			state := "active"
			if a.DisabledAt != nil {
				state = "disabled " + a.DisabledAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", a.ID, a.Name, a.Role, state)
		}
		return tw.Flush()
	}
	u, err := store.UserByName(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("user %q: %w", pos[0], err)
	}
	switch sub {
	case "disable", "enable":
		d := sub == "disable"
		if _, err := store.UpdateAccount(ctx, u.ID, models.AccountPatch{Disabled: &d}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %q\n", sub, u.Name)
	case "role":
		role := pos[1]
		if _, err := store.UpdateAccount(ctx, u.ID, models.AccountPatch{Role: &role}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%q is now %s\n", u.Name, role)
	case "delete":
		if err := store.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %q\n", u.Name)
	case "revoke-tokens":
		n, err := store.RevokeTokens(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d token(s) of %q\n", n, u.Name)
	}
	return nil
}

// hostSettings are serve's Host and proxy settings, checked.
type hostSettings struct {
	PublicURL      string
	AllowedHosts   []string
	TrustedProxies []string
}

// hostConfig checks --public-url, --allowed-hosts and --trusted-proxies,
// and allows the --addr host when it names one interface (not 0.0.0.0, ::
// or empty).
func hostConfig(addr, publicURL, allowed, proxies string) (hostSettings, error) {
	var hs hostSettings
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return hs, fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://slant.example.org", publicURL)
		}
		hs.PublicURL = publicURL
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
			hs.AllowedHosts = append(hs.AllowedHosts, host)
		}
	}
	for _, h := range strings.Split(allowed, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hs.AllowedHosts = append(hs.AllowedHosts, h)
		}
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return hs, fmt.Errorf("--trusted-proxies: %q is neither an address nor a CIDR range", p)
		}
		hs.TrustedProxies = append(hs.TrustedProxies, p)
	}
	return hs, nil
}
