package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Every schema version has a step in both lists: a version added to one
// dialect only would leave the other behind (pgMigrate refuses to run).
func TestBothDialectsEndAtTheSameVersion(t *testing.T) {
	if got, want := pgMigrations[len(pgMigrations)-1].Version, migrations[len(migrations)-1].Version; got != want {
		t.Fatalf("PostgreSQL's migrations end at %d, SQLite's at %d", got, want)
	}
	first := pgMigrations[0].Version
	seen := map[int]bool{}
	for _, m := range migrations {
		seen[m.Version] = true
	}
	for i, m := range pgMigrations {
		if !seen[m.Version] {
			t.Errorf("PostgreSQL step %d has no SQLite step", m.Version)
		}
		if i > 0 && m.Version != pgMigrations[i-1].Version+1 {
			t.Errorf("PostgreSQL steps jump from %d to %d", pgMigrations[i-1].Version, m.Version)
		}
	}
	for _, m := range migrations {
		if m.Version > first && !hasVersion(pgMigrations, m.Version) {
			t.Errorf("SQLite step %d (%s) has no PostgreSQL step", m.Version, m.Name)
		}
	}
}

func hasVersion(ms []migration, v int) bool {
	for _, m := range ms {
		if m.Version == v {
			return true
		}
	}
	return false
}

// slant backup's pg_dump gets the URL's password in its environment,
// never on its command line (readable by every local user).
func TestPgDumpKeepsThePasswordOffTheCommandLine(t *testing.T) {
	cmd := pgDumpCommand(context.Background(), "pg_dump", "postgres://slant:s3cr%40t@db.example:5432/slant?sslmode=verify-full", "/tmp/x.dump")
	for _, a := range cmd.Args {
		if strings.Contains(a, "s3cr") {
			t.Fatalf("password on the command line: %q", cmd.Args)
		}
	}
	if !slices.Contains(cmd.Env, "PGPASSWORD=s3cr@t") {
		t.Fatal("PGPASSWORD not set for pg_dump")
	}
	if !slices.Contains(cmd.Args, "postgres://slant@db.example:5432/slant?sslmode=verify-full") {
		t.Fatalf("the URL without its password is not passed: %q", cmd.Args)
	}
}

// A password given as a password= parameter is kept out of logs, errors
// and pg_dump's command line as well as one in the user part.
func TestPasswordParameterIsRedacted(t *testing.T) {
	dsn := "postgres://slant@db.example/slant?password=hunter2x&sslmode=verify-full"
	if got := RedactDSN(dsn); strings.Contains(got, "hunter2x") {
		t.Fatalf("RedactDSN: %s", got)
	}
	if got := RedactDSN("postgres://slant:hunter2x@db.example/slant"); strings.Contains(got, "hunter2x") {
		t.Fatalf("RedactDSN: %s", got)
	}
	if err := redactDSNError(errors.New("connect to postgres://slant@db.example/slant?password=hunter2x failed"), dsn); strings.Contains(err.Error(), "hunter2x") {
		t.Fatalf("error: %v", err)
	}
	cmd := pgDumpCommand(context.Background(), "pg_dump", dsn, "/tmp/x.dump")
	for _, a := range cmd.Args {
		if strings.Contains(a, "hunter2x") {
			t.Fatalf("password on pg_dump's command line: %q", cmd.Args)
		}
	}
	if !slices.Contains(cmd.Env, "PGPASSWORD=hunter2x") {
		t.Fatal("PGPASSWORD not set for pg_dump")
	}
}
