package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/suggest"
)

// Suggestions: managers run the rule-based suggester over a project's
// articles; every member (in blind projects too: suggestions come from no
// annotator) sees the ones they have not decided, and accepts (a copy in
// their own layer) or rejects (hidden from them) each.

// suggestChunk is how many articles a run reads at a time; annotators'
// saves get the writer between its transactions.
const suggestChunk = 200

// suggestWriteChunk bounds the findings one transaction writes (about
// three spans and two links each), so a dense chunk of articles does not
// hold the writer for long either.
const suggestWriteChunk = 1000

type suggestRunJSON struct {
	Kind       string  `json:"kind"`
	Total      int     `json:"total"`
	Articles   int     `json:"articles"`
	Created    int     `json:"created"`
	Existing   int     `json:"existing"`
	Skipped    int     `json:"skipped"`
	ElapsedSec float64 `json:"elapsed_seconds"`
	Done       bool    `json:"done"`
}

// ndjson is the media type of a run that reports its progress.
const ndjson = "application/x-ndjson"

// suggestedChunk is one chunk of articles run through the suggester,
// its findings prepared for the writer.
type suggestedChunk struct {
	articles int
	writes   []*models.SuggestionWrite
	err      error
}

// runSuggestions answers POST /projects/{id}/suggestions?kind=attributed_claim[&articles=1,2].
// With Accept: application/x-ndjson it streams a progress line (the
// counts so far) after each chunk of articles is stored and ends with
// the summary (done: true); otherwise it answers the summary alone.
func (h *Handler) runSuggestions(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	kind := c.DefaultQuery("kind", "attributed_claim")
	var ids []int64
	if s := c.Query("articles"); s != "" {
		for _, part := range strings.Split(s, ",") {
			id, err := parseID(strings.TrimSpace(part))
			if err != nil {
				fail(c, fieldErr("articles", "must be a comma-separated list of article ids"))
				return
			}
			ids = append(ids, id)
		}
	}
	stream := strings.Contains(c.GetHeader("Accept"), ndjson)
	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	t0 := time.Now()
	out := suggestRunJSON{Kind: kind}
	if out.Total, err = h.store.CountArticleTexts(ctx, pid, ids); err != nil {
		fail(c, err)
		return
	}
	// The suggester runs a chunk ahead of the writer: while one chunk's
	// findings are stored, the next chunk's articles are read and run,
	// and its spans prepared (checked against the texts).
	chunks := make(chan suggestedChunk, 1)
	go func() {
		defer close(chunks)
		var after int64
		for {
			arts, err := h.store.ArticleTexts(ctx, pid, ids, after, suggestChunk)
			if err == nil && len(arts) == 0 {
				return
			}
			ch := suggestedChunk{articles: len(arts), err: err}
			if err == nil {
				after = arts[len(arts)-1].ID
				for found := suggestAll(arts); len(found) > 0 && ch.err == nil; {
					n := min(len(found), suggestWriteChunk)
					var w *models.SuggestionWrite
					w, ch.err = h.store.PrepareSuggestions(ctx, pid, kind, found[:n])
					ch.writes = append(ch.writes, w)
					found = found[n:]
				}
			}
			select {
			case chunks <- ch:
			case <-ctx.Done():
				return
			}
			if ch.err != nil {
				return
			}
		}
	}()
	var total models.SuggestCounts
	started := false
	failRun := func(err error) {
		if !started {
			fail(c, err)
			return
		}
		e := toAPIError(err)
		if e.Status >= 500 {
			slog.ErrorContext(ctx, "suggestion run failed", "err", err, "request_id", c.GetString(ctxRequestID))
		}
		writeLine(c, e.body())
	}
	for ch := range chunks {
		if ch.err != nil {
			failRun(ch.err)
			return
		}
		for _, w := range ch.writes {
			counts, err := h.store.WriteSuggestions(ctx, w)
			if err != nil {
				failRun(err)
				return
			}
			total.Add(counts)
		}
		out.Articles += ch.articles
		if stream {
			out.Created, out.Existing, out.Skipped = total.Created, total.Existing, total.Skipped
			out.ElapsedSec = time.Since(t0).Seconds()
			if !started {
				started = true
				c.Header("Content-Type", ndjson)
				c.Status(http.StatusOK)
			}
			writeLine(c, out)
		}
	}
	out.Created, out.Existing, out.Skipped = total.Created, total.Existing, total.Skipped
	out.ElapsedSec = time.Since(t0).Seconds()
	out.Done = true
	if !stream {
		c.JSON(http.StatusOK, out)
		return
	}
	if !started {
		c.Header("Content-Type", ndjson)
		c.Status(http.StatusOK)
	}
	writeLine(c, out)
}

