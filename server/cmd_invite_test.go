package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
)

// slant invite prints a link whose secret makes a member with the role.
func TestCLIInvite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "invite.db")
	s, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "Field study"}
	if err := s.CreateProject(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	cli := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(append(args, "--db", db), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, info, err := cli("invite", "--project", "1", "--role", "curator", "--expires", "2h", "--public-url", "https://slant.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	secret, ok := strings.CutPrefix(strings.TrimSpace(out), "https://slant.example.org/#/invite/")
	if !ok || len(secret) < 40 || strings.Count(out, "\n") != 1 || !strings.Contains(info, "curator of project 1") {
		t.Fatalf("stdout %q stderr %q", out, info)
	}
	out, _, err = cli("invite", "--project", "1", "--addr", "127.0.0.1:9999")
	if err != nil || !strings.HasPrefix(out, "http://127.0.0.1:9999/#/invite/") {
		t.Fatalf("default link: %q %v", out, err)
	}
	for _, bad := range [][]string{
		{"invite", "--project", "1", "--role", "admin"},
		{"invite", "--project", "1", "--expires", "721h"},
		{"invite", "--project", "7"},
		{"invite"},
	} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	s, err = models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, _, err := s.AcceptInvite(context.Background(), secret, "fieldworker", "password-456")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.ProjectAccess(context.Background(), p.ID, u); err != nil || a.Role != models.MemberCurator {
		t.Fatalf("access: %+v %v", a, err)
	}
}
