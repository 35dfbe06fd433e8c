// Package seeds holds slant's embedded demo data: invented outlets,
// articles and example annotations, loaded by `slant serve --demo`.
package seeds

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"slant/models"
	"slant/server/suggest"
)

//go:embed demo.json
var demoJSON []byte

// Demo is the shape of demo.json. Annotations locate their span by quote
// (and which occurrence), so the file stays readable and offsets are
// computed in code points by the loader.
type Demo struct {
	Project struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"project"`
	Sources     []models.Source  `json:"sources"`
	Articles    []DemoArticle    `json:"articles"`
	Annotations []DemoAnnotation `json:"annotations"`
	// Relations link annotations by their id fields (claim to source,
	// cue to claim); DocumentLabels are the article-level label groups
	// and ArticleLabels the admin's choices in them.
	Relations      []DemoRelation      `json:"relations"`
	DocumentLabels []DemoDocGroup      `json:"document_labels"`
	ArticleLabels  []DemoArticleLabels `json:"article_labels"`
	// Team is a second project with k = 2 in which two demo annotators
	// labelled the same articles (blind), for the agreement view.
	Team struct {
		Project struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"project"`
		AnnotatorsPerArticle int                 `json:"annotators_per_article"`
		Annotators           []string            `json:"annotators"`
		Done                 map[string][]string `json:"done"` // annotator -> external ids marked done
		Articles             []DemoArticle       `json:"articles"`
		Annotations          []DemoAnnotation    `json:"annotations"`
	} `json:"team"`
}

// DemoArticle is one invented article.
type DemoArticle struct {
	ExternalID  string         `json:"external_id"`
	URL         string         `json:"url"`
	Title       string         `json:"title"`
	Author      string         `json:"author"`
	PublishedAt time.Time      `json:"published_at"`
	Language    string         `json:"language"`
	Text        string         `json:"text"`
	Metadata    models.JSONMap `json:"metadata"`
}

// DemoRelation links two annotations of demo.json by their ids.
type DemoRelation struct {
	Type string `json:"type"`
	From string `json:"from"`
	To   string `json:"to"`
}

// DemoDocGroup is an article-level label group.
type DemoDocGroup struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Multiple    bool   `json:"multiple"`
	Description string `json:"description"`
	Options     []struct {
		Key    string `json:"key"`
		Name   string `json:"name"`
		Hotkey string `json:"hotkey"`
	} `json:"options"`
}

// DemoArticleLabels is the choice in one group for one article.
type DemoArticleLabels struct {
	Article string   `json:"article"`
	Group   string   `json:"group"`
	Options []string `json:"options"`
}

// DemoAnnotation is one example span, by quote.
type DemoAnnotation struct {
	ID         string         `json:"id,omitempty"` // named for relations
	Article    string         `json:"article"`
	Annotator  string         `json:"annotator,omitempty"` // team project only; else the admin
	Label      string         `json:"label"`
	Quote      string         `json:"quote"`
	Occurrence int            `json:"occurrence"`
	Note       string         `json:"note"`
	Attributes models.JSONMap `json:"attributes"`
}

