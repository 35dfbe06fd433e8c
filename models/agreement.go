package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// What agreement reads: the annotators' layer of one project (never the
// gold layer), article lengths and done marks, streamed through
// database/sql rows in one read transaction (a consistent snapshot). The
// measures themselves are server/agreement's; this file only reads.

// AgreementQuery narrows what agreement reads.
type AgreementQuery struct {
	ProjectID  int64
	Annotators []string // user names; empty: every user with a span in the project
	ArticleID  int64    // one article (drill-down); 0: all
	Source     string   // outlet domain; "": all
	// AsOf, when set, reads the spans as they were at that time,
	// reconstructed from span_history, and only done marks made by then.
	AsOf *time.Time
}

// AgreementSpan is one annotator's span, by ids.
type AgreementSpan struct {
	UserID, ArticleID, LabelID int64
	Start, End                 int
}

// AgreementUser is an annotator agreement compares.
type AgreementUser struct {
	ID   int64
	Name string
}

// AgreementLabel is a label of the project.
type AgreementLabel struct {
	ID  int64
	Key string
}

// AgreementData is what the measures need.
type AgreementData struct {
	Lengths map[int64]int    // article -> length in code points
	Titles  map[int64]string // article -> title
	Users   []AgreementUser
	// Missing are the requested annotator names that name nobody.
	Missing []string
	Labels  []AgreementLabel // every label of the project, in display order
	Spans   []AgreementSpan
	Done    map[int64]map[int64]bool // user -> articles marked done
}

// Agreement reads the data for an agreement computation.
func (s *Store) Agreement(ctx context.Context, q AgreementQuery) (*AgreementData, error) {
	d := &AgreementData{Lengths: map[int64]int{}, Titles: map[int64]string{}, Done: map[int64]map[int64]bool{}}
	err := s.r.WithContext(dbContext(ctx)).Transaction(func(tx *gorm.DB) error {
		var one int
		if err := tx.Raw("SELECT 1 FROM projects WHERE id = ?", q.ProjectID).Row().Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("project")
			}
			return err
		}
		if err := agreementLabels(tx, q, d); err != nil {
			return err
		}
		if err := agreementArticles(tx, q, d); err != nil {
			return err
		}
		users, err := s.agreementUsers(tx, q, d)
		if err != nil {
			return err
		}
		if q.AsOf != nil {
			err = s.agreementSpansAsOf(tx, q, d, users)
		} else {
			err = agreementSpans(tx, q, d, users)
		}
		if err != nil {
			return err
		}
		if q.Annotators == nil {
			// default: everyone with a span in what was read
			seen := map[int64]bool{}
			for _, sp := range d.Spans {
				seen[sp.UserID] = true
			}
			kept := d.Users[:0]
			for _, u := range d.Users {
				if seen[u.ID] {
					kept = append(kept, u)
				}
			}
			d.Users = kept
		}
		return s.agreementDone(tx, q, d)
	}, snapshotTx)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func agreementLabels(tx *gorm.DB, q AgreementQuery, d *AgreementData) error {
	rows, err := tx.Raw(`SELECT id, key FROM labels WHERE project_id = ? ORDER BY sort_order, id`, q.ProjectID).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l AgreementLabel
		if err := rows.Scan(&l.ID, &l.Key); err != nil {
			return err
		}
		d.Labels = append(d.Labels, l)
	}
	return rows.Err()
}

// articleWhere is the article filter of q on table alias a.
func articleWhere(q AgreementQuery, a string) (string, []any) {
	where, args := a+".project_id = ?", []any{q.ProjectID}
	if q.ArticleID != 0 {
		where += " AND " + a + ".id = ?"
		args = append(args, q.ArticleID)
	}
	if q.Source != "" {
		where += " AND " + a + ".source_id IN (SELECT id FROM sources WHERE domain = ?)"
		args = append(args, RegistrableDomain(q.Source))
	}
	return where, args
}

