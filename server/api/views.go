package api

import (
	"time"

	"slant/models"
)

// Response types: separate from the gorm structs so the wire contract
// does not change when a column does.

type projectJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Blind       bool   `json:"blind"`
	// AnnotatorsPerArticle is k, the number of annotators each article is assigned to.
	AnnotatorsPerArticle int         `json:"annotators_per_article"`
	Role                 string      `json:"role,omitempty"` // the caller's role in the project
	CreatedAt            time.Time   `json:"created_at"`
	UpdatedAt            time.Time   `json:"updated_at"`
	ArticleCount         *int64      `json:"article_count,omitempty"`
	AnnotationCount      *int64      `json:"annotation_count,omitempty"`
	DoneCount            *int64      `json:"done_count,omitempty"`
	Labels               []labelJSON `json:"labels,omitempty"`
	// the rest of the scheme: relation types and article-level label groups
	RelationTypes  []relationTypeJSON `json:"relation_types,omitempty"`
	DocumentLabels []docGroupJSON     `json:"document_labels,omitempty"`
}

func projectView(p *models.Project) projectJSON {
	return projectJSON{ID: p.ID, Name: p.Name, Description: p.Description, Blind: p.Blind, AnnotatorsPerArticle: max(p.AnnotatorsPerArticle, 1), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func projectSummaryView(p *models.ProjectSummary) projectJSON {
	v := projectView(&p.Project)
	v.ArticleCount, v.AnnotationCount, v.DoneCount = &p.ArticleCount, &p.AnnotationCount, &p.DoneCount
	v.Role = p.Role
	return v
}

type memberJSON struct {
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func memberView(m *models.Member) memberJSON {
	return memberJSON{UserID: m.UserID, Name: m.Name, Role: m.Role, CreatedAt: m.CreatedAt}
}

type labelJSON struct {
	ID          int64     `json:"id"`
	ProjectID   int64     `json:"project_id"`
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Color       string    `json:"color"`
	Hotkey      string    `json:"hotkey"`
	Description string    `json:"description"`
	SortOrder   int       `json:"sort_order"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func labelView(l *models.Label) labelJSON {
	return labelJSON{ID: l.ID, ProjectID: l.ProjectID, Key: l.Key, Name: l.Name, Color: l.Color, Hotkey: l.Hotkey,
		Description: l.Description, SortOrder: l.SortOrder, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func labelViews(ls []models.Label) []labelJSON {
	out := make([]labelJSON, len(ls))
	for i := range ls {
		out[i] = labelView(&ls[i])
	}
	return out
}

type sourceJSON struct {
	ID        int64     `json:"id"`
	Domain    string    `json:"domain"`
	Name      string    `json:"name"`
	Country   string    `json:"country"`
	Ownership string    `json:"ownership"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func sourceView(s *models.Source) *sourceJSON {
	if s == nil {
		return nil
	}
	return &sourceJSON{ID: s.ID, Domain: s.Domain, Name: s.Name, Country: s.Country, Ownership: s.Ownership,
		Notes: s.Notes, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// sourceBrief is the outlet as embedded in article list rows.
type sourceBrief struct {
	ID        int64  `json:"id"`
	Domain    string `json:"domain"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	Ownership string `json:"ownership"`
}

type articleJSON struct {
	ID                int64          `json:"id"`
	ProjectID         int64          `json:"project_id"`
	ExternalID        *string        `json:"external_id"`
	URL               string         `json:"url"`
	Title             string         `json:"title"`
	Author            string         `json:"author"`
	PublishedAt       *time.Time     `json:"published_at"`
	Language          string         `json:"language"`
	Length            int            `json:"length"`
	TextSHA256        string         `json:"text_sha256"`
	Metadata          models.JSONMap `json:"metadata"`
	Source            any            `json:"source"`
	Text              *string        `json:"text,omitempty"`
	AnnotationCount   *int64         `json:"annotation_count,omitempty"`
	MyAnnotationCount *int64         `json:"my_annotation_count,omitempty"`
	Done              *bool          `json:"done,omitempty"`
	Assigned          *bool          `json:"assigned,omitempty"` // list rows: assigned to the caller
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

func articleBase(a *models.Article) articleJSON {
	md := a.Metadata
	if md == nil {
		md = models.JSONMap{}
	}
	return articleJSON{ID: a.ID, ProjectID: a.ProjectID, ExternalID: a.ExternalID, URL: a.URL, Title: a.Title,
		Author: a.Author, PublishedAt: utcPtr(a.PublishedAt), Language: a.Language, Length: a.Length,
		TextSHA256: a.TextSHA256, Metadata: md, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// articleView is a full article: text and outlet profile.
func articleView(a *models.ArticleWithSource, done *bool) articleJSON {
	v := articleBase(&a.Article)
	text := a.Text
	v.Text, v.Done = &text, done
	if a.Source != nil {
		v.Source = sourceView(a.Source)
	}
	return v
}

// articleSummaryView is a list row: no text, counts for the caller.
func articleSummaryView(a *models.ArticleSummary) articleJSON {
	v := articleBase(&a.Article)
	if a.SourceID != nil && a.SourceDomain != nil {
		v.Source = sourceBrief{ID: *a.SourceID, Domain: *a.SourceDomain, Name: deref(a.SourceName),
			Country: deref(a.SourceCountry), Ownership: deref(a.SourceOwnership)}
	}
	done, assigned := a.Done, a.Assigned
	v.AnnotationCount, v.MyAnnotationCount, v.Done, v.Assigned = &a.AnnotationCount, &a.MyAnnotationCount, &done, &assigned
	return v
}

type annotationJSON struct {
	ID         int64          `json:"id"`
	ArticleID  int64          `json:"article_id"`
	Label      string         `json:"label"`
	Start      int            `json:"start"`
	End        int            `json:"end"`
	Text       string         `json:"text"`
	Note       string         `json:"note"`
	Attributes models.JSONMap `json:"attributes"`
	Annotator  string         `json:"annotator"`
	Origin     string         `json:"origin"`
	ClientID   *string        `json:"client_id"`
	// Layer is "annotator" or "gold"; a gold span names the curator who
	// decided and the spans it came from (null elsewhere).
	Layer      string         `json:"layer"`
	DecidedBy  *string        `json:"decided_by"`
	Provenance models.JSONMap `json:"provenance"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func annotationView(a *models.AnnotationView) annotationJSON {
	attrs := a.Attributes
	if attrs == nil {
		attrs = models.JSONMap{}
	}
	out := annotationJSON{ID: a.ID, ArticleID: a.ArticleID, Label: a.LabelKey, Start: a.Start, End: a.End,
		Text: a.Quote, Note: a.Note, Attributes: attrs, Annotator: a.AnnotatorName, Origin: a.Origin,
		ClientID: a.ClientID, Layer: a.Layer, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
	if out.Layer == "" {
		out.Layer = models.LayerAnnotator
	}
	if a.DecidedBy != nil {
		name := a.DecidedByName
		out.DecidedBy = &name
	}
	if out.Layer == models.LayerGold {
		out.Provenance = a.Provenance
		if out.Provenance == nil {
			out.Provenance = models.JSONMap{}
		}
	}
	return out
}

type userJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func userView(u *models.User) userJSON {
	return userJSON{ID: u.ID, Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt}
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"` // only in the create response
}

func tokenView(t *models.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: utcPtr(t.LastUsedAt)}
}

// importJSON is one import in a project's history (GET .../imports).
type importJSON struct {
	ID              int64      `json:"id"`
	ProjectID       int64      `json:"project_id"`
	User            string     `json:"user"`
	State           string     `json:"state"`
	DryRun          bool       `json:"dry_run"`
	ArticlesCreated int        `json:"articles_created"`
	ArticlesSkipped int        `json:"articles_skipped"`
	SpansCreated    int        `json:"spans_created"`
	ProblemCount    int        `json:"problem_count"`
	Error           string     `json:"error"`
	StartedAt       time.Time  `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
}

func importView(r *models.ImportRecord) importJSON {
	return importJSON{ID: r.ID, ProjectID: r.ProjectID, User: r.User, State: r.State, DryRun: r.DryRun,
		ArticlesCreated: r.ArticlesCreated, ArticlesSkipped: r.ArticlesSkipped, SpansCreated: r.SpansCreated,
		ProblemCount: r.ProblemCount, Error: r.Error, StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
