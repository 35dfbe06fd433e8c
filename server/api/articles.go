package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

type articleReq struct {
	Title       string         `json:"title"`
	Text        *string        `json:"text"`
	URL         string         `json:"url"`
	Author      string         `json:"author"`
	PublishedAt *string        `json:"published_at"`
	Language    string         `json:"language"`
	ExternalID  *string        `json:"external_id"`
	Metadata    models.JSONMap `json:"metadata"`
}

func (r articleReq) model() (models.ArticleIn, error) {
	if r.Text == nil {
		return models.ArticleIn{}, models.Invalid("text", "is required")
	}
	in := models.ArticleIn{Title: r.Title, Text: *r.Text, URL: r.URL, Author: r.Author, Language: r.Language,
		ExternalID: r.ExternalID, Metadata: r.Metadata}
	if r.PublishedAt != nil && *r.PublishedAt != "" {
		t, ok := models.ParseTime(*r.PublishedAt)
		if !ok {
			return in, models.Invalid("published_at", "must be an RFC 3339 timestamp (or a near miss such as 2024-01-01T10:00+02:00) or a YYYY-MM-DD date")
		}
		in.PublishedAt = &t
	}
	return in, nil
}

// createArticles takes one article object or an array of them; an array
// is stored all-or-nothing.
func (h *Handler) createArticles(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	var reqs []articleReq
	var one articleReq
	isArray, err := decodeArrayOr(c, &reqs, &one)
	if !isArray {
		reqs = []articleReq{one}
	}
	if err != nil {
		fail(c, err)
		return
	}
	ins := make([]models.ArticleIn, len(reqs))
	for i, r := range reqs {
		in, err := r.model()
		if err != nil {
			if ve, ok := err.(*models.ValidationError); ok && isArray {
				err = ve.WithPrefix("[" + strconv.Itoa(i) + "].")
			}
			fail(c, err)
			return
		}
		ins[i] = in
	}
	arts, err := h.store.CreateArticles(c.Request.Context(), pid, ins)
	if err != nil {
		fail(c, err)
		return
	}
	if !isArray {
		a, err := h.store.GetArticle(c.Request.Context(), arts[0].ID)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, articleView(a, nil))
		return
	}
	out := make([]articleJSON, len(arts))
	for i := range arts {
		out[i] = articleBase(&arts[i])
		if arts[i].SourceID != nil {
			out[i].Source = gin.H{"id": *arts[i].SourceID}
		}
	}
	c.JSON(http.StatusCreated, gin.H{"items": out, "count": len(out)})
}

func (h *Handler) listArticles(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	f := models.ArticleFilter{ProjectID: pid, UserID: userOf(c).ID, Source: c.Query("source"),
		Ownership: c.Query("ownership"), Q: c.Query("q"), Status: c.Query("status"), OwnSpansOnly: accessOf(c).OwnSpansOnly(),
		Assigned: c.Query("assigned") == "me"}
	if a := c.Query("assigned"); a != "" && a != "me" {
		fail(c, fieldErr("assigned", "must be me (the caller's assigned articles)"))
		return
	}
	if f.Ownership != "" && !slices.Contains(models.Ownerships, f.Ownership) {
		fail(c, fieldErr("ownership", "must be one of "+strings.Join(models.Ownerships, ", ")))
		return
	}
	rows, next, err := h.store.ListArticles(c.Request.Context(), f, pg)
	if err != nil {
		fail(c, err)
		return
	}
	if strings.TrimSpace(f.Q) == "" {
		out := make([]articleJSON, len(rows))
		for i := range rows {
			out[i] = articleSummaryView(&rows[i])
		}
		list(c, out, next)
		return
	}
	out := make([]articleHitJSON, len(rows))
	for i := range rows {
		out[i] = articleHitJSON{articleJSON: articleSummaryView(&rows[i]), Snippet: snippetView(rows[i].Snippet)}
	}
	list(c, out, next)
}