func agreementArticles(tx *gorm.DB, q AgreementQuery, d *AgreementData) error {
	where, args := articleWhere(q, "a")
	rows, err := tx.Raw(`SELECT a.id, a.length, a.title FROM articles a WHERE `+where, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		var title string
		if err := rows.Scan(&id, &n, &title); err != nil {
			return err
		}
		d.Lengths[id], d.Titles[id] = n, title
	}
	return rows.Err()
}

// agreementUsers resolves the requested names, or lists every user who
// has (or, as of a time, had) an annotators'-layer span in the project.
// It returns the ids to read spans for (nil: everyone).
func (s *Store) agreementUsers(tx *gorm.DB, q AgreementQuery, d *AgreementData) (map[int64]bool, error) {
	var rows *sql.Rows
	var err error
	if q.Annotators != nil {
		rows, err = tx.Raw(`SELECT id, name FROM users WHERE name IN ?`, q.Annotators).Rows()
	} else {
		// candidates: everyone with a span or a history entry in the
		// project; those without a span in what is read drop out later
		rows, err = tx.Raw(`SELECT id, name FROM users WHERE id IN (
			SELECT DISTINCT user_id FROM annotations WHERE project_id = ? AND layer = 'annotator'
			UNION SELECT DISTINCT `+s.jsonInt("before", "user_id")+` FROM span_history WHERE project_id = ? AND before IS NOT NULL)`,
			q.ProjectID, q.ProjectID).Rows()
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var u AgreementUser
		if err := rows.Scan(&u.ID, &u.Name); err != nil {
			return nil, err
		}
		d.Users = append(d.Users, u)
		ids[u.ID] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// by name in code point order, here rather than in SQL, where
	// PostgreSQL would follow the database's collation
	slices.SortFunc(d.Users, func(a, b AgreementUser) int { return strings.Compare(a.Name, b.Name) })
	if q.Annotators != nil {
		found := map[string]bool{}
		for _, u := range d.Users {
			found[u.Name] = true
		}
		for _, n := range q.Annotators {
			if !found[n] {
				d.Missing = append(d.Missing, n)
			}
		}
	}
	return ids, nil
}

// spanFilter is the WHERE clause for spans (table alias n) of q and users.
func spanFilter(q AgreementQuery, users map[int64]bool) (string, []any) {
	where, args := "n.project_id = ?", []any{q.ProjectID}
	if q.ArticleID != 0 {
		where += " AND n.article_id = ?"
		args = append(args, q.ArticleID)
	}
	if q.Source != "" {
		where += " AND n.article_id IN (SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.project_id = ? AND s.domain = ?)"
		args = append(args, q.ProjectID, RegistrableDomain(q.Source))
	}
	if q.Annotators != nil {
		ids := make([]int64, 0, len(users))
		for id := range users {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			ids = append(ids, 0)
		}
		where += " AND n.user_id IN ?"
		args = append(args, ids)
	}
	return where, args
}

func agreementSpans(tx *gorm.DB, q AgreementQuery, d *AgreementData, users map[int64]bool) error {
	where, args := spanFilter(q, users)
	rows, err := tx.Raw(`SELECT n.user_id, n.article_id, n.label_id, n.start, n."end" FROM annotations n
		WHERE `+where+` AND n.layer = 'annotator'`, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sp AgreementSpan
		if err := rows.Scan(&sp.UserID, &sp.ArticleID, &sp.LabelID, &sp.Start, &sp.End); err != nil {
			return err
		}
		d.Spans = append(d.Spans, sp)
	}
	return rows.Err()
}

// sqlTime is t in the text SQLite columns hold (see sqlNow), so that
// times compare as strings.
func sqlTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999999-07:00")
}

// timeArg is t as a query argument compared with a time column: text on
// SQLite (sqlTime), a time on PostgreSQL (timestamptz columns).
func (s *Store) timeArg(t time.Time) any {
	if s.pg {
		return t.UTC()
	}
	return sqlTime(t)
}

