package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"
)

// Span history. SQLite's triggers (migration 12) write a row to
// span_history for every create, change and delete of a span, whatever
// path made it; the store only tells them who is acting, through the
// context of the write (WithActor), which Tx copies into history_actor.

type actorKey struct{}

type actor struct {
	id   int64
	mute bool // a whole project is being deleted: record nothing
}

func (a actor) set() bool { return a.id != 0 || a.mute }
func (a actor) userID() any {
	if a.id == 0 {
		return nil
	}
	return a.id
}

// WithActor marks ctx as a request of user id: span changes written under
// it are credited to that user in the history.
func WithActor(ctx context.Context, userID int64) context.Context {
	a := actorOf(ctx)
	a.id = userID
	return context.WithValue(ctx, actorKey{}, a)
}

func withMute(ctx context.Context) context.Context {
	a := actorOf(ctx)
	a.mute = true
	return context.WithValue(ctx, actorKey{}, a)
}

func actorOf(ctx context.Context) actor {
	a, _ := ctx.Value(actorKey{}).(actor)
	return a
}

// HistoryEntry is one recorded change of a span. Before and After are
// the span as the triggers imaged it (nil for a create's before and a
// delete's after); Synthetic marks the creation of an imported span,
// which is not a row of its own (see below).
type HistoryEntry struct {
	ID           int64
	AnnotationID int64
	ProjectID    int64
	ArticleID    int64
	Action       string
	ActorID      *int64
	ActorName    string
	At           time.Time
	Before       json.RawMessage
	After        json.RawMessage
	Synthetic    bool
}

const historyCols = `h.id, h.annotation_id, h.project_id, h.article_id, h.action, h.actor_id,
	COALESCE((SELECT name FROM users u WHERE u.id = h.actor_id), ''), h.at, h.before, h.after`

func scanHistory(rows *sql.Rows) ([]HistoryEntry, error) {
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var at string
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &e.AnnotationID, &e.ProjectID, &e.ArticleID, &e.Action, &e.ActorID, &e.ActorName, &at, &before, &after); err != nil {
			return nil, err
		}
		e.At, _ = ParseTime(at)
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SpanHistory returns the changes of one span (existing or deleted) of
// project projectID, oldest first. A span written by an import has no
// create row (an import writes hundreds of thousands at once and they
// stay hidden until it is published): its creation is reported from the
// span itself, or from its first recorded before-image once changed.
func (s *Store) SpanHistory(ctx context.Context, projectID, annotationID int64) ([]HistoryEntry, error) {
	rows, err := s.rd(ctx).Raw(`SELECT `+historyCols+` FROM span_history h
		WHERE h.annotation_id = ? AND h.project_id = ? ORDER BY h.id`, annotationID, projectID).Rows()
	if err != nil {
		return nil, err
	}
	out, err := scanHistory(rows)
	if err != nil {
		return nil, err
	}
	links, err := s.linkHistory(ctx, projectID, annotationID)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && out[0].Action == "create" {
		out = append(out, links...)
		sortHistory(out)
		return out, nil
	}
	// no create row: an imported span (or one older than history)
	var image sql.NullString
	var createdAt string
	var importID sql.NullInt64
	if len(out) > 0 {
		image = sql.NullString{String: string(out[0].Before), Valid: true}
		var v struct {
			CreatedAt string `json:"created_at"`
		}
		_ = json.Unmarshal(out[0].Before, &v)
		createdAt = v.CreatedAt
	} else {
		err := s.rd(ctx).Raw(`SELECT `+s.spanImageSQL()+`, created_at, import_id FROM annotations n WHERE id = ? AND project_id = ? AND `+visible("n"),
			annotationID, projectID).Row().Scan(&image, &createdAt, &importID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("annotation")
		}
		if err != nil {
			return nil, err
		}
	}
	var img struct {
		UserID    int64  `json:"user_id"`
		Annotator string `json:"annotator"`
	}
	_ = json.Unmarshal([]byte(image.String), &img)
	at, _ := ParseTime(createdAt)
	first := HistoryEntry{AnnotationID: annotationID, ProjectID: projectID, Action: "create", At: at,
		After: json.RawMessage(image.String), ActorID: &img.UserID, ActorName: img.Annotator, Synthetic: true}
	if len(out) > 0 {
		first.ArticleID = out[0].ArticleID
	}
	out = append(append([]HistoryEntry{first}, out...), links...)
	sortHistory(out)
	return out, nil
}

