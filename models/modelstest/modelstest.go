// Package modelstest gives tests a fresh, real SQLite store.
package modelstest

import (
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"slant/models"
)

func init() {
	// Tests create many users; the production cost only slows them down.
	models.BcryptCost = bcrypt.MinCost
}

// NewStore opens a migrated store on a temp file with the production DSN
// (not :memory:, where each pooled connection would see its own database).
func NewStore(t testing.TB) *models.Store {
	t.Helper()
	s, err := models.Open(filepath.Join(t.TempDir(), "slant.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// JoinAll makes every user who is not an admin an annotator of the
// project (admins see every project anyway), as an upgrade does for the
// projects that existed before memberships.
func JoinAll(t testing.TB, s *models.Store, projectID int64) {
	t.Helper()
	ctx := context.Background()
	users, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Role == models.RoleAdmin {
			continue
		}
		if _, _, err := s.SetMember(ctx, projectID, u.ID, models.MemberAnnotator); err != nil {
			t.Fatal(err)
		}
	}
}