// articleHitJSON is a search result: the list row and where it matched.
type articleHitJSON struct {
	articleJSON
	Snippet *snippetJSON `json:"snippet"`
}

// snippetJSON: text is the field's slice at offset; matches are
// [start, end) within text. All in code points, like span offsets.
type snippetJSON struct {
	Text    string   `json:"text"`
	Offset  int      `json:"offset"`
	Field   string   `json:"field"`
	Matches [][2]int `json:"matches"`
}

func snippetView(s *models.Snippet) *snippetJSON {
	if s == nil {
		return nil
	}
	return &snippetJSON{Text: s.Text, Offset: s.Offset, Field: s.Field, Matches: s.Matches}
}

func (h *Handler) getArticle(c *gin.Context) {
	id, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	// Opening an article is the annotator's most frequent request: the
	// encoded view is cached under the article's stamp (its and its
	// outlet's updated_at, and the caller's done mark), read fresh from
	// the database on every request.
	st, err := h.store.StampArticle(c.Request.Context(), id, userOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	key, version := "article:"+strconv.FormatInt(id, 10), st.Article+"|"+strconv.FormatBool(st.Done)
	if unchangedFor(c, etagOf(key, version)) {
		return
	}
	if body, ok := h.reads.get(key, version); ok {
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return
	}
	a, err := h.store.GetArticle(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	done := st.Done
	body, err := json.Marshal(articleView(a, &done))
	if err != nil {
		fail(c, err)
		return
	}
	h.reads.put(key, version, body)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// patchArticleReq: metadata fields only. "text" is listed so that sending
// it gets a precise error rather than "unknown field".
type patchArticleReq struct {
	Title       *string          `json:"title"`
	URL         *string          `json:"url"`
	Author      *string          `json:"author"`
	PublishedAt *json.RawMessage `json:"published_at"`
	Language    *string          `json:"language"`
	ExternalID  *json.RawMessage `json:"external_id"`
	Metadata    *models.JSONMap  `json:"metadata"`
	Text        *json.RawMessage `json:"text"`
}

func (r patchArticleReq) patch() (models.ArticlePatch, error) {
	p := models.ArticlePatch{Title: r.Title, URL: r.URL, Author: r.Author, Language: r.Language, Metadata: r.Metadata}
	if r.Text != nil {
		return p, models.Invalid("text", "is immutable after import (offsets depend on it); import a new article instead")
	}
	if r.PublishedAt != nil {
		var s *string
		if err := json.Unmarshal(*r.PublishedAt, &s); err != nil {
			return p, models.Invalid("published_at", "must be a string or null")
		}
		var t *time.Time
		if s != nil && *s != "" {
			pt, ok := models.ParseTime(*s)
			if !ok {
				return p, models.Invalid("published_at", "must be an RFC 3339 timestamp (or a near miss such as 2024-01-01T10:00+02:00) or a YYYY-MM-DD date")
			}
			t = &pt
		}
		p.PublishedAt = &t
	}
	if r.ExternalID != nil {
		var s *string
		if err := json.Unmarshal(*r.ExternalID, &s); err != nil {
			return p, models.Invalid("external_id", "must be a string or null")
		}
		p.ExternalID = &s
	}
	return p, nil
}

func (h *Handler) patchArticle(c *gin.Context) {
	id, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req patchArticleReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	p, err := req.patch()
	if err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.UpdateArticle(c.Request.Context(), id, p)
	if err != nil {
		fail(c, err)
		return
	}
	done, _ := h.store.IsDone(c.Request.Context(), userOf(c).ID, id)
	c.JSON(http.StatusOK, articleView(a, &done))
}

func (h *Handler) deleteArticle(c *gin.Context) {
	id, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteArticle(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *Handler) markDone(c *gin.Context)   { h.setDone(c, true) }
func (h *Handler) unmarkDone(c *gin.Context) { h.setDone(c, false) }

func (h *Handler) setDone(c *gin.Context, done bool) {
	id, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.SetDone(c.Request.Context(), userOf(c).ID, id, done); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"article_id": id, "done": done})
}
