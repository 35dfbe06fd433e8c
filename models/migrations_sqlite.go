package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Versioned migrations. Each step is frozen once released: it holds the
// exact DDL of its day and never reflects on the live structs, so a later
// change to a struct cannot silently change what an old step does. Every
// step runs in its own transaction and is recorded in schema_migrations.
//
// This is the one file with SQLite-specific DDL; a PostgreSQL store would
// add its own list beside it.

type migration struct {
	Version int
	Name    string
	SQL     []string
}

var migrations = []migration{
	{1, "initial schema", []string{
		`CREATE TABLE projects (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			name TEXT NOT NULL,
			description TEXT NOT NULL DEFAULT '',
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL)`,
		`CREATE TABLE labels (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			key TEXT NOT NULL,
			name TEXT NOT NULL,
			color TEXT NOT NULL DEFAULT '',
			hotkey TEXT NOT NULL DEFAULT '',
			description TEXT NOT NULL DEFAULT '',
			sort_order INTEGER NOT NULL DEFAULT 0,
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			UNIQUE (project_id, key))`,
		`CREATE TABLE sources (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			domain TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL DEFAULT '',
			country TEXT NOT NULL DEFAULT '',
			ownership TEXT NOT NULL DEFAULT 'unknown'
				CHECK (ownership IN ('state_controlled','state_funded','public_service','private','unknown')),
			notes TEXT NOT NULL DEFAULT '',
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL)`,
		`CREATE TABLE articles (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
			external_id TEXT,
			url TEXT NOT NULL DEFAULT '',
			title TEXT NOT NULL DEFAULT '',
			author TEXT NOT NULL DEFAULT '',
			published_at DATETIME,
			language TEXT NOT NULL DEFAULT '',
			text TEXT NOT NULL,
			text_sha256 TEXT NOT NULL,
			length INTEGER NOT NULL,
			metadata TEXT NOT NULL DEFAULT '{}',
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			UNIQUE (project_id, external_id))`,
		`CREATE INDEX idx_articles_project_id ON articles (project_id, id)`,
		`CREATE INDEX idx_articles_source ON articles (source_id)`,
		`CREATE TABLE users (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			name TEXT NOT NULL UNIQUE,
			role TEXT NOT NULL CHECK (role IN ('admin','annotator')),
			password_hash TEXT NOT NULL,
			password_changed_at DATETIME NOT NULL,
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL)`,
		`CREATE TABLE annotations (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE RESTRICT,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
			start INTEGER NOT NULL,
			"end" INTEGER NOT NULL,
			quote TEXT NOT NULL,
			note TEXT NOT NULL DEFAULT '',
			attributes TEXT NOT NULL DEFAULT '{}',
			origin TEXT NOT NULL DEFAULT 'human',
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			CHECK (start >= 0 AND start < "end"),
			UNIQUE (article_id, label_id, start, "end", user_id))`,
		`CREATE INDEX idx_annotations_article_start ON annotations (article_id, start)`,
		`CREATE INDEX idx_annotations_project_id ON annotations (project_id, id)`,
		`CREATE INDEX idx_annotations_label ON annotations (label_id)`,
		`CREATE INDEX idx_annotations_user ON annotations (user_id)`,
		`CREATE INDEX idx_annotations_project_origin ON annotations (project_id, origin)`,
		`CREATE TABLE tokens (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			name TEXT NOT NULL DEFAULT '',
			hash TEXT NOT NULL UNIQUE,
			created_at DATETIME NOT NULL,
			last_used_at DATETIME)`,
		`CREATE INDEX idx_tokens_user ON tokens (user_id, id)`,
		`CREATE TABLE sessions (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			hash TEXT NOT NULL UNIQUE,
			csrf_token TEXT NOT NULL,
			expires_at DATETIME NOT NULL,
			created_at DATETIME NOT NULL)`,
		`CREATE INDEX idx_sessions_user ON sessions (user_id)`,
		`CREATE TABLE article_done (
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			created_at DATETIME NOT NULL,
			PRIMARY KEY (user_id, article_id))`,
		`CREATE INDEX idx_article_done_article ON article_done (article_id)`,
	}},
	{2, "annotation client ids for idempotent bulk pushes; updated_at index for incremental export", []string{
		`ALTER TABLE annotations ADD COLUMN client_id TEXT`,
		`CREATE UNIQUE INDEX idx_annotations_client ON annotations (project_id, client_id) WHERE client_id IS NOT NULL`,
		`CREATE INDEX idx_annotations_project_updated ON annotations (project_id, updated_at)`,
	}},
	{3, "client ids are unique per annotator, not per project", []string{
		`DROP INDEX idx_annotations_client`,
		`CREATE UNIQUE INDEX idx_annotations_client ON annotations (project_id, user_id, client_id) WHERE client_id IS NOT NULL`,
	}},
	{4, "imports commit in short chunks and are published at once", []string{
		// import_id columns carry no foreign key on purpose: rows of an
		// import that is not 'done' are hidden, and a key with ON DELETE
		// SET NULL would make them visible.
		`CREATE TABLE imports (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL,
			state TEXT NOT NULL CHECK (state IN ('running','done','failed','discarded')),
			owner TEXT NOT NULL,
			dry_run INTEGER NOT NULL DEFAULT 0,
			articles_created INTEGER NOT NULL DEFAULT 0,
			articles_skipped INTEGER NOT NULL DEFAULT 0,
			spans_created INTEGER NOT NULL DEFAULT 0,
			problem_count INTEGER NOT NULL DEFAULT 0,
			error TEXT NOT NULL DEFAULT '',
			started_at DATETIME NOT NULL,
			heartbeat_at DATETIME NOT NULL,
			finished_at DATETIME,
			cleaned_at DATETIME)`,
		`CREATE UNIQUE INDEX idx_imports_running ON imports (project_id) WHERE state = 'running'`,
		`CREATE INDEX idx_imports_project ON imports (project_id, id)`,
		`ALTER TABLE articles ADD COLUMN import_id INTEGER`,
		`ALTER TABLE annotations ADD COLUMN import_id INTEGER`,
		`ALTER TABLE labels ADD COLUMN import_id INTEGER`,
		`ALTER TABLE sources ADD COLUMN import_id INTEGER`,
		`CREATE INDEX idx_articles_import ON articles (import_id) WHERE import_id IS NOT NULL`,
		`CREATE INDEX idx_annotations_import ON annotations (import_id) WHERE import_id IS NOT NULL`,
	}},
	{5, "admins can disable a user: sessions and tokens of a disabled user stop working", []string{
		`ALTER TABLE users ADD COLUMN disabled_at DATETIME`,
	}},
}

// LatestVersion is the schema version this binary writes.
func LatestVersion() int { return migrations[len(migrations)-1].Version }

func migrate(db *gorm.DB) error { return migrateTo(db, LatestVersion()) }

// migrateTo applies the steps up to and including version target; the
// upgrade test builds a database of every earlier schema with it.
func migrateTo(db *gorm.DB, target int) error {
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at DATETIME NOT NULL)`).Error; err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := db.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Row().Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if current > LatestVersion() {
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrTooNew, current, LatestVersion())
	}
	for _, m := range migrations {
		if m.Version <= current || m.Version > target {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range m.SQL {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UTC()).Error
		})
		if err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.r.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Row().Scan(&v)
	return v, err
}
