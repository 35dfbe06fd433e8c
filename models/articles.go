package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// ArticleIn is one article to import: what the API, the CLI and every
// importer produce. Text is stored byte for byte.
type ArticleIn struct {
	ExternalID  *string
	URL         string
	Title       string
	Author      string
	PublishedAt *time.Time
	Language    string
	Text        string
	Metadata    JSONMap
}

// ArticleSummary is a list row: the article without its text, with its
// outlet and counts for the calling user.
type ArticleSummary struct {
	Article
	SourceDomain      *string
	SourceName        *string
	SourceCountry     *string
	SourceOwnership   *string
	AnnotationCount   int64
	MyAnnotationCount int64
	Done              bool
	Assigned          bool     // the article is assigned to the calling user
	Snippet           *Snippet `gorm:"-"` // a search's match in context (search.go)
}

// ArticleWithSource is an article with its outlet profile (nil if none).
type ArticleWithSource struct {
	Article
	Source *Source
}

func validateArticleIn(a *ArticleIn) error {
	if a.Text == "" {
		return Invalid("text", "is required and must not be empty")
	}
	if !validText(a.Text) {
		return Invalid("text", "must be valid UTF-8 without NUL characters")
	}
	if IsBlank(a.Text) {
		return Invalid("text", "must contain more than whitespace")
	}
	for field, v := range map[string]string{"title": a.Title, "author": a.Author, "url": a.URL, "language": a.Language} {
		if !validText(v) {
			return Invalid(field, "must be valid UTF-8 without NUL characters")
		}
	}
	if utf8.RuneCountInString(a.Title) > 2000 {
		return Invalid("title", "must be at most 2000 characters")
	}
	if len(a.Language) > 35 {
		return Invalid("language", "must be a language tag such as en or pt-BR")
	}
	if a.ExternalID != nil {
		if strings.TrimSpace(*a.ExternalID) == "" {
			return Invalid("external_id", "must not be empty when given")
		}
	}
	if a.URL != "" {
		if _, err := DomainOfURL(a.URL); err != nil {
			return err
		}
	}
	return checkJSONBounds("metadata", a.Metadata, MaxMetadataBytes)
}

// newArticle is the one way article input becomes a row (validated by
// validateArticleIn first): trimmed fields, the text byte for byte, its
// length in code points and its SHA-256 (the importer's dedupe key).
func newArticle(projectID int64, in ArticleIn) Article {
	a := Article{
		ProjectID: projectID, ExternalID: in.ExternalID, URL: strings.TrimSpace(in.URL),
		Title: strings.TrimSpace(in.Title), Author: strings.TrimSpace(in.Author),
		PublishedAt: in.PublishedAt, Language: strings.TrimSpace(in.Language),
		Text: in.Text, Length: CodePointLen(in.Text), Metadata: in.Metadata,
	}
	if a.Metadata == nil {
		a.Metadata = JSONMap{}
	}
	sum := sha256.Sum256([]byte(in.Text))
	a.TextSHA256 = hex.EncodeToString(sum[:])
	return a
}