// writeLine writes v as one line of an NDJSON stream and flushes it.
func writeLine(c *gin.Context, v any) {
	b, _ := json.Marshal(v)
	c.Writer.Write(append(b, '\n'))
	c.Writer.Flush()
}

// suggestAll runs the suggester over a chunk of articles on every core
// (it is pure: no shared state), keeping the articles' order.
func suggestAll(arts []models.ArticleText) []models.SuggestionIn {
	per := make([][]suggest.Suggestion, len(arts))
	workers := min(runtime.GOMAXPROCS(0), len(arts))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(arts); i += workers {
				per[i] = suggest.Suggest(arts[i].Text, arts[i].Language)
			}
		}(w)
	}
	wg.Wait()
	var out []models.SuggestionIn
	for i, list := range per {
		for _, sg := range list {
			out = append(out, suggest.ForStore(arts[i].ID, sg))
		}
	}
	return out
}

type suggestedPartJSON struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	Head  string `json:"head,omitempty"`
}

type suggestionJSON struct {
	ID         int64              `json:"id"`
	ArticleID  int64              `json:"article_id"`
	Label      string             `json:"label"`
	Start      int                `json:"start"`
	End        int                `json:"end"`
	Text       string             `json:"text"`
	Rule       string             `json:"rule"`
	Origin     string             `json:"origin"`
	Confidence float64            `json:"confidence"`
	Status     string             `json:"status"`
	Cue        *suggestedPartJSON `json:"cue"`
	Source     *suggestedPartJSON `json:"source"`
}

func partView(p *models.SuggestedPart) *suggestedPartJSON {
	if p == nil {
		return nil
	}
	return &suggestedPartJSON{ID: p.ID, Label: p.Label, Start: p.Start, End: p.End, Text: p.Text, Head: p.Head}
}

// listSuggestions answers GET /articles/{id}/suggestions: the caller's
// pending suggestions.
func (h *Handler) listSuggestions(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	list, err := h.store.PendingSuggestions(c.Request.Context(), aid, userOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]suggestionJSON, len(list))
	for i, s := range list {
		items[i] = suggestionJSON{ID: s.ID, ArticleID: s.ArticleID, Label: s.Label, Start: s.Start, End: s.End, Text: s.Text,
			Rule: s.Rule, Origin: models.SuggestOrigin(s.Rule), Confidence: s.Confidence, Status: "pending",
			Cue: partView(s.Cue), Source: partView(s.Source)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type acceptRequest struct {
	Label *string `json:"label"`
	Start *int    `json:"start"`
	End   *int    `json:"end"`
}

// acceptSuggestion answers POST /annotations/{id}/accept: the suggested
// claim (boundaries or label edited first, if the body says so), its cue
// and source and their links become the caller's own spans.
func (h *Handler) acceptSuggestion(c *gin.Context) {
	id, err := pathID(c, "annotation")
	if err != nil {
		fail(c, err)
		return
	}
	var req acceptRequest
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, err)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeBytes(body, &req); err != nil {
			fail(c, err)
			return
		}
	}
	ctx := c.Request.Context()
	claim, err := h.store.AcceptSuggestion(ctx, id, userOf(c).ID, models.AcceptEdit{Label: req.Label, Start: req.Start, End: req.End})
	if err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.GetAnnotation(ctx, claim)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, annotationView(a))
}

// rejectSuggestion answers POST /annotations/{id}/reject.
func (h *Handler) rejectSuggestion(c *gin.Context) {
	id, err := pathID(c, "annotation")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.RejectSuggestion(c.Request.Context(), id, userOf(c).ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type suggestionStatJSON struct {
	Rule           string  `json:"rule"`
	Origin         string  `json:"origin"`
	Suggested      int     `json:"suggested"`
	Accepted       int     `json:"accepted"`
	Rejected       int     `json:"rejected"`
	AcceptanceRate float64 `json:"acceptance_rate"`
}

// suggestionStats answers GET /projects/{id}/suggestions/stats.
func (h *Handler) suggestionStats(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	stats, err := h.store.SuggestionStats(c.Request.Context(), pid)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]suggestionStatJSON, len(stats))
	for i, s := range stats {
		items[i] = suggestionStatJSON{Rule: s.Rule, Origin: models.SuggestOrigin(s.Rule), Suggested: s.Suggested,
			Accepted: s.Accepted, Rejected: s.Rejected, AcceptanceRate: s.AcceptanceRate()}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