// Parse decodes the embedded demo data.
func Parse() (*Demo, error) {
	var d Demo
	dec := json.NewDecoder(bytes.NewReader(demoJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("seeds: %w", err)
	}
	return &d, nil
}

// FindOccurrence returns the code-point span of the n-th (1-based)
// occurrence of quote in text.
func FindOccurrence(text, quote string, n int) (start, end int, ok bool) {
	if n < 1 {
		n = 1
	}
	from := 0
	for i := 1; ; i++ {
		b := strings.Index(text[from:], quote)
		if b < 0 {
			return 0, 0, false
		}
		b += from
		if i == n {
			start = models.CodePointLen(text[:b])
			return start, start + models.CodePointLen(quote), true
		}
		from = b + 1
	}
}

// Result says what Load created.
type Result struct {
	Loaded        bool // false when the database already had data
	ProjectID     int64
	AdminName     string
	AdminPassword string // random, printed once at start-up
	TeamProjectID int64
	Annotators    []Login // the team project's annotators, passwords random like the admin's
}

// Login is a demo user's name and password.
type Login struct{ Name, Password string }

// Load fills an empty database with the demo project and a demo admin, in
// one transaction. A database that already has users or projects is left
// untouched.
func Load(ctx context.Context, s *models.Store) (*Result, error) {
	d, err := Parse()
	if err != nil {
		return nil, err
	}
	res := &Result{}
	err = s.Tx(ctx, func(tx *models.Store) error {
		users, err := tx.CountUsers(ctx)
		if err != nil {
			return err
		}
		projects, _, err := tx.ListProjects(ctx, 0, models.Page{Limit: 1})
		if err != nil {
			return err
		}
		if users > 0 || len(projects) > 0 {
			return nil
		}
		res.Loaded, res.AdminName, res.AdminPassword = true, "admin", models.RandomSecret(12)
		admin, err := tx.CreateUser(ctx, res.AdminName, models.RoleAdmin, res.AdminPassword)
		if err != nil {
			return err
		}
		for i := range d.Sources {
			src := d.Sources[i]
			if err := tx.CreateSource(ctx, &src); err != nil {
				return fmt.Errorf("seed source %s: %w", src.Domain, err)
			}
		}
		p := &models.Project{Name: d.Project.Name, Description: d.Project.Description}
		if err := tx.CreateProject(ctx, p, nil); err != nil {
			return err
		}
		res.ProjectID = p.ID
		byExt, spans, err := loadArticles(ctx, tx, p.ID, d.Articles, d.Annotations, map[string]int64{"": admin.ID})
		if err != nil {
			return err
		}
		if err := loadLinks(ctx, tx, p.ID, d, byExt, spans, admin.ID); err != nil {
			return err
		}
		// the suggester's pending claims on the demo articles, as a manager's
		// "Suggest claims" would leave them
		var ids []int64
		var texts, langs []string
		for _, a := range d.Articles {
			art := byExt[a.ExternalID]
			ids, texts, langs = append(ids, art.ID), append(texts, a.Text), append(langs, a.Language)
		}
		if _, err := tx.StoreSuggestions(ctx, p.ID, "attributed_claim", suggest.ForArticles(ids, texts, langs)); err != nil {
			return fmt.Errorf("seed suggestions: %w", err)
		}
		return loadTeam(ctx, tx, d, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// loadArticles creates a project's articles and their spans, each span by
// its annotator's name ("" for the admin); it returns the articles by
// external id and the ids of the annotations that name one.
func loadArticles(ctx context.Context, tx *models.Store, projectID int64, articles []DemoArticle, anns []DemoAnnotation, users map[string]int64) (map[string]models.Article, map[string]int64, error) {
	ins := make([]models.ArticleIn, len(articles))
	for i, a := range articles {
		ext, pub := a.ExternalID, a.PublishedAt.UTC()
		ins[i] = models.ArticleIn{ExternalID: &ext, URL: a.URL, Title: a.Title, Author: a.Author,
			PublishedAt: &pub, Language: a.Language, Text: a.Text, Metadata: a.Metadata}
	}
	arts, err := tx.CreateArticles(ctx, projectID, ins)
	if err != nil {
		return nil, nil, err
	}
	byExt, spans := map[string]models.Article{}, map[string]int64{}
	for _, a := range arts {
		byExt[*a.ExternalID] = a
	}
	for i, an := range anns {
		art, ok := byExt[an.Article]
		if !ok {
			return nil, nil, fmt.Errorf("seed annotation %d: unknown article %q", i, an.Article)
		}
		uid, ok := users[an.Annotator]
		if !ok {
			return nil, nil, fmt.Errorf("seed annotation %d: unknown annotator %q", i, an.Annotator)
		}
		start, end, ok := FindOccurrence(art.Text, an.Quote, an.Occurrence)
		if !ok {
			return nil, nil, fmt.Errorf("seed annotation %d: quote not found in %s", i, an.Article)
		}
		v, err := tx.CreateAnnotation(ctx, models.AnnotationIn{
			ArticleID: art.ID, UserID: uid, Label: an.Label, Start: start, End: end,
			Text: &an.Quote, Note: an.Note, Attributes: an.Attributes,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("seed annotation %d: %w", i, err)
		}
		if an.ID != "" {
			spans[an.ID] = v.ID
		}
	}
	return byExt, spans, nil
}

// loadLinks adds the demo's relations, article-level label groups and
// the admin's choices in them.
func loadLinks(ctx context.Context, tx *models.Store, projectID int64, d *Demo, byExt map[string]models.Article, spans map[string]int64, adminID int64) error {
	for i, r := range d.Relations {
		from, to := spans[r.From], spans[r.To]
		if from == 0 || to == 0 {
			return fmt.Errorf("seed relation %d: unknown annotation id %q or %q", i, r.From, r.To)
		}
		v, err := tx.GetAnnotation(ctx, from)
		if err != nil {
			return fmt.Errorf("seed relation %d: %w", i, err)
		}
		if _, err := tx.CreateRelation(ctx, models.RelationIn{ArticleID: v.ArticleID, Type: r.Type, FromID: from, ToID: to}); err != nil {
			return fmt.Errorf("seed relation %d: %w", i, err)
		}
	}
	for _, g := range d.DocumentLabels {
		grp := &models.DocLabelGroup{ProjectID: projectID, Key: g.Key, Name: g.Name, Multiple: g.Multiple, Description: g.Description}
		for _, o := range g.Options {
			grp.Options = append(grp.Options, models.DocLabelOption{Key: o.Key, Name: o.Name, Hotkey: o.Hotkey})
		}
		if err := tx.SaveDocLabelGroup(ctx, grp); err != nil {
			return fmt.Errorf("seed article label group %s: %w", g.Key, err)
		}
	}
	for i, l := range d.ArticleLabels {
		a, ok := byExt[l.Article]
		if !ok {
			return fmt.Errorf("seed article label %d: unknown article %q", i, l.Article)
		}
		if err := tx.SetArticleLabels(ctx, a.ID, l.Group, adminID, false, l.Options); err != nil {
			return fmt.Errorf("seed article label %d: %w", i, err)
		}
	}
	return nil
}

// loadTeam creates the demo annotators (annotators of the first demo
// project too), and the team project: k annotators per article, blind,
// every article assigned to both, their spans and done marks.
func loadTeam(ctx context.Context, tx *models.Store, d *Demo, res *Result) error {
	t := d.Team
	p := &models.Project{Name: t.Project.Name, Description: t.Project.Description, Blind: true, AnnotatorsPerArticle: t.AnnotatorsPerArticle}
	if err := tx.CreateProject(ctx, p, nil); err != nil {
		return err
	}
	res.TeamProjectID = p.ID
	users := map[string]int64{}
	for _, name := range t.Annotators {
		pw := models.RandomSecret(12)
		u, err := tx.CreateUser(ctx, name, models.RoleAnnotator, pw)
		if err != nil {
			return err
		}
		users[name] = u.ID
		res.Annotators = append(res.Annotators, Login{Name: name, Password: pw})
		for _, pid := range []int64{res.ProjectID, p.ID} {
			if _, _, err := tx.SetMember(ctx, pid, u.ID, models.MemberAnnotator); err != nil {
				return err
			}
		}
	}
	byExt, _, err := loadArticles(ctx, tx, p.ID, t.Articles, t.Annotations, users)
	if err != nil {
		return err
	}
	if _, err := tx.AutoAssign(ctx, p.ID); err != nil {
		return err
	}
	for name, exts := range t.Done {
		for _, ext := range exts {
			a, ok := byExt[ext]
			if !ok || users[name] == 0 {
				return fmt.Errorf("seed done mark: unknown %s or %s", name, ext)
			}
			if err := tx.SetDone(ctx, users[name], a.ID, true); err != nil {
				return err
			}
		}
	}
	return nil
}