// CreateArticles stores all of ins in one transaction, or none of them.
// Outlets are linked by the URL's registrable domain and created as
// "unknown" when new. Validation errors name the item as "[i].field".
func (s *Store) CreateArticles(ctx context.Context, projectID int64, ins []ArticleIn) ([]Article, error) {
	if len(ins) == 0 {
		return nil, Invalid("articles", "at least one article is required")
	}
	for i := range ins {
		if err := validateArticleIn(&ins[i]); err != nil {
			if ve, ok := err.(*ValidationError); ok && len(ins) > 1 {
				return nil, ve.WithPrefix("[" + itoa(i) + "].")
			}
			return nil, err
		}
	}
	out := make([]Article, len(ins))
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		sources := map[string]int64{}
		for i, in := range ins {
			a := &out[i]
			*a = newArticle(projectID, in)
			if a.URL != "" {
				domain, _ := DomainOfURL(a.URL)
				id, err := tx.ensureSource(ctx, domain, sources, 0)
				if err != nil {
					return err
				}
				a.SourceID = &id
			}
			if err := tx.wr(ctx).Create(a).Error; err != nil {
				if isUnique(err) {
					return &ConflictError{Message: "external_id " + quoteKey(deref(a.ExternalID)) + " already exists in this project"}
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetArticle returns an article with its text and outlet.
func (s *Store) GetArticle(ctx context.Context, id int64) (*ArticleWithSource, error) {
	var a Article
	if err := s.rd(ctx).Where(visible("articles")).First(&a, id).Error; err != nil {
		return nil, notFoundOr(err, "article")
	}
	out := &ArticleWithSource{Article: a}
	if a.SourceID != nil {
		src, err := s.GetSource(ctx, *a.SourceID)
		if err != nil {
			return nil, err
		}
		out.Source = src
	}
	return out, nil
}

// ArticleByExternalID finds a project's article by its external id.
func (s *Store) ArticleByExternalID(ctx context.Context, projectID int64, ext string) (*Article, error) {
	var a Article
	if err := s.rd(ctx).Where("project_id = ? AND external_id = ?", projectID, ext).Where(visible("articles")).First(&a).Error; err != nil {
		return nil, notFoundOr(err, "article")
	}
	return &a, nil
}

// ArticleFilter narrows ListArticles. UserID is the caller (for Done and
// the per-user counts and the status filter).
type ArticleFilter struct {
	ProjectID int64
	UserID    int64
	Source    string // domain
	Ownership string
	Q         string // a search (searchquery.go): ranks by relevance, adds snippets
	Status    string // "", "todo", "done"
	// OwnSpansOnly counts only UserID's spans in annotation_count (a
	// blind project's annotator must not learn colleagues' counts).
	OwnSpansOnly bool
	// Assigned lists only the articles assigned to UserID: their queue.
	// Without a Status it lists the unfinished ones first (listQueue).
	Assigned bool
}

// ListArticles lists a project's articles by id, without their text;
// with a search (f.Q), the matching ones by relevance, each with a snippet.
func (s *Store) ListArticles(ctx context.Context, f ArticleFilter, pg Page) ([]ArticleSummary, *string, error) {
	sq, err := ParseSearch(f.Q, ArticleSearchFields)
	if err != nil {
		return nil, nil, err
	}
	if !sq.Blank() {
		return s.searchArticles(ctx, f, sq, pg)
	}
	f.Q = ""
	if f.Assigned && f.Status == "" {
		return s.listQueue(ctx, f, pg)
	}
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.GetProject(ctx, f.ProjectID); err != nil {
		return nil, nil, err
	}
	q, err := s.articleListQuery(ctx, f, pg)
	if err != nil {
		return nil, nil, err
	}
	if after != nil {
		q = q.Where("articles.id > ?", after[0])
	}
	var rows []ArticleSummary
	if err := q.Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	rows, next := pageOf(rows, pg.limit(), func(r ArticleSummary) []int64 { return []int64{r.ID} })
	return rows, next, nil
}

// articleListQuery builds the article list (without the cursor). Each
// row's counts read one article's range of the (article_id, user_id,
// import_id) index: planned on the user_id index instead, each of 100
// rows walked all of a busy annotator's spans (11 s at a million).
func (s *Store) articleListQuery(ctx context.Context, f ArticleFilter, pg Page) (*gorm.DB, error) {
	// everyone's spans: not the gold layer's or the suggestions (their
	// owners are system users), read from the same index
	allSpans := `(SELECT COUNT(*) FROM annotations n WHERE n.article_id = articles.id AND ` + visible("n") + `
		AND n.user_id NOT IN (SELECT id FROM users WHERE name LIKE '(%'))`
	if f.OwnSpansOnly {
		allSpans = `(SELECT COUNT(*) FROM annotations n WHERE n.article_id = articles.id AND n.user_id = ` + strconv.FormatInt(f.UserID, 10) + ` AND ` + visible("n") + `)`
	}
	q := s.rd(ctx).Table("articles").Select(`articles.id, articles.project_id, articles.source_id, articles.external_id,
			articles.url, articles.title, articles.author, articles.published_at, articles.language,
			articles.text_sha256, articles.length, articles.metadata, articles.created_at, articles.updated_at,
			sources.domain AS source_domain, sources.name AS source_name,
			sources.country AS source_country, sources.ownership AS source_ownership,
			`+allSpans+` AS annotation_count,
			(SELECT COUNT(*) FROM annotations n
				WHERE n.article_id = articles.id AND n.user_id = ? AND `+visible("n")+`) AS my_annotation_count,
			EXISTS (SELECT 1 FROM article_done d WHERE d.article_id = articles.id AND d.user_id = ?) AS done,
			EXISTS (SELECT 1 FROM assignments asg WHERE asg.article_id = articles.id AND asg.user_id = ?) AS assigned`, f.UserID, f.UserID, f.UserID).
		Joins("LEFT JOIN sources ON sources.id = articles.source_id").
		Where("articles.project_id = ?", f.ProjectID).Where(visible("articles")).
		Order("articles.id").Limit(pg.limit() + 1)
	return filterArticles(q, f)
}

// filterArticles adds f's filters other than the search (Q) to a query
// of articles that has sources joined as "sources".
func filterArticles(q *gorm.DB, f ArticleFilter) (*gorm.DB, error) {
	if f.Assigned { // the caller's range of the (user_id, project_id, article_id) index
		q = q.Joins("JOIN assignments mine ON mine.article_id = articles.id AND mine.user_id = ? AND mine.project_id = ?", f.UserID, f.ProjectID)
	}
	if f.Source != "" {
		q = q.Where("sources.domain = ?", RegistrableDomain(f.Source))
	}
	if f.Ownership != "" {
		q = q.Where("sources.ownership = ?", f.Ownership)
	}
	switch f.Status {
	case "":
	case "done":
		q = q.Where("EXISTS (SELECT 1 FROM article_done d WHERE d.article_id = articles.id AND d.user_id = ?)", f.UserID)
	case "todo":
		// start after the caller's done prefix (every article below
		// first_todo is done: migration 8) instead of stepping over it
		q = q.Where("NOT EXISTS (SELECT 1 FROM article_done d WHERE d.article_id = articles.id AND d.user_id = ?)", f.UserID).
			Where("articles.id >= COALESCE((SELECT ds.first_todo FROM done_state ds WHERE ds.user_id = ? AND ds.project_id = ?), 0)", f.UserID, f.ProjectID)
	default:
		return nil, Invalid("status", "must be todo or done")
	}
	return q, nil
}

// ArticlePatch holds the article fields that may change after import.
// The text (and so every offset) never changes.
type ArticlePatch struct {
	Title       *string
	URL         *string
	Author      *string
	PublishedAt **time.Time
	Language    *string
	ExternalID  **string
	Metadata    *JSONMap
}

// UpdateArticle changes an article's metadata fields; never its text.
func (s *Store) UpdateArticle(ctx context.Context, id int64, p ArticlePatch) (*ArticleWithSource, error) {
	err := s.Tx(ctx, func(tx *Store) error {
		cur, err := tx.GetArticle(ctx, id)
		if err != nil {
			return err
		}
		a := cur.Article
		if p.Title != nil {
			a.Title = strings.TrimSpace(*p.Title)
		}
		if p.Author != nil {
			a.Author = strings.TrimSpace(*p.Author)
		}
		if p.PublishedAt != nil {
			a.PublishedAt = *p.PublishedAt
		}
		if p.Language != nil {
			a.Language = strings.TrimSpace(*p.Language)
		}
		if p.ExternalID != nil {
			a.ExternalID = *p.ExternalID
		}
		if p.Metadata != nil {
			a.Metadata = *p.Metadata
			if a.Metadata == nil {
				a.Metadata = JSONMap{}
			}
		}
		urlChanged := p.URL != nil && strings.TrimSpace(*p.URL) != a.URL
		if p.URL != nil {
			a.URL = strings.TrimSpace(*p.URL)
		}
		in := ArticleIn{ExternalID: a.ExternalID, URL: a.URL, Title: a.Title, Author: a.Author, Language: a.Language, Text: a.Text, Metadata: a.Metadata}
		if err := validateArticleIn(&in); err != nil {
			return err
		}
		if urlChanged {
			a.SourceID = nil
			if a.URL != "" {
				domain, _ := DomainOfURL(a.URL)
				sid, err := tx.ensureSource(ctx, domain, map[string]int64{}, 0)
				if err != nil {
					return err
				}
				a.SourceID = &sid
			}
		}
		if err := tx.wr(ctx).Save(&a).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "external_id " + quoteKey(deref(a.ExternalID)) + " already exists in this project"}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetArticle(ctx, id)
}

// DeleteArticle removes an article and its annotations.
func (s *Store) DeleteArticle(ctx context.Context, id int64) error {
	err := s.Tx(ctx, func(tx *Store) error {
		res := tx.wr(ctx).Where(visible("articles")).Delete(&Article{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("article")
		}
		return nil
	})
	if err == nil && s.texts != nil {
		s.texts.forget(id)
	}
	return err
}

// SetDone marks (or unmarks) an article as done for one user.
func (s *Store) SetDone(ctx context.Context, userID, articleID int64, done bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetArticle(ctx, articleID); err != nil {
			return err
		}
		if !done {
			return tx.wr(ctx).Where("user_id = ? AND article_id = ?", userID, articleID).Delete(&ArticleDone{}).Error
		}
		return tx.wr(ctx).Exec(`INSERT INTO article_done (user_id, article_id, project_id, created_at)
			SELECT ?, id, project_id, ? FROM articles WHERE id = ?
			ON CONFLICT (user_id, article_id) DO NOTHING`, userID, time.Now().UTC(), articleID).Error
	})
}

// IsDone reports whether the user marked the article done.
func (s *Store) IsDone(ctx context.Context, userID, articleID int64) (bool, error) {
	var n int64
	err := s.rd(ctx).Model(&ArticleDone{}).Where("user_id = ? AND article_id = ?", userID, articleID).Count(&n).Error
	return n > 0, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
