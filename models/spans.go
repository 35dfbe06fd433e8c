package models

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// The one span writer. Every path that stores a new span — a single
// create, a bulk push, an import, and whatever comes later (gold layer,
// suggestions) — builds its rows with PrepareSpan and stores them with
// insertSpans. The rules of a valid span therefore live here only.

// SpanDraft is a span on its way in: the article and label already
// resolved to ids by the caller (each path finds them its own way).
type SpanDraft struct {
	ArticleID  int64
	LabelID    int64
	UserID     int64
	Start, End int
	Text       *string // optional: must equal the stored slice
	Note       string
	Attributes JSONMap
	Origin     string // "" takes the path's default
	ClientID   *string
	Layer      string // "" is LayerAnnotator
	DecidedBy  *int64
	Provenance JSONMap
}

// Limits on the free-form parts of a span and an article.
const (
	MaxNoteRunes       = 10_000
	MaxAttributesBytes = 64 << 10  // encoded JSON
	MaxMetadataBytes   = 256 << 10 // encoded JSON
	// MaxJSONDepth bounds nesting in attributes and metadata: SQLite's
	// json() stops at 1,000 levels and Python's json at about 1,000
	// frames, so one deep value would make every later list unreadable.
	MaxJSONDepth = 32
)

// PrepareSpan applies the defaults and every rule a stored span obeys —
// field validation and the code-point check against the article's text —
// and returns the row to insert. defaultOrigin fills an empty Origin.
func PrepareSpan(ix *SpanIndex, projectID int64, d SpanDraft, defaultOrigin string) (Annotation, error) {
	if d.Origin == "" {
		d.Origin = defaultOrigin
	}
	if d.Attributes == nil {
		d.Attributes = JSONMap{}
	}
	if err := validateAnnotationFields(d.Note, d.Attributes, d.Origin); err != nil {
		return Annotation{}, err
	}
	if d.ClientID != nil {
		if err := validateClientID(*d.ClientID); err != nil {
			return Annotation{}, err
		}
	}
	quote, err := CheckSpan(ix, d.Start, d.End, d.Text)
	if err != nil {
		return Annotation{}, err
	}
	if d.Layer == "" {
		d.Layer = LayerAnnotator
	}
	if d.Provenance == nil {
		d.Provenance = JSONMap{}
	}
	return Annotation{ProjectID: projectID, ArticleID: d.ArticleID, LabelID: d.LabelID, UserID: d.UserID,
		Start: d.Start, End: d.End, Quote: quote, Note: d.Note, Attributes: d.Attributes,
		Origin: d.Origin, ClientID: d.ClientID, Layer: d.Layer, DecidedBy: d.DecidedBy, Provenance: d.Provenance}, nil
}

func validateClientID(id string) error {
	switch {
	case !utf8.ValidString(id):
		return Invalid("client_id", "must be valid UTF-8")
	case len(id) > 200:
		return Invalid("client_id", "must be at most 200 bytes")
	}
	return nil
}

func validateAnnotationFields(note string, attrs JSONMap, origin string) error {
	if !validText(note) {
		return Invalid("note", "must be valid UTF-8 without NUL characters")
	}
	if utf8.RuneCountInString(note) > MaxNoteRunes {
		return Invalid("note", "must be at most "+itoa(MaxNoteRunes)+" characters")
	}
	if err := checkJSONBounds("attributes", attrs, MaxAttributesBytes); err != nil {
		return err
	}
	if v, ok := attrs["speaker"]; ok {
		if _, isStr := v.(string); !isStr && v != nil {
			return Invalid("attributes.speaker", "must be a string")
		}
	}
	if !validOrigin(origin) {
		return Invalid("origin", `must be "human", "import" or "model:<name>"`)
	}
	return nil
}

// checkJSONBounds refuses a JSON object nested deeper than MaxJSONDepth or
// larger than maxBytes once encoded.
func checkJSONBounds(field string, m JSONMap, maxBytes int) error {
	if jsonDepth(map[string]any(m), 0) > MaxJSONDepth {
		return Invalid(field, "must not be nested more than "+itoa(MaxJSONDepth)+" levels deep")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return Invalid(field, "must be a JSON object")
	}
	if len(b) > maxBytes {
		return Invalid(field, "must be at most "+itoa(maxBytes/1024)+" KiB as JSON")
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return Invalid(field, "must not contain NUL characters (U+0000)")
	}
	return nil
}

// validText is valid UTF-8 without NUL characters, which PostgreSQL
// cannot store in text (refused on both backends, so a SQLite database
// can always move to PostgreSQL).
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// jsonDepth is the nesting depth of v (an object or array counts one
// level); it stops counting once past the limit.
func jsonDepth(v any, d int) int {
	if d > MaxJSONDepth {
		return d
	}
	deepest := d
	switch x := v.(type) {
	case map[string]any:
		deepest = d + 1
		for _, e := range x {
			deepest = max(deepest, jsonDepth(e, d+1))
		}
	case JSONMap:
		return jsonDepth(map[string]any(x), d)
	case []any:
		deepest = d + 1
		for _, e := range x {
			deepest = max(deepest, jsonDepth(e, d+1))
		}
	}
	return deepest
}

// spanKey is what the unique index of annotations covers.
type spanKey struct {
	article, label, user int64
	start, end           int
}

// spanBatchSizes are the row counts of the multi-row INSERT statements,
// prepared once per store: 15 parameters × 256 rows stay well under
// SQLite's limit, and a fixed set keeps the statements reusable.
var spanBatchSizes = []int{256, 64, 16, 4, 1}

const annotationInsertCols = `project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, client_id, layer, decided_by, provenance, import_id, created_at, updated_at`