// historyImage is the part of a span_history image agreement needs.
type historyImage struct {
	LabelID   int64  `json:"label_id"`
	UserID    int64  `json:"user_id"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Layer     string `json:"layer"`
	CreatedAt string `json:"created_at"`
}

// agreementSpansAsOf reconstructs the spans as they were at q.AsOf from
// span_history: a span changed or deleted after that time was as the
// `before` image of its first later event (absent if that event is its
// creation); any other span is as it is now, if it existed by then.
func (s *Store) agreementSpansAsOf(tx *gorm.DB, q AgreementQuery, d *AgreementData, users map[int64]bool) error {
	at := s.timeArg(*q.AsOf)
	keep := func(sp AgreementSpan, created string) bool {
		if t, ok := parseSQLiteTime(created); !ok || t.After(*q.AsOf) {
			return false
		}
		if q.Annotators != nil && !users[sp.UserID] {
			return false
		}
		_, ok := d.Lengths[sp.ArticleID] // the article filter (ids, outlet)
		return ok
	}
	// every span with an event after as_of, at its first such event
	rows, err := tx.Raw(`SELECT h.annotation_id, h.article_id, h.action, h.before FROM span_history h
		WHERE h.project_id = ? AND h.at > ?
		AND h.id = (SELECT MIN(h2.id) FROM span_history h2 WHERE h2.annotation_id = h.annotation_id AND h2.at > ?)`,
		q.ProjectID, at, at).Rows()
	if err != nil {
		return err
	}
	changed := map[int64]bool{}
	for rows.Next() {
		var id, article int64
		var action string
		var before sql.NullString
		if err := rows.Scan(&id, &article, &action, &before); err != nil {
			rows.Close()
			return err
		}
		changed[id] = true
		if action == "create" || !before.Valid {
			continue
		}
		var img historyImage
		if err := json.Unmarshal([]byte(before.String), &img); err != nil {
			rows.Close()
			return err
		}
		sp := AgreementSpan{UserID: img.UserID, ArticleID: article, LabelID: img.LabelID, Start: img.Start, End: img.End}
		if (img.Layer == "" || img.Layer == "annotator") && keep(sp, img.CreatedAt) {
			d.Spans = append(d.Spans, sp)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// the rest: as they are now, when they existed by then
	where, args := spanFilter(q, users)
	rows, err = tx.Raw(`SELECT n.id, n.user_id, n.article_id, n.label_id, n.start, n."end", n.created_at FROM annotations n
		WHERE `+where+` AND n.layer = 'annotator' AND n.created_at <= ?`, append(args, at)...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sp AgreementSpan
		var created string
		if err := rows.Scan(&id, &sp.UserID, &sp.ArticleID, &sp.LabelID, &sp.Start, &sp.End, &created); err != nil {
			return err
		}
		if !changed[id] && keep(sp, created) {
			d.Spans = append(d.Spans, sp)
		}
	}
	return rows.Err()
}

func (s *Store) agreementDone(tx *gorm.DB, q AgreementQuery, d *AgreementData) error {
	where, args := "d.project_id = ?", []any{q.ProjectID}
	if q.AsOf != nil {
		where += " AND d.created_at <= ?"
		args = append(args, s.timeArg(*q.AsOf))
	}
	ids := make([]int64, 0, len(d.Users))
	for _, u := range d.Users {
		ids = append(ids, u.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	where += " AND d.user_id IN ?"
	args = append(args, ids)
	rows, err := tx.Raw(`SELECT d.user_id, d.article_id FROM article_done d WHERE `+where, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u, a int64
		if err := rows.Scan(&u, &a); err != nil {
			return err
		}
		if _, ok := d.Lengths[a]; !ok {
			continue // outside the article filter
		}
		if d.Done[u] == nil {
			d.Done[u] = map[int64]bool{}
		}
		d.Done[u][a] = true
	}
	return rows.Err()
}
