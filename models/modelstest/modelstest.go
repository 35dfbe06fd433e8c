// Package modelstest gives tests a fresh, real store: a SQLite file, or a
// PostgreSQL database when SLANT_TEST_POSTGRES names a server.
package modelstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
	"golang.org/x/crypto/bcrypt"

	"slant/models"
)

func init() {
	// Tests create many users; the production cost only slows them down.
	models.BcryptCost = bcrypt.MinCost
}

// PostgresEnv names the environment variable with the URL of a
// PostgreSQL server (any database on it, as a role that may create
// databases). When it is set, NewStore gives every test its own fresh
// PostgreSQL database instead of a SQLite file; `make test` runs the
// store and API suites once each way.
const PostgresEnv = "SLANT_TEST_POSTGRES"

// Postgres reports whether this test run uses PostgreSQL.
func Postgres() bool { return os.Getenv(PostgresEnv) != "" }

// NewStore opens a migrated store: on a temp file with the production DSN
// (not :memory:, where each pooled connection would see its own
// database), or on a new PostgreSQL database (see PostgresEnv).
func NewStore(t testing.TB) *models.Store {
	t.Helper()
	s, err := models.Open(NewDSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// NewDSN is where NewStore opens: a SQLite file path in t.TempDir(), or
// the URL of a new, migrated PostgreSQL database dropped when t ends.
// Tests that start a server process pass it as --db.
func NewDSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		return filepath.Join(t.TempDir(), "slant.db")
	}
	return newPostgresDB(t)
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
	ready    chan string // databases made ahead of the tests that take them
)

// ahead is how many databases are made ahead: CREATE DATABASE takes a
// few hundred milliseconds of the server's time, which then overlaps
// with the tests' own work instead of adding to it.
const ahead = 3

// newPostgresDB gives a test a database copied from a template migrated
// once per test binary (copying takes far less than migrating).
func newPostgresDB(t testing.TB) string {
	tmplOnce.Do(func() {
		admin, err := sql.Open("pgx", os.Getenv(PostgresEnv))
		if err != nil {
			tmplErr = err
			return
		}
		defer admin.Close()
		dropLeftovers(admin)
		if tmplName, tmplErr = makeTemplate(admin); tmplErr != nil {
			return
		}
		ready = make(chan string, ahead)
		for i := 0; i < ahead; i++ {
			go func() {
				a, err := sql.Open("pgx", os.Getenv(PostgresEnv))
				if err != nil {
					return
				}
				defer a.Close()
				for {
					name := dbPrefix() + randHex()
					if _, err := a.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + tmplName); err != nil {
						ready <- "!" + err.Error()
						return
					}
					ready <- name
				}
			}()
		}
	})
	if tmplErr != nil {
		t.Fatalf("postgres template: %v", tmplErr)
	}
	name := <-ready
	if strings.HasPrefix(name, "!") {
		t.Fatalf("create database: %s", name[1:])
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", os.Getenv(PostgresEnv))
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return dbURL(name)
}

// dbPrefix names this process's databases, so that a later run can tell
// which were left by processes that have ended (those made ahead and
// never taken, or a crashed run's).
func dbPrefix() string { return fmt.Sprintf("slant_t_%s_%d_", machine(), os.Getpid()) }

// machine tells this machine's processes from those of others that share
// the PostgreSQL server (a pid means nothing on another machine): a
// short hash of the host name and the boot id.
var machine = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	sum := sha256.Sum256([]byte(host + "|" + string(boot)))
	return hex.EncodeToString(sum[:3])
})

// dropLeftovers drops the test databases of processes that have ended.
func dropLeftovers(admin *sql.DB) {
	rows, err := admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'slant\_t\_%' OR datname LIKE 'slant\_tmpl\_%'`)
	if err != nil {
		return
	}
	var gone []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		// slant_t_<machine>_<pid>_<random>, slant_tmpl_<machine>_<pid>_<random>
		parts := strings.Split(name, "_")
		if len(parts) != 5 || parts[2] != machine() {
			continue // another machine's, or an older naming
		}
		pid, err := strconv.Atoi(parts[3])
		if err != nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			gone = append(gone, name)
		}
	}
	rows.Close()
	for _, name := range gone {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	}
}

func makeTemplate(admin *sql.DB) (string, error) {
	name := fmt.Sprintf("slant_tmpl_%s_%d_%s", machine(), os.Getpid(), randHex())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", err
	}
	s, err := models.Open(dbURL(name))
	if err != nil {
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	return name, nil
}

// dbURL is the server's URL with another database name.
func dbURL(name string) string {
	u, err := url.Parse(os.Getenv(PostgresEnv))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", PostgresEnv, err))
	}
	u.Path = "/" + name
	return u.String()
}

func randHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
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

// RawDB opens a second, plain connection pool on s's database (SQLite
// file or PostgreSQL URL), for tests that look under the store: it sees
// every row, those of unpublished imports too. Pass its queries with ?
// placeholders through Q, which turns ? into $n for PostgreSQL.
func RawDB(t testing.TB, s *models.Store) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+s.Path()+"?_busy_timeout=5000&_foreign_keys=on"
	if s.IsPostgres() {
		driver, dsn = "pgx", s.Path()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Q adapts a query written with ? placeholders to s's dialect.
func Q(s *models.Store, q string) string {
	if !s.IsPostgres() {
		return q
	}
	var b []byte
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b = append(b, fmt.Sprintf("$%d", n)...)
			continue
		}
		b = append(b, q[i])
	}
	return string(b)
}