// insertSpanSQL is the statement for n rows. created_at and updated_at are
// stamped by SQLite as the statement runs (sqlNow), that is while the
// writer is held: a save queued behind an import chunk must not carry a
// time older than spans committed before it, or an incremental pull
// (updated_since = the newest updated_at seen) would miss it. A row that
// would repeat an annotator's label on the same extent is skipped (the
// unique index decides, so no stored span has to be read first).
func insertSpanSQL(n int, now string) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO annotations (" + annotationInsertCols + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?," + now + "," + now + ")")
	}
	sb.WriteString(` ON CONFLICT (article_id, label_id, start, "end", user_id) DO NOTHING
		RETURNING id, article_id, label_id, user_id, start, "end", created_at`)
	return sb.String()
}

// prepareSpanInserts prepares one statement per batch size on the writer
// (at Open, before any transaction can hold its only connection).
func prepareSpanInserts(wdb *sql.DB) (map[int]*sql.Stmt, error) {
	out := map[int]*sql.Stmt{}
	for _, n := range spanBatchSizes {
		st, err := wdb.Prepare(insertSpanSQL(n, sqlNow))
		if err != nil {
			for _, s := range out {
				s.Close()
			}
			return nil, err
		}
		out[n] = st
	}
	return out, nil
}

// insertSpans stores rows prepared by PrepareSpan, tagged with importID
// when an import writes them (hidden until it is published). It returns
// the new ids in row order, 0 for a row skipped because its annotator
// already has that label on that extent; the rows' CreatedAt and
// UpdatedAt are set to the stored stamp. Inside a transaction it writes
// there; otherwise each statement is atomic on its own.
func (s *Store) insertSpans(ctx context.Context, rows []Annotation, importID *int64) ([]int64, error) {
	ids := make([]int64, len(rows))
	var tx *sql.Tx
	if s.inTx {
		if tx = rawTx(s.w); tx == nil {
			return nil, errors.New("insert spans: no raw transaction under gorm")
		}
	}
	ctx = dbContext(ctx)
	for done := 0; done < len(rows); {
		n := 1
		for _, sz := range spanBatchSizes {
			if sz <= len(rows)-done {
				n = sz
				break
			}
		}
		batch := rows[done : done+n]
		args := make([]any, 0, n*15)
		pos := make(map[spanKey]int, n)
		for i := range batch {
			a := &batch[i]
			attrs, err := a.Attributes.Value()
			if err != nil {
				return nil, err
			}
			layer := a.Layer
			if layer == "" {
				layer = LayerAnnotator
			}
			prov := "{}"
			if len(a.Provenance) > 0 {
				v, err := a.Provenance.Value()
				if err != nil {
					return nil, err
				}
				prov = v.(string)
			}
			args = append(args, a.ProjectID, a.ArticleID, a.LabelID, a.UserID, a.Start, a.End, a.Quote, a.Note,
				attrs, a.Origin, a.ClientID, layer, a.DecidedBy, prov, importID)
			pos[spanKey{a.ArticleID, a.LabelID, a.UserID, a.Start, a.End}] = done + i
		}
		st := s.spanInserts[n]
		var res *sql.Rows
		var err error
		switch {
		case st == nil: // PostgreSQL: gorm binds and prepares per connection
			res, err = s.wr(ctx).Raw(insertSpanSQL(n, s.now()), args...).Rows()
		case tx != nil:
			res, err = tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		default:
			res, err = st.QueryContext(ctx, args...)
		}
		if err != nil {
			return nil, spanWriteError(err)
		}
		for res.Next() {
			var id int64
			var k spanKey
			var stamp string
			if err := res.Scan(&id, &k.article, &k.label, &k.user, &k.start, &k.end, &stamp); err != nil {
				res.Close()
				return nil, err
			}
			j := pos[k]
			ids[j] = id
			rows[j].ID = id
			if t, ok := parseSQLiteTime(stamp); ok {
				rows[j].CreatedAt, rows[j].UpdatedAt = t, t
			}
		}
		if err := res.Close(); err != nil {
			return nil, spanWriteError(err)
		}
		done += n
	}
	return ids, nil
}

// spanWriteError names the constraint a span write ran into.
func spanWriteError(err error) error {
	switch {
	case isForeignKey(err):
		return notFound("article or label (deleted meanwhile)")
	case isUnique(err):
		// the (article, label, extent, annotator) index is handled by ON
		// CONFLICT; what is left is a client_id stored concurrently
		return &ConflictError{Message: "a client_id collided with one stored concurrently; retry"}
	}
	return err
}

// insertSpansWithID stores one prepared row under its own ID (a deleted
// span restored from history keeps its id, so its history reads on). It
// answers the id, or 0 when the row's annotator already has the label on
// that extent. The row's times are stamped now: the restore is its new
// creation, recorded as such by the history trigger.
func (s *Store) insertSpansWithID(ctx context.Context, a Annotation) (int64, error) {
	attrs, err := a.Attributes.Value()
	if err != nil {
		return 0, err
	}
	prov, err := a.Provenance.Value()
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.wr(ctx).Raw(`INSERT INTO annotations (id, `+annotationInsertCols+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,`+s.now()+`,`+s.now()+`)
		ON CONFLICT (article_id, label_id, start, "end", user_id) DO NOTHING RETURNING id`,
		a.ID, a.ProjectID, a.ArticleID, a.LabelID, a.UserID, a.Start, a.End, a.Quote, a.Note, attrs, a.Origin, a.ClientID,
		a.Layer, a.DecidedBy, prov, nil).Row().Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, spanWriteError(err)
	}
	return id, nil
}