// linkHistory is the links made and removed at a span (either end), as
// history entries "link" and "unlink" whose After (link) or Before
// (unlink) names the relation: {"relation_id", "type", "from", "to"}.
func (s *Store) linkHistory(ctx context.Context, projectID, annotationID int64) ([]HistoryEntry, error) {
	rows, err := s.rd(ctx).Raw(`SELECT h.id, h.relation_id, h.article_id, h.action, h.actor_id,
		COALESCE((SELECT name FROM users u WHERE u.id = h.actor_id), ''), h.at, h.type, h.from_id, h.to_id
		FROM relation_history h WHERE h.id IN (SELECT id FROM relation_history WHERE from_id = ?
			UNION SELECT id FROM relation_history WHERE to_id = ?) AND h.project_id = ? ORDER BY h.id`, annotationID, annotationID, projectID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var relID, from, to int64
		var action, at, typ string
		if err := rows.Scan(&e.ID, &relID, &e.ArticleID, &action, &e.ActorID, &e.ActorName, &at, &typ, &from, &to); err != nil {
			return nil, err
		}
		e.AnnotationID, e.ProjectID = annotationID, projectID
		e.At, _ = ParseTime(at)
		img, _ := json.Marshal(map[string]any{"relation_id": relID, "type": typ, "from": from, "to": to})
		if action == "create" {
			e.Action, e.After = "link", img
		} else {
			e.Action, e.Before = "unlink", img
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sortHistory orders a span's entries by time; at one time, span events
// before link events (a span is created before it is linked, and its
// deletion is recorded before the links it took with it).
func sortHistory(es []HistoryEntry) {
	rank := func(a string) int {
		if a == "link" || a == "unlink" {
			return 1
		}
		return 0
	}
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].At.Equal(es[j].At) {
			return es[i].At.Before(es[j].At)
		}
		return rank(es[i].Action) < rank(es[j].Action)
	})
}

// spanImageSQL images annotation row n as the triggers do (on
// PostgreSQL, its triggers' pgSpanImage: times as slant_time_text).
func (s *Store) spanImageSQL() string {
	if s.pg {
		return pgSpanImage("n")
	}
	return sqliteSpanImage
}

const sqliteSpanImage = `json_object('label', (SELECT key FROM labels WHERE id = n.label_id), 'label_id', n.label_id,
	'user_id', n.user_id, 'annotator', (SELECT name FROM users WHERE id = n.user_id),
	'start', n.start, 'end', n."end", 'text', n.quote, 'note', n.note,
	'attributes', json(n.attributes), 'origin', n.origin, 'client_id', n.client_id,
	'layer', n.layer, 'decided_by', n.decided_by, 'provenance', json(n.provenance),
	'created_at', n.created_at, 'updated_at', n.updated_at)`

// HistoryFilter narrows a project's history.
type HistoryFilter struct {
	Since     *time.Time // changes at or after
	ArticleID int64
	UserID    int64 // only changes of this user's spans (blind annotators)
}

