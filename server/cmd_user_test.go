package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
)

// slant user list/disable/enable/role/revoke-tokens/delete act on the
// database as the API does, including the last-admin rule.
func TestCLIUserAdmin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "users.db")
	cli := func(stdin string, args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(append(args, "--db", db), strings.NewReader(stdin), &out, &errOut)
		return out.String(), err
	}
	for _, u := range [][2]string{{"ada", "admin"}, {"bob", "annotator"}} {
		if _, err := cli("long-enough-pw\n", "user", "add", u[0], "--role", u[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli("", "token", "create", "--user", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("", "user", "disable", "ada"); err == nil || !strings.Contains(err.Error(), "last active admin") {
		t.Fatalf("disabling the last admin: %v", err)
	}
	if _, err := cli("", "user", "role", "ada", "annotator"); err == nil {
		t.Fatal("demoted the last admin")
	}
	if out, err := cli("", "user", "disable", "bob"); err != nil || !strings.Contains(out, `disabled "bob"`) {
		t.Fatalf("disable: %q %v", out, err)
	}
	out, err := cli("", "user", "list")
	if err != nil || !strings.Contains(out, "bob") || !strings.Contains(out, "disabled") || !strings.Contains(out, "ada") {
		t.Fatalf("list: %q %v", out, err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(context.Background(), "bob", "long-enough-pw"); err != models.ErrUserDisabled {
		t.Fatalf("disabled bob logs in: %v", err)
	}
	store.Close()
	for _, args := range [][]string{{"user", "enable", "bob"}, {"user", "role", "bob", "admin"}, {"user", "role", "ada", "annotator"}} {
		if _, err := cli("", args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if out, err := cli("", "user", "revoke-tokens", "bob"); err != nil || !strings.Contains(out, "revoked 1 token") {
		t.Fatalf("revoke-tokens: %q %v", out, err)
	}
	if out, err := cli("", "user", "delete", "ada"); err != nil || !strings.Contains(out, `deleted "ada"`) {
		t.Fatalf("delete: %q %v", out, err)
	}
	if _, err := cli("", "user", "delete", "nobody"); err == nil {
		t.Fatal("deleted an unknown user")
	}
	if _, err := cli("", "user", "frobnicate", "bob"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("unknown subcommand: %v", err)
	}
}

func TestHostConfig(t *testing.T) {
	hs, err := hostConfig("10.1.2.3:8080", "https://slant.example.org/", "a.example, b.example", "10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(hs.AllowedHosts, " ") != "10.1.2.3 a.example b.example" || len(hs.TrustedProxies) != 2 || hs.PublicURL == "" {
		t.Fatalf("%+v", hs)
	}
	for _, addr := range []string{"0.0.0.0:8080", "[::]:8080", ":8080"} {
		if hs, _ := hostConfig(addr, "", "", ""); len(hs.AllowedHosts) != 0 {
			t.Errorf("wildcard %s allowed as a host: %v", addr, hs.AllowedHosts)
		}
	}
	if _, err := hostConfig(":8080", "slant.example.org", "", ""); err == nil {
		t.Error("a public URL without a scheme accepted")
	}
	if _, err := hostConfig(":8080", "", "", "not-a-cidr"); err == nil {
		t.Error("a bad trusted proxy accepted")
	}
}
