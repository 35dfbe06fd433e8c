// Package modelstest gives tests a fresh, real SQLite store.
package modelstest

import (
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