// ProjectHistory pages through a project's span changes in the order
// they happened (by id), for audits.
func (s *Store) ProjectHistory(ctx context.Context, projectID int64, f HistoryFilter, pg Page) ([]HistoryEntry, *string, error) {
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	q := `SELECT ` + historyCols + ` FROM span_history h WHERE h.project_id = ?`
	args := []any{projectID}
	if f.Since != nil {
		q += ` AND h.at >= ?`
		args = append(args, lowerBound(f.Since, s.pg))
	}
	if f.ArticleID != 0 {
		q += ` AND h.article_id = ?`
		args = append(args, f.ArticleID)
	}
	if f.UserID != 0 {
		q += ` AND COALESCE(` + s.jsonInt("h.after", "user_id") + `, ` + s.jsonInt("h.before", "user_id") + `) = ?`
		args = append(args, f.UserID)
	}
	if after != nil {
		q += ` AND h.id > ?`
		args = append(args, after[0])
	}
	q += ` ORDER BY h.id LIMIT ?`
	args = append(args, pg.limit()+1)
	rows, err := s.rd(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	out, err := scanHistory(rows)
	if err != nil {
		return nil, nil, err
	}
	out, next := pageOf(out, pg.limit(), func(e HistoryEntry) []int64 { return []int64{e.ID} })
	return out, next, nil
}

// RestoreAnnotation brings back a deleted span from its last recorded
// image, under its old id, through the span writer's rules (the article's
// text and the label must still be there). It answers the restored span.
func (s *Store) RestoreAnnotation(ctx context.Context, projectID, annotationID int64) (*AnnotationView, error) {
	err := s.Tx(ctx, func(tx *Store) error {
		var exists int
		err := tx.wr(ctx).Raw(`SELECT 1 FROM annotations WHERE id = ?`, annotationID).Row().Scan(&exists)
		if err == nil {
			return &ConflictError{Message: "annotation " + itoa(int(annotationID)) + " exists; only a deleted span can be restored"}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var before sql.NullString
		var articleID int64
		var deletion int64
		err = tx.wr(ctx).Raw(`SELECT before, article_id, id FROM span_history WHERE annotation_id = ? AND project_id = ? AND action = 'delete'
			ORDER BY id DESC LIMIT 1`, annotationID, projectID).Row().Scan(&before, &articleID, &deletion)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("deleted annotation")
		}
		if err != nil {
			return err
		}
		var img struct {
			LabelID    int64   `json:"label_id"`
			UserID     int64   `json:"user_id"`
			Start      int     `json:"start"`
			End        int     `json:"end"`
			Note       string  `json:"note"`
			Attributes JSONMap `json:"attributes"`
			Origin     string  `json:"origin"`
			ClientID   *string `json:"client_id"`
			Layer      string  `json:"layer"`
			DecidedBy  *int64  `json:"decided_by"`
			Provenance JSONMap `json:"provenance"`
		}
		if err := json.Unmarshal([]byte(before.String), &img); err != nil {
			return err
		}
		pid, text, err := tx.articleText(ctx, articleID)
		if err != nil {
			if isNotFound(err) {
				return &ConflictError{Message: "the span's article was deleted; it cannot be restored"}
			}
			return err
		}
		if pid != projectID {
			return notFound("deleted annotation")
		}
		var labelOK int
		if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM labels WHERE id = ?`, img.LabelID).Row().Scan(&labelOK); err != nil {
			return err
		}
		if labelOK == 0 {
			return &ConflictError{Message: "the span's label was deleted; it cannot be restored"}
		}
		var userOK int
		if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM users WHERE id = ?`, img.UserID).Row().Scan(&userOK); err != nil {
			return err
		}
		if userOK == 0 {
			return &ConflictError{Message: "the span's annotator was deleted; it cannot be restored"}
		}
		if img.DecidedBy != nil {
			var curatorOK int
			if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM users WHERE id = ?`, *img.DecidedBy).Row().Scan(&curatorOK); err != nil {
				return err
			}
			if curatorOK == 0 {
				img.DecidedBy = nil // the curator who decided is gone; the decision stays
			}
		}
		row, err := PrepareSpan(NewSpanIndex(text), projectID, SpanDraft{ArticleID: articleID, LabelID: img.LabelID, UserID: img.UserID,
			Start: img.Start, End: img.End, Note: img.Note, Attributes: img.Attributes, Origin: img.Origin, ClientID: img.ClientID,
			Layer: img.Layer, DecidedBy: img.DecidedBy, Provenance: img.Provenance}, OriginHuman)
		if err != nil {
			return err
		}
		row.ID = annotationID
		ids, err := tx.insertSpansWithID(ctx, row)
		if err != nil {
			return err
		}
		if ids == 0 {
			return &ConflictError{Message: "the same annotator has a span with this label at [" + itoa(row.Start) + ", " + itoa(row.End) + ") again; restoring would repeat it"}
		}
		return tx.restoreLinks(ctx, annotationID, deletion)
	})
	if err != nil {
		return nil, err
	}
	return s.GetAnnotation(ctx, annotationID)
}

// restoreLinks brings back the links that a span's deletion (history
// row deletion) took with it — unlinked in the same statement, so at the
// same SQLite time — where the span at the other end still exists and
// the relation type is still there.
func (s *Store) restoreLinks(ctx context.Context, annotationID, deletion int64) error {
	rows, err := s.wr(ctx).Raw(`SELECT h.project_id, h.article_id, h.type_id, h.from_id, h.to_id, h.user_id, h.origin
		FROM relation_history h WHERE (h.from_id = ? OR h.to_id = ?) AND h.action = 'delete'
			AND h.at = (SELECT at FROM span_history WHERE id = ?)
			AND EXISTS (SELECT 1 FROM relation_types t WHERE t.id = h.type_id)
			AND EXISTS (SELECT 1 FROM annotations a WHERE a.id = CASE WHEN h.from_id = ? THEN h.to_id ELSE h.from_id END)`,
		annotationID, annotationID, deletion, annotationID).Rows()
	if err != nil {
		return err
	}
	var links []relationRow
	for rows.Next() {
		var r relationRow
		if err := rows.Scan(&r.projectID, &r.articleID, &r.typeID, &r.fromID, &r.toID, &r.userID, &r.origin); err != nil {
			rows.Close()
			return err
		}
		links = append(links, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = s.insertRelations(ctx, links, nil)
	return err
}

// DeletedSpanOwner is the user a deleted span of the project belonged to
// (from its last deletion in the history): whoever may delete a span may
// bring it back.
func (s *Store) DeletedSpanOwner(ctx context.Context, projectID, annotationID int64) (int64, error) {
	var uid sql.NullInt64
	err := s.rd(ctx).Raw(`SELECT `+s.jsonInt("before", "user_id")+` FROM span_history
		WHERE annotation_id = ? AND project_id = ? AND action = 'delete' ORDER BY id DESC LIMIT 1`, annotationID, projectID).Row().Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !uid.Valid) {
		return 0, notFound("deleted annotation")
	}
	return uid.Int64, err
}
