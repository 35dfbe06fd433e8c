package models

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Article-level labels: a project's scheme may define groups of options
// that classify a whole article (genre: news, opinion, analysis; "state
// narrative present"). A group is single choice (at most one option per
// annotator) or multiple choice. Choices are kept per annotator, and in
// the gold layer (owned by the "(gold)" user) for curators' decisions.

// DocLabelGroup is one question about a whole article.
type DocLabelGroup struct {
	ID          int64
	ProjectID   int64
	Key         string
	Name        string
	Multiple    bool
	Description string
	SortOrder   int
	Options     []DocLabelOption
}

// DocLabelOption is one answer of a group.
type DocLabelOption struct {
	ID        int64
	Key       string
	Name      string
	Hotkey    string
	SortOrder int
}

// ListDocLabelGroups returns a project's article-level label groups with
// their options, in display order.
func (s *Store) ListDocLabelGroups(ctx context.Context, projectID int64) ([]DocLabelGroup, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	return docLabelGroups(s.rd(ctx), projectID, 0)
}

func docLabelGroups(db *gorm.DB, projectID, groupID int64) ([]DocLabelGroup, error) {
	rows, err := db.Raw(`SELECT g.id, g.project_id, g.key, g.name, g.multiple, g.description, g.sort_order,
		COALESCE(o.id, 0), COALESCE(o.key, ''), COALESCE(o.name, ''), COALESCE(o.hotkey, ''), COALESCE(o.sort_order, 0)
		FROM doc_label_groups g LEFT JOIN doc_label_options o ON o.group_id = g.id
		WHERE g.project_id = ? AND (? = 0 OR g.id = ?)
		ORDER BY g.sort_order, g.id, o.sort_order, o.id`, projectID, groupID, groupID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DocLabelGroup
	for rows.Next() {
		var g DocLabelGroup
		var o DocLabelOption
		if err := rows.Scan(&g.ID, &g.ProjectID, &g.Key, &g.Name, &g.Multiple, &g.Description, &g.SortOrder,
			&o.ID, &o.Key, &o.Name, &o.Hotkey, &o.SortOrder); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != g.ID {
			g.Options = []DocLabelOption{}
			out = append(out, g)
		}
		if o.ID != 0 {
			last := &out[len(out)-1]
			last.Options = append(last.Options, o)
		}
	}
	return out, rows.Err()
}

func validateDocLabelGroup(g *DocLabelGroup) error {
	g.Name = strings.TrimSpace(g.Name)
	if !labelKeyRe.MatchString(g.Key) {
		return Invalid("key", "must be lower-case letters, digits and _ (starting with a letter), at most 64")
	}
	if g.Name == "" {
		g.Name = strings.ReplaceAll(g.Key, "_", " ")
	}
	if utf8.RuneCountInString(g.Name) > 100 || utf8.RuneCountInString(g.Description) > 2000 {
		return Invalid("name", "must be at most 100 characters (description: 2,000)")
	}
	if len(g.Options) == 0 || len(g.Options) > 50 {
		return Invalid("options", "must list from 1 to 50 options")
	}
	seen := map[string]bool{}
	for i := range g.Options {
		o := &g.Options[i]
		o.Name = strings.TrimSpace(o.Name)
		f := "options[" + itoa(i) + "]."
		if !labelKeyRe.MatchString(o.Key) {
			return Invalid(f+"key", "must be lower-case letters, digits and _ (starting with a letter), at most 64")
		}
		if seen[o.Key] {
			return Invalid(f+"key", "repeats "+o.Key)
		}
		seen[o.Key] = true
		if o.Name == "" {
			o.Name = strings.ReplaceAll(o.Key, "_", " ")
		}
		if utf8.RuneCountInString(o.Name) > 100 {
			return Invalid(f+"name", "must be at most 100 characters")
		}
		if utf8.RuneCountInString(o.Hotkey) > 1 {
			return Invalid(f+"hotkey", "must be one character")
		}
		if o.SortOrder == 0 {
			o.SortOrder = i + 1
		}
	}
	return nil
}

// SaveDocLabelGroup creates a group (ID 0) or replaces an existing one's
// name, choice and options. Options are matched by key: new keys are
// added, missing ones removed, which is refused (409) while an article
// carries them.
func (s *Store) SaveDocLabelGroup(ctx context.Context, g *DocLabelGroup) error {
	if err := validateDocLabelGroup(g); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, g.ProjectID); err != nil {
			return err
		}
		db := tx.wr(ctx)
		if g.ID == 0 {
			if g.SortOrder == 0 {
				db.Raw(`SELECT COALESCE(MAX(sort_order), 0) + 1 FROM doc_label_groups WHERE project_id = ?`, g.ProjectID).Row().Scan(&g.SortOrder)
			}
			err := db.Raw(`INSERT INTO doc_label_groups (project_id, key, name, multiple, description, sort_order, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, `+s.now()+`, `+s.now()+`) RETURNING id`, g.ProjectID, g.Key, g.Name, g.Multiple, g.Description, g.SortOrder).Row().Scan(&g.ID)
			if err != nil {
				if strings.Contains(err.Error(), "UNIQUE") {
					return &ConflictError{Message: "article label group " + g.Key + " already exists in this project"}
				}
				return err
			}
		} else {
			cur, err := docLabelGroups(db, g.ProjectID, g.ID)
			if err != nil {
				return err
			}
			if len(cur) == 0 {
				return notFound("article label group")
			}
			if g.SortOrder == 0 {
				g.SortOrder = cur[0].SortOrder
			}
			if g.Key != cur[0].Key {
				return Invalid("key", "cannot change (it names the group in exports)")
			}
			if !g.Multiple && cur[0].Multiple {
				var n int64
				db.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM article_labels WHERE group_id = ? GROUP BY article_id, user_id HAVING COUNT(*) > 1)`, g.ID).Row().Scan(&n)
				if n > 0 {
					return &ConflictError{Message: "some articles carry several options of this group; it cannot become single choice"}
				}
			}
			if err := db.Exec(`UPDATE doc_label_groups SET name = ?, multiple = ?, description = ?, sort_order = ?, updated_at = `+s.now()+` WHERE id = ?`,
				g.Name, g.Multiple, g.Description, g.SortOrder, g.ID).Error; err != nil {
				return err
			}
			keep := map[string]bool{}
			for _, o := range g.Options {
				keep[o.Key] = true
			}
			for _, o := range cur[0].Options {
				if keep[o.Key] {
					continue
				}
				var n int64
				db.Raw(`SELECT COUNT(*) FROM article_labels WHERE option_id = ?`, o.ID).Row().Scan(&n)
				if n > 0 {
					return &ConflictError{Message: "option " + o.Key + " is chosen for " + itoa(int(n)) + " article(s); it cannot be removed"}
				}
				if err := db.Exec(`DELETE FROM doc_label_options WHERE id = ?`, o.ID).Error; err != nil {
					return err
				}
			}
		}
		for i := range g.Options {
			o := &g.Options[i]
			err := db.Raw(`INSERT INTO doc_label_options (group_id, key, name, hotkey, sort_order) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (group_id, key) DO UPDATE SET name = excluded.name, hotkey = excluded.hotkey, sort_order = excluded.sort_order
				RETURNING id`, g.ID, o.Key, o.Name, o.Hotkey, o.SortOrder).Row().Scan(&o.ID)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteDocLabelGroup removes a group with every article's choices in it.
func (s *Store) DeleteDocLabelGroup(ctx context.Context, projectID, groupID int64) error {
	res := s.wr(ctx).Exec(`DELETE FROM doc_label_groups WHERE id = ? AND project_id = ?`, groupID, projectID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound("article label group")
	}
	return nil
}

// ArticleLabel is one option chosen for an article by one annotator (or
// in the gold layer).
type ArticleLabel struct {
	ArticleID     int64
	Group         string
	Option        string
	UserID        int64
	Annotator     string
	Layer         string
	DecidedByName string
	CreatedAt     time.Time
}

// ArticleLabelFilter narrows article-level labels: one article or a
// whole project, one annotator (0: all), a layer as AnnotationFilter's.
type ArticleLabelFilter struct {
	ProjectID int64
	ArticleID int64
	UserID    int64
	Layer     string
}

// where is f as SQL over article_labels l joined to articles a (only
// visible articles).
func (f ArticleLabelFilter) where() (string, []any) {
	q := visible("a") + ` AND ` + layerSQL("l.layer", f.Layer)
	var args []any
	for _, c := range []struct {
		col string
		v   int64
	}{{"l.project_id", f.ProjectID}, {"l.article_id", f.ArticleID}, {"l.user_id", f.UserID}} {
		if c.v != 0 {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	return q, args
}

// ListArticleLabels returns chosen options in article, group and option
// order.
func (s *Store) ListArticleLabels(ctx context.Context, f ArticleLabelFilter) ([]ArticleLabel, error) {
	q := `SELECT l.article_id, g.key, o.key, l.user_id, u.name, l.layer,
		COALESCE((SELECT name FROM users d WHERE d.id = l.decided_by), ''), l.created_at
		FROM article_labels l JOIN doc_label_groups g ON g.id = l.group_id JOIN doc_label_options o ON o.id = l.option_id
		JOIN users u ON u.id = l.user_id JOIN articles a ON a.id = l.article_id WHERE `
	where, args := f.where()
	q += where + ` ORDER BY l.article_id, g.sort_order, g.id, u.name, o.sort_order, o.id`
	rows, err := s.rd(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ArticleLabel
	for rows.Next() {
		var l ArticleLabel
		var at string
		if err := rows.Scan(&l.ArticleID, &l.Group, &l.Option, &l.UserID, &l.Annotator, &l.Layer, &l.DecidedByName, &at); err != nil {
			return nil, err
		}
		l.CreatedAt, _ = ParseTime(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetArticleLabels sets one annotator's choice in one group for an
// article (replacing what they chose before; an empty list clears it).
// gold sets the gold layer's choice instead, decided by userID.
func (s *Store) SetArticleLabels(ctx context.Context, articleID int64, group string, userID int64, gold bool, options []string) error {
	return s.Tx(ctx, func(tx *Store) error {
		var projectID int64
		err := tx.wr(ctx).Raw(`SELECT project_id FROM articles WHERE id = ? AND `+visible("articles"), articleID).Row().Scan(&projectID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("article")
		}
		if err != nil {
			return err
		}
		gs, err := docLabelGroups(tx.wr(ctx), projectID, 0)
		if err != nil {
			return err
		}
		var g *DocLabelGroup
		for i := range gs {
			if gs[i].Key == group {
				g = &gs[i]
			}
		}
		if g == nil {
			return notFound("article label group " + group)
		}
		if !g.Multiple && len(options) > 1 {
			return Invalid("options", g.Key+" is single choice: send at most one option")
		}
		ids := map[string]int64{}
		for _, o := range g.Options {
			ids[o.Key] = o.ID
		}
		sort.Strings(options)
		owner, layer := userID, LayerAnnotator
		var decided *int64
		if gold {
			owner, layer, decided = tx.gold, LayerGold, &userID
		}
		if err := tx.wr(ctx).Exec(`DELETE FROM article_labels WHERE article_id = ? AND group_id = ? AND user_id = ?`, articleID, g.ID, owner).Error; err != nil {
			return err
		}
		for i, key := range options {
			if i > 0 && options[i-1] == key {
				continue
			}
			id, ok := ids[key]
			if !ok {
				return Invalid("options["+itoa(i)+"]", key+" is not an option of "+g.Key)
			}
			if err := tx.wr(ctx).Exec(`INSERT INTO article_labels (article_id, option_id, group_id, project_id, user_id, layer, decided_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, `+s.now()+`)`, articleID, id, g.ID, projectID, owner, layer, decided).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// ArticleLabelRow is one annotator's (or the gold layer's) article-level
// labels for one article, with the article's identity, for the articles
// CSV.
type ArticleLabelRow struct {
	ArticleID    int64
	ExternalID   *string
	Title, URL   string
	SourceDomain string
	Ownership    string
	Annotator    string
	Layer        string
	Options      map[string][]string // group key → option keys
}

// ExportArticleLabels streams the project's article-level labels, one
// row per article and annotator (gold rows under "(gold)"), in article
// order, from one read snapshot.
func (s *Store) ExportArticleLabels(ctx context.Context, f ArticleLabelFilter, each func(*ArticleLabelRow) error) error {
	release, err := s.takeExportSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.r.WithContext(dbContext(ctx)).Transaction(func(tx *gorm.DB) error {
		q := `SELECT a.id, a.external_id, a.title, a.url, COALESCE(src.domain, ''), COALESCE(src.ownership, ''), u.name, l.layer, g.key, o.key
			FROM article_labels l JOIN articles a ON a.id = l.article_id LEFT JOIN sources src ON src.id = a.source_id
			JOIN doc_label_groups g ON g.id = l.group_id JOIN doc_label_options o ON o.id = l.option_id JOIN users u ON u.id = l.user_id
			WHERE `
		where, args := f.where()
		q += where + ` ORDER BY a.id, u.name, g.sort_order, g.id, o.sort_order, o.id`
		rows, err := tx.Raw(q, args...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		var cur *ArticleLabelRow
		for rows.Next() {
			var r ArticleLabelRow
			var group, option string
			if err := rows.Scan(&r.ArticleID, &r.ExternalID, &r.Title, &r.URL, &r.SourceDomain, &r.Ownership, &r.Annotator, &r.Layer, &group, &option); err != nil {
				return err
			}
			if cur == nil || cur.ArticleID != r.ArticleID || cur.Annotator != r.Annotator {
				if cur != nil {
					if err := each(cur); err != nil {
						return err
					}
				}
				r.Options = map[string][]string{}
				cur = &r
			}
			cur.Options[group] = append(cur.Options[group], option)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if cur != nil {
			return each(cur)
		}
		return nil
	}, snapshotTx)
}
