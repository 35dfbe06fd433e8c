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
	{6, "pages stay flat as a project grows: per-article span index, maintained project counts, span-list versions", []string{
		// the article list counts the caller's spans per row: with only
		// (user_id) to go on, each row walked all of the caller's spans
		`CREATE INDEX idx_annotations_article_user ON annotations (article_id, user_id, import_id)`,
		`ALTER TABLE article_done ADD COLUMN project_id INTEGER`,
		`UPDATE article_done SET project_id = (SELECT project_id FROM articles WHERE articles.id = article_done.article_id)`,
		`CREATE INDEX idx_article_done_user_project ON article_done (user_id, project_id)`,
		// Visible rows per project, kept by triggers so GET /projects
		// does not count the whole project on every call. A row written by
		// an import counts from the moment the import is published.
		`ALTER TABLE projects ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE projects ADD COLUMN annotation_count INTEGER NOT NULL DEFAULT 0`,
		`UPDATE projects SET
			article_count = (SELECT COUNT(*) FROM articles a WHERE a.project_id = projects.id
				AND (a.import_id IS NULL OR a.import_id IN (SELECT id FROM imports WHERE state = 'done'))),
			annotation_count = (SELECT COUNT(*) FROM annotations n WHERE n.project_id = projects.id
				AND (n.import_id IS NULL OR n.import_id IN (SELECT id FROM imports WHERE state = 'done')))`,
		// span_versions: a number per article that SQLite itself moves on
		// every write to its spans, so a cached span list is invalidated by
		// any process (slant import, a second server). cache_epoch moves on
		// what changes many lists at once (a publish, a label edit).
		`CREATE TABLE span_versions (article_id INTEGER PRIMARY KEY, version INTEGER NOT NULL)`,
		`CREATE TABLE cache_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL)`,
		`INSERT INTO cache_epoch (id, epoch) VALUES (1, 1)`,
		`CREATE TRIGGER trg_articles_insert AFTER INSERT ON articles WHEN NEW.import_id IS NULL BEGIN
			UPDATE projects SET article_count = article_count + 1 WHERE id = NEW.project_id;
		END`,
		`CREATE TRIGGER trg_articles_delete AFTER DELETE ON articles BEGIN
			UPDATE projects SET article_count = article_count - 1 WHERE id = OLD.project_id
				AND (OLD.import_id IS NULL OR OLD.import_id IN (SELECT id FROM imports WHERE state = 'done'));
			DELETE FROM span_versions WHERE article_id = OLD.id;
		END`,
		`CREATE TRIGGER trg_annotations_insert AFTER INSERT ON annotations BEGIN
			UPDATE projects SET annotation_count = annotation_count + 1 WHERE id = NEW.project_id AND NEW.import_id IS NULL;
			INSERT INTO span_versions (article_id, version) VALUES (NEW.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
		`CREATE TRIGGER trg_annotations_update AFTER UPDATE ON annotations BEGIN
			INSERT INTO span_versions (article_id, version) VALUES (NEW.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
		`CREATE TRIGGER trg_annotations_delete AFTER DELETE ON annotations BEGIN
			UPDATE projects SET annotation_count = annotation_count - 1 WHERE id = OLD.project_id
				AND (OLD.import_id IS NULL OR OLD.import_id IN (SELECT id FROM imports WHERE state = 'done'));
			INSERT INTO span_versions (article_id, version) VALUES (OLD.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
		`CREATE TRIGGER trg_imports_publish AFTER UPDATE OF state ON imports WHEN NEW.state = 'done' AND OLD.state <> 'done' BEGIN
			UPDATE projects SET
				article_count = article_count + (SELECT COUNT(*) FROM articles WHERE import_id = NEW.id),
				annotation_count = annotation_count + (SELECT COUNT(*) FROM annotations WHERE import_id = NEW.id)
			WHERE id = NEW.project_id;
			UPDATE cache_epoch SET epoch = epoch + 1;
		END`,
		`CREATE TRIGGER trg_labels_update AFTER UPDATE ON labels BEGIN UPDATE cache_epoch SET epoch = epoch + 1; END`,
		`CREATE TRIGGER trg_labels_delete AFTER DELETE ON labels BEGIN UPDATE cache_epoch SET epoch = epoch + 1; END`,
		`CREATE TRIGGER trg_users_update AFTER UPDATE OF name ON users BEGIN UPDATE cache_epoch SET epoch = epoch + 1; END`,
	}},
	{7, "teams: project membership with roles, blind projects", []string{
		`CREATE TABLE project_members (
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			role TEXT NOT NULL CHECK (role IN ('annotator', 'curator', 'manager')),
			created_at DATETIME NOT NULL,
			PRIMARY KEY (project_id, user_id))`,
		`CREATE INDEX idx_project_members_user ON project_members (user_id, project_id)`,
		// nobody loses access on upgrade: every user who is not an admin
		// (admins see everything anyway) annotates every existing project
		`INSERT INTO project_members (project_id, user_id, role, created_at)
			SELECT p.id, u.id, 'annotator', rtrim(rtrim(strftime('%Y-%m-%d %H:%M:%f', 'now'), '0'), '.') || '+00:00'
			FROM projects p CROSS JOIN users u WHERE u.role <> 'admin'`,
		`ALTER TABLE projects ADD COLUMN blind INTEGER NOT NULL DEFAULT 0`,
		// a blind annotator's own span count per project; it also serves
		// every lookup by user alone, so it replaces (user_id)
		`DROP INDEX idx_annotations_user`,
		`CREATE INDEX idx_annotations_user_project ON annotations (user_id, project_id)`,
	}},
	{8, "done marks kept per (user, project): a count and the first article not done", []string{
		// done_count spares GET /projects counting a busy annotator's marks;
		// first_todo lets ?status=todo start after the done prefix instead
		// of stepping over it (one works through a list in order). The
		// invariant: every article of the project with an id below
		// first_todo is marked done by the user.
		`CREATE TABLE done_state (
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			done_count INTEGER NOT NULL,
			first_todo INTEGER NOT NULL,
			PRIMARY KEY (user_id, project_id))`,
		`INSERT INTO done_state (user_id, project_id, done_count, first_todo)
			SELECT d.user_id, d.project_id, COUNT(*), 0 FROM article_done d WHERE d.project_id IS NOT NULL GROUP BY d.user_id, d.project_id`,
		`UPDATE done_state SET first_todo = COALESCE(
			(SELECT MIN(a.id) FROM articles a WHERE a.project_id = done_state.project_id
				AND NOT EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = done_state.user_id AND d.article_id = a.id)),
			(SELECT COALESCE(MAX(a.id), 0) + 1 FROM articles a WHERE a.project_id = done_state.project_id))`,
		`CREATE TRIGGER trg_done_insert AFTER INSERT ON article_done WHEN NEW.project_id IS NOT NULL BEGIN
			INSERT INTO done_state (user_id, project_id, done_count, first_todo) VALUES (NEW.user_id, NEW.project_id, 0, COALESCE(
				(SELECT MIN(a.id) FROM articles a WHERE a.project_id = NEW.project_id
					AND NOT EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = NEW.user_id AND d.article_id = a.id)),
				(SELECT COALESCE(MAX(a.id), 0) + 1 FROM articles a WHERE a.project_id = NEW.project_id)))
				ON CONFLICT (user_id, project_id) DO NOTHING;
			UPDATE done_state SET done_count = done_count + 1 WHERE user_id = NEW.user_id AND project_id = NEW.project_id;
			-- the first article not done was just done: move on to the next
			UPDATE done_state SET first_todo = COALESCE(
				(SELECT MIN(a.id) FROM articles a WHERE a.project_id = NEW.project_id AND a.id > NEW.article_id
					AND NOT EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = NEW.user_id AND d.article_id = a.id)),
				(SELECT COALESCE(MAX(a.id), 0) + 1 FROM articles a WHERE a.project_id = NEW.project_id))
			WHERE user_id = NEW.user_id AND project_id = NEW.project_id AND first_todo = NEW.article_id;
		END`,
		`CREATE TRIGGER trg_done_delete AFTER DELETE ON article_done WHEN OLD.project_id IS NOT NULL BEGIN
			UPDATE done_state SET done_count = done_count - 1,
				first_todo = min(first_todo, OLD.article_id)
			WHERE user_id = OLD.user_id AND project_id = OLD.project_id;
		END`,
		// title searches read the index, not the article rows with their
		// texts (a rare word reads far into the project: see figure 7)
		`CREATE INDEX idx_articles_project_title ON articles (project_id, id, title)`,
	}},
	{9, "invitations: single-use links that make a new user a project member", []string{
		// only the SHA-256 of the link's secret is kept, like tokens
		`CREATE TABLE invites (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			role TEXT NOT NULL CHECK (role IN ('annotator', 'curator', 'manager')),
			hash TEXT NOT NULL UNIQUE,
			created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
			created_at DATETIME NOT NULL,
			expires_at DATETIME NOT NULL,
			used_at DATETIME,
			used_by INTEGER REFERENCES users(id) ON DELETE SET NULL)`,
		`CREATE INDEX idx_invites_project ON invites (project_id, id)`,
	}},
	{10, "assignment: k annotators per article, assignments, released when a member leaves", []string{
		`ALTER TABLE projects ADD COLUMN annotators_per_article INTEGER NOT NULL DEFAULT 1`,
		`CREATE TABLE assignments (
			project_id INTEGER NOT NULL,
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			assigned_at DATETIME NOT NULL,
			PRIMARY KEY (article_id, user_id))`,
		// an annotator's queue and progress read their own range of it
		`CREATE INDEX idx_assignments_user ON assignments (user_id, project_id, article_id)`,
		// a member who leaves the project (by any route, the CLI too)
		// gives their articles back; the next run refills them
		`CREATE TRIGGER trg_members_delete_assignments AFTER DELETE ON project_members BEGIN
			DELETE FROM assignments WHERE user_id = OLD.user_id AND project_id = OLD.project_id;
		END`,
	}},
	{11, "reads find hidden imports through an index; a member who stops annotating gives up their assignments", []string{
		// every read on the read pool asks whether any import is hidden
		// (visible()); without an index that scanned the whole import
		// history, twice per shadowed table in a statement
		`CREATE INDEX idx_imports_hidden ON imports (id) WHERE state <> 'done' AND cleaned_at IS NULL`,
		// only annotators are assigned articles: a member made curator or
		// manager releases their slots for the next assignment run
		`CREATE TRIGGER trg_members_role_assignments AFTER UPDATE OF role ON project_members
			WHEN NEW.role <> 'annotator' AND OLD.role = 'annotator' BEGIN
			DELETE FROM assignments WHERE user_id = NEW.user_id AND project_id = NEW.project_id;
		END`,
		// an invite is worth what its maker may still grant (checked at
		// accept); a deleted maker's open links go with them, so a link
		// without a maker is one the operator made with slant invite
		`CREATE TRIGGER trg_users_delete_invites BEFORE DELETE ON users BEGIN
			DELETE FROM invites WHERE created_by = OLD.id AND used_at IS NULL;
		END`,
	}},
	{12, "gold layer, curation decisions and span history", []string{
		// Spans carry a layer: 'annotator' (everyone's own work) or 'gold'
		// (what a curator accepted). Gold spans belong to one system user,
		// "(gold)" (a name no API-made user can have), so the unique index
		// over (article, label, extent, user) allows one gold span per
		// passage and label, whoever decided; decided_by and provenance
		// say who decided and which annotators' spans it came from.
		`ALTER TABLE annotations ADD COLUMN layer TEXT NOT NULL DEFAULT 'annotator' CHECK (layer IN ('annotator', 'gold', 'suggestion'))`,
		`ALTER TABLE annotations ADD COLUMN decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL`,
		`ALTER TABLE annotations ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'`,
		`CREATE INDEX idx_annotations_gold ON annotations (project_id, article_id) WHERE layer = 'gold'`,
		`INSERT INTO users (name, role, password_hash, password_changed_at, created_at, updated_at, disabled_at)
			VALUES ('(gold)', 'annotator', '!', ` + sqlNow + `, ` + sqlNow + `, ` + sqlNow + `, ` + sqlNow + `)`,
		// a passage a curator rejected: no gold span, and the curation
		// view shows the disagreement there as settled
		`CREATE TABLE curation_rejections (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			label_id INTEGER REFERENCES labels(id) ON DELETE CASCADE,
			start INTEGER NOT NULL,
			"end" INTEGER NOT NULL,
			decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
			provenance TEXT NOT NULL DEFAULT '{}',
			created_at DATETIME NOT NULL)`,
		`CREATE INDEX idx_curation_rejections_article ON curation_rejections (article_id, start)`,
		// History: SQLite records every change of a span itself, so no
		// write path (API, bulk, import, CLI, cascades) can skip it. The
		// acting user comes from history_actor, a one-row table the store
		// fills at the start of a write transaction and empties before it
		// commits (so outside one it is empty and a create is credited to
		// the span's own user). mute = 1 while a whole project is deleted:
		// its history goes with it. An import's spans are recorded when
		// they are deleted or changed after publication; their creation is
		// the span's own created_at (see Store.SpanHistory). The images are
		// JSON with ids and, for reading, the label key and annotator name
		// of the moment. No foreign keys: history outlives its span.
		`CREATE TABLE span_history (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			annotation_id INTEGER NOT NULL,
			project_id INTEGER NOT NULL,
			article_id INTEGER NOT NULL,
			action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
			actor_id INTEGER,
			at DATETIME NOT NULL,
			before TEXT,
			after TEXT)`,
		`CREATE INDEX idx_span_history_annotation ON span_history (annotation_id, id)`,
		`CREATE INDEX idx_span_history_project ON span_history (project_id, id)`,
		`CREATE INDEX idx_span_history_project_at ON span_history (project_id, at)`,
		`CREATE TABLE history_actor (only INTEGER PRIMARY KEY CHECK (only = 1), user_id INTEGER, mute INTEGER NOT NULL DEFAULT 0)`,
		// (suggested spans are the suggester's, not anyone's work: no
		// history, as no search index)
		`CREATE TRIGGER trg_history_insert AFTER INSERT ON annotations WHEN NEW.import_id IS NULL AND NEW.layer <> 'suggestion' BEGIN
			INSERT INTO span_history (annotation_id, project_id, article_id, action, actor_id, at, before, after)
			VALUES (NEW.id, NEW.project_id, NEW.article_id, 'create',
				COALESCE((SELECT user_id FROM history_actor WHERE only = 1), NEW.decided_by, NEW.user_id),
				NEW.created_at, NULL, json_object('label', (SELECT key FROM labels WHERE id = NEW.label_id), 'label_id', NEW.label_id,
				'user_id', NEW.user_id, 'annotator', (SELECT name FROM users WHERE id = NEW.user_id),
				'start', NEW.start, 'end', NEW."end", 'text', NEW.quote, 'note', NEW.note,
				'attributes', json(NEW.attributes), 'origin', NEW.origin, 'client_id', NEW.client_id,
				'layer', NEW.layer, 'decided_by', NEW.decided_by, 'provenance', json(NEW.provenance),
				'created_at', NEW.created_at, 'updated_at', NEW.updated_at));
		END`,
		`CREATE TRIGGER trg_history_update AFTER UPDATE OF label_id, start, "end", note, attributes, layer, provenance, decided_by ON annotations
			WHEN NEW.layer <> 'suggestion' AND (OLD.import_id IS NULL OR EXISTS (SELECT 1 FROM imports WHERE id = OLD.import_id AND state = 'done')) BEGIN
			INSERT INTO span_history (annotation_id, project_id, article_id, action, actor_id, at, before, after)
			VALUES (NEW.id, NEW.project_id, NEW.article_id, 'update', (SELECT user_id FROM history_actor WHERE only = 1),
				` + sqlNow + `, json_object('label', (SELECT key FROM labels WHERE id = OLD.label_id), 'label_id', OLD.label_id,
				'user_id', OLD.user_id, 'annotator', (SELECT name FROM users WHERE id = OLD.user_id),
				'start', OLD.start, 'end', OLD."end", 'text', OLD.quote, 'note', OLD.note,
				'attributes', json(OLD.attributes), 'origin', OLD.origin, 'client_id', OLD.client_id,
				'layer', OLD.layer, 'decided_by', OLD.decided_by, 'provenance', json(OLD.provenance),
				'created_at', OLD.created_at, 'updated_at', OLD.updated_at), json_object('label', (SELECT key FROM labels WHERE id = NEW.label_id), 'label_id', NEW.label_id,
				'user_id', NEW.user_id, 'annotator', (SELECT name FROM users WHERE id = NEW.user_id),
				'start', NEW.start, 'end', NEW."end", 'text', NEW.quote, 'note', NEW.note,
				'attributes', json(NEW.attributes), 'origin', NEW.origin, 'client_id', NEW.client_id,
				'layer', NEW.layer, 'decided_by', NEW.decided_by, 'provenance', json(NEW.provenance),
				'created_at', NEW.created_at, 'updated_at', NEW.updated_at));
		END`,
		`CREATE TRIGGER trg_history_delete AFTER DELETE ON annotations
			WHEN OLD.layer <> 'suggestion' AND NOT EXISTS (SELECT 1 FROM history_actor WHERE only = 1 AND mute = 1)
				AND (OLD.import_id IS NULL OR EXISTS (SELECT 1 FROM imports WHERE id = OLD.import_id AND state = 'done')) BEGIN
			INSERT INTO span_history (annotation_id, project_id, article_id, action, actor_id, at, before, after)
			VALUES (OLD.id, OLD.project_id, OLD.article_id, 'delete', (SELECT user_id FROM history_actor WHERE only = 1),
				` + sqlNow + `, json_object('label', (SELECT key FROM labels WHERE id = OLD.label_id), 'label_id', OLD.label_id,
				'user_id', OLD.user_id, 'annotator', (SELECT name FROM users WHERE id = OLD.user_id),
				'start', OLD.start, 'end', OLD."end", 'text', OLD.quote, 'note', OLD.note,
				'attributes', json(OLD.attributes), 'origin', OLD.origin, 'client_id', OLD.client_id,
				'layer', OLD.layer, 'decided_by', OLD.decided_by, 'provenance', json(OLD.provenance),
				'created_at', OLD.created_at, 'updated_at', OLD.updated_at), NULL);
		END`,
		`CREATE TRIGGER trg_history_project_delete AFTER DELETE ON projects BEGIN
			DELETE FROM span_history WHERE project_id = OLD.id;
		END`,
	}},
	{13, "full-text search: article titles and texts, span quotes, notes and speakers", []string{
		// External content: the index holds only the words and reads
		// titles and texts from articles (for highlights); triggers keep
		// it in step within the writing transaction, on every path that
		// writes articles (create, bulk, import, delete, cascades). Rows
		// of an unpublished import are indexed too: searches join the
		// hits to articles, whose read-pool view hides them.
		`CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content = 'articles', content_rowid = 'id',
			tokenize = "unicode61 remove_diacritics 2")`,
		`INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')`,
		`CREATE TRIGGER trg_articles_fts_insert AFTER INSERT ON articles BEGIN
			INSERT INTO articles_fts (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text);
		END`,
		`CREATE TRIGGER trg_articles_fts_delete AFTER DELETE ON articles BEGIN
			INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', OLD.id, OLD.title, OLD.text);
		END`,
		// a save writes every column: re-index only when a word can change
		`CREATE TRIGGER trg_articles_fts_update AFTER UPDATE OF title, text ON articles
			WHEN OLD.title IS NOT NEW.title OR OLD.text IS NOT NEW.text BEGIN
			INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', OLD.id, OLD.title, OLD.text);
			INSERT INTO articles_fts (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text);
		END`,
		// Spans: contentless (the speaker is inside attributes, not a
		// column); searches only ask for ids.
		`CREATE VIRTUAL TABLE annotations_fts USING fts5(quote, note, speaker, content = '', contentless_delete = 1,
			tokenize = "unicode61 remove_diacritics 2")`,
		`INSERT INTO annotations_fts (rowid, quote, note, speaker)
			SELECT id, quote, note, CASE WHEN json_valid(attributes) THEN COALESCE(json_extract(attributes, '$.speaker'), '') ELSE '' END
			FROM annotations`,
		// suggestions (layer 'suggestion', migration 16) are nobody's text
		// to search, and a run writes hundreds of thousands: not indexed
		`CREATE TRIGGER trg_annotations_fts_insert AFTER INSERT ON annotations WHEN NEW.layer <> 'suggestion' BEGIN
			INSERT INTO annotations_fts (rowid, quote, note, speaker) VALUES (NEW.id, NEW.quote, NEW.note,
				CASE WHEN json_valid(NEW.attributes) THEN COALESCE(json_extract(NEW.attributes, '$.speaker'), '') ELSE '' END);
		END`,
		`CREATE TRIGGER trg_annotations_fts_delete AFTER DELETE ON annotations BEGIN
			DELETE FROM annotations_fts WHERE rowid = OLD.id;
		END`,
		`CREATE TRIGGER trg_annotations_fts_update AFTER UPDATE OF quote, note, attributes ON annotations
			WHEN (OLD.quote IS NOT NEW.quote OR OLD.note IS NOT NEW.note OR OLD.attributes IS NOT NEW.attributes) AND NEW.layer <> 'suggestion' BEGIN
			DELETE FROM annotations_fts WHERE rowid = OLD.id;
			INSERT INTO annotations_fts (rowid, quote, note, speaker) VALUES (NEW.id, NEW.quote, NEW.note,
				CASE WHEN json_valid(NEW.attributes) THEN COALESCE(json_extract(NEW.attributes, '$.speaker'), '') ELSE '' END);
		END`,
	}},
	{14, "analytics: words per article, counted once; covering indexes for the stats' two passes", []string{
		// An article's text never changes after import, so its word count
		// (models.CountWords, in Go: SQL has no notion of a word) is
		// written once, by the first GET /stats that meets the article;
		// the row goes with the article.
		`CREATE TABLE article_words (
			article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
			words INTEGER NOT NULL)`,
		// the pass over a project's articles reads this index, not the
		// rows with their texts
		`CREATE INDEX idx_articles_stats ON articles (project_id, source_id, published_at)`,
		// and the pass over its spans this one: grouped without a sort,
		// and one label's spans (what a chart asks for) are one range
		`CREATE INDEX idx_annotations_stats ON annotations (project_id, layer, label_id, article_id, user_id)`,
	}},
	{15, "relations between spans (claim to source) and article-level labels", []string{
		// A relation type links spans of one label to spans of another
		// (NULL: any label), e.g. said_by from attributed_claim to source.
		`CREATE TABLE relation_types (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			key TEXT NOT NULL,
			name TEXT NOT NULL,
			from_label_id INTEGER REFERENCES labels(id) ON DELETE RESTRICT,
			to_label_id INTEGER REFERENCES labels(id) ON DELETE RESTRICT,
			hotkey TEXT NOT NULL DEFAULT '',
			description TEXT NOT NULL DEFAULT '',
			sort_order INTEGER NOT NULL DEFAULT 0,
			import_id INTEGER,
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			UNIQUE (project_id, key))`,
		// A relation links two spans of one article and one annotator (or
		// of the gold layer); it goes with either span. import_id: hidden
		// until its import is published, like the spans.
		`CREATE TABLE relations (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			type_id INTEGER NOT NULL REFERENCES relation_types(id) ON DELETE RESTRICT,
			from_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
			to_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
			origin TEXT NOT NULL DEFAULT 'human',
			import_id INTEGER,
			created_at DATETIME NOT NULL,
			CHECK (from_id <> to_id),
			UNIQUE (from_id, to_id, type_id))`,
		`CREATE INDEX idx_relations_article ON relations (article_id, id)`,
		`CREATE INDEX idx_relations_to ON relations (to_id)`,
		`CREATE INDEX idx_relations_project ON relations (project_id, id)`,
		`CREATE INDEX idx_relations_import ON relations (import_id) WHERE import_id IS NOT NULL`,
		`CREATE INDEX idx_relations_type ON relations (type_id)`,
		`CREATE INDEX idx_relations_user ON relations (user_id)`,
		`CREATE INDEX idx_relation_types_labels ON relation_types (from_label_id, to_label_id)`,
		// a link is part of the span it starts at (exports carry it on that
		// span's row): making or removing one, or moving the span it points
		// to, counts as a change of that span, so incremental pulls
		// (updated_since) and export versions see it
		`CREATE TRIGGER trg_relations_touch_insert AFTER INSERT ON relations
			WHEN (SELECT layer FROM annotations WHERE id = NEW.from_id) <> 'suggestion' BEGIN
			UPDATE annotations SET updated_at = ` + sqlNow + ` WHERE id = NEW.from_id;
		END`,
		`CREATE TRIGGER trg_relations_touch_delete AFTER DELETE ON relations
			WHEN (SELECT layer FROM annotations WHERE id = OLD.from_id) IS NOT 'suggestion' BEGIN
			UPDATE annotations SET updated_at = ` + sqlNow + ` WHERE id = OLD.from_id;
		END`,
		`CREATE TRIGGER trg_relations_touch_target AFTER UPDATE OF label_id, start, "end", quote ON annotations BEGIN
			UPDATE annotations SET updated_at = ` + sqlNow + ` WHERE id IN (SELECT from_id FROM relations WHERE to_id = NEW.id);
		END`,
		// Article-level labels: groups of options (genre: news, opinion,
		// analysis), single or multiple choice, chosen per annotator and
		// in the gold layer.
		`CREATE TABLE doc_label_groups (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			key TEXT NOT NULL,
			name TEXT NOT NULL,
			multiple INTEGER NOT NULL DEFAULT 0,
			description TEXT NOT NULL DEFAULT '',
			sort_order INTEGER NOT NULL DEFAULT 0,
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			UNIQUE (project_id, key))`,
		`CREATE TABLE doc_label_options (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			group_id INTEGER NOT NULL REFERENCES doc_label_groups(id) ON DELETE CASCADE,
			key TEXT NOT NULL,
			name TEXT NOT NULL,
			hotkey TEXT NOT NULL DEFAULT '',
			sort_order INTEGER NOT NULL DEFAULT 0,
			UNIQUE (group_id, key))`,
		`CREATE TABLE article_labels (
			article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
			option_id INTEGER NOT NULL REFERENCES doc_label_options(id) ON DELETE CASCADE,
			group_id INTEGER NOT NULL REFERENCES doc_label_groups(id) ON DELETE CASCADE,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
			layer TEXT NOT NULL DEFAULT 'annotator' CHECK (layer IN ('annotator', 'gold')),
			decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
			created_at DATETIME NOT NULL,
			PRIMARY KEY (article_id, option_id, user_id))`,
		`CREATE INDEX idx_article_labels_project ON article_labels (project_id, group_id, article_id)`,
		`CREATE INDEX idx_article_labels_option ON article_labels (option_id)`,
		`CREATE INDEX idx_article_labels_user ON article_labels (user_id)`,
		// Links have a history like spans (who linked or unlinked, when):
		// the same actor table and the same rules for imports and for a
		// project being deleted. A span's restore brings back the links
		// its deletion took with it.
		`CREATE TABLE relation_history (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			relation_id INTEGER NOT NULL,
			project_id INTEGER NOT NULL,
			article_id INTEGER NOT NULL,
			action TEXT NOT NULL CHECK (action IN ('create', 'delete')),
			actor_id INTEGER,
			at DATETIME NOT NULL,
			type_id INTEGER NOT NULL,
			type TEXT NOT NULL,
			from_id INTEGER NOT NULL,
			to_id INTEGER NOT NULL,
			user_id INTEGER NOT NULL,
			origin TEXT NOT NULL)`,
		`CREATE INDEX idx_relation_history_from ON relation_history (from_id)`,
		`CREATE INDEX idx_relation_history_to ON relation_history (to_id)`,
		`CREATE INDEX idx_relation_history_project ON relation_history (project_id, id)`,
		`CREATE TRIGGER trg_relation_history_insert AFTER INSERT ON relations
			WHEN NEW.import_id IS NULL AND (SELECT layer FROM annotations WHERE id = NEW.from_id) <> 'suggestion' BEGIN
			INSERT INTO relation_history (relation_id, project_id, article_id, action, actor_id, at, type_id, type, from_id, to_id, user_id, origin)
			VALUES (NEW.id, NEW.project_id, NEW.article_id, 'create', COALESCE((SELECT user_id FROM history_actor WHERE only = 1), NEW.user_id),
				NEW.created_at, NEW.type_id, (SELECT key FROM relation_types WHERE id = NEW.type_id), NEW.from_id, NEW.to_id, NEW.user_id, NEW.origin);
		END`,
		`CREATE TRIGGER trg_relation_history_delete AFTER DELETE ON relations
			WHEN NOT EXISTS (SELECT 1 FROM history_actor WHERE only = 1 AND mute = 1)
				AND (OLD.import_id IS NULL OR EXISTS (SELECT 1 FROM imports WHERE id = OLD.import_id AND state = 'done')) BEGIN
			INSERT INTO relation_history (relation_id, project_id, article_id, action, actor_id, at, type_id, type, from_id, to_id, user_id, origin)
			VALUES (OLD.id, OLD.project_id, OLD.article_id, 'delete', (SELECT user_id FROM history_actor WHERE only = 1),
				` + sqlNow + `, OLD.type_id, (SELECT key FROM relation_types WHERE id = OLD.type_id), OLD.from_id, OLD.to_id, OLD.user_id, OLD.origin);
		END`,
		`CREATE TRIGGER trg_relation_history_project_delete AFTER DELETE ON projects BEGIN
			DELETE FROM relation_history WHERE project_id = OLD.id;
		END`,
	}},
	{16, "suggestions: the (suggestions) user owns suggested spans; annotators' decisions on them", []string{
		// Suggested spans are in layer 'suggestion' and belong to one
		// system user, so the unique index over (article, label, extent,
		// user) keeps one suggestion per extent and label: a re-run finds
		// it stored and writes nothing.
		`INSERT INTO users (name, role, password_hash, password_changed_at, created_at, updated_at, disabled_at)
			VALUES ('(suggestions)', 'annotator', '!', ` + sqlNow + `, ` + sqlNow + `, ` + sqlNow + `, ` + sqlNow + `)`,
		`CREATE INDEX idx_annotations_suggestions ON annotations (article_id, start) WHERE layer = 'suggestion'`,
		// One decision per annotator and suggested claim: accepted (the
		// copy in their layer is accepted_id) or rejected (hidden from
		// them, never offered again). rule: for acceptance rates per rule.
		`CREATE TABLE suggestion_decisions (
			annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
			rule TEXT NOT NULL,
			decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
			accepted_id INTEGER REFERENCES annotations(id) ON DELETE SET NULL,
			created_at DATETIME NOT NULL,
			PRIMARY KEY (annotation_id, user_id))`,
		`CREATE INDEX idx_suggestion_decisions_project ON suggestion_decisions (project_id, rule, decision)`,
		// deleting a span sets accepted_id to NULL where it is named: without
		// an index every span delete read the whole table
		`CREATE INDEX idx_suggestion_decisions_accepted ON suggestion_decisions (accepted_id)`,
	}},
	{17, "a project's span count is its annotators' spans: not the gold layer's, not suggestions", []string{
		`DROP TRIGGER trg_annotations_insert`,
		`CREATE TRIGGER trg_annotations_insert AFTER INSERT ON annotations BEGIN
			UPDATE projects SET annotation_count = annotation_count + 1 WHERE id = NEW.project_id AND NEW.import_id IS NULL
				AND NEW.layer = 'annotator';
			INSERT INTO span_versions (article_id, version) VALUES (NEW.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
		`DROP TRIGGER trg_annotations_delete`,
		`CREATE TRIGGER trg_annotations_delete AFTER DELETE ON annotations BEGIN
			UPDATE projects SET annotation_count = annotation_count - 1 WHERE id = OLD.project_id AND OLD.layer = 'annotator'
				AND (OLD.import_id IS NULL OR OLD.import_id IN (SELECT id FROM imports WHERE state = 'done'));
			INSERT INTO span_versions (article_id, version) VALUES (OLD.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
		`DROP TRIGGER trg_imports_publish`,
		`CREATE TRIGGER trg_imports_publish AFTER UPDATE OF state ON imports WHEN NEW.state = 'done' AND OLD.state <> 'done' BEGIN
			UPDATE projects SET
				article_count = article_count + (SELECT COUNT(*) FROM articles WHERE import_id = NEW.id),
				annotation_count = annotation_count + (SELECT COUNT(*) FROM annotations WHERE import_id = NEW.id AND layer = 'annotator')
			WHERE id = NEW.project_id;
			UPDATE cache_epoch SET epoch = epoch + 1;
		END`,
		`UPDATE projects SET annotation_count = (SELECT COUNT(*) FROM annotations n WHERE n.project_id = projects.id
			AND n.layer = 'annotator' AND (n.import_id IS NULL OR n.import_id IN (SELECT id FROM imports WHERE state = 'done')))`,
	}},
	{18, "a suggested span moves no count and no span version: no cached list shows suggestions, and a run writes tens of thousands", []string{
		// The unfiltered span list (the one cached under span_versions)
		// never holds the 'suggestion' layer, and project counts leave it
		// out (migration 17); a suggestion run no longer pays an upsert per
		// span. Updates and deletes still move the version (rare; harmless).
		`DROP TRIGGER trg_annotations_insert`,
		`CREATE TRIGGER trg_annotations_insert AFTER INSERT ON annotations WHEN NEW.layer <> 'suggestion' BEGIN
			UPDATE projects SET annotation_count = annotation_count + 1 WHERE id = NEW.project_id AND NEW.import_id IS NULL
				AND NEW.layer = 'annotator';
			INSERT INTO span_versions (article_id, version) VALUES (NEW.article_id, 1)
				ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
		END`,
	}},
	{19, "login failures kept in the database, so that every server counts them", []string{
		// one row per throttling key (server/api/auth.go): several servers
		// on one PostgreSQL must share the count, or a guesser gets one
		// budget per server and a restart clears it
		`CREATE TABLE login_failures (
			key TEXT PRIMARY KEY,
			fails INTEGER NOT NULL,
			locked_until DATETIME NOT NULL,
			last_at DATETIME NOT NULL)`,
		`CREATE INDEX idx_login_failures_last ON login_failures (last_at)`,
	}},
	// PostgreSQL's step 20 keeps the "to do" pointer below articles that
	// commit out of id order; on SQLite they cannot (one writer), so
	// there is nothing to do here but keep the two lists in step.
	{20, "the to-do pointer and articles committed out of id order (PostgreSQL only)", []string{`SELECT 1`}},
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
