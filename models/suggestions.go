package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// Suggestions: spans a rule-based suggester found (server/suggest),
// stored in the 'suggestion' layer and owned by the system user
// "(suggestions)", so every read of annotators' spans leaves them out. An
// annotator accepts one (a copy of the claim, its cue, its source and
// their links goes into their own layer) or rejects it (it is hidden
// from them); each decision is a row of suggestion_decisions.

const (
	// LayerSuggestion is the layer of suggested spans.
	LayerSuggestion = "suggestion"
	// SuggestionsUserName owns suggested spans.
	SuggestionsUserName = "(suggestions)"
	// Roles of a suggested span (provenance.role).
	RoleContent = "content"
	RoleCue     = "cue"
	RoleSource  = "source"
)

var suggestOriginRe = regexp.MustCompile(`^suggest:[a-z][a-z0-9_]{0,63}$`)

// SuggestOrigin is the origin of spans made by (or accepted from) a rule.
func SuggestOrigin(rule string) string { return "suggest:" + rule }

// SuggestionIn is one suggester finding, offsets in code points. Cue and
// Source are optional (nil).
type SuggestionIn struct {
	ArticleID  int64
	Rule       string
	Confidence float64
	Content    [2]int
	Cue        *[2]int
	Source     *[2]int
	Head       string
}

// SuggestCounts tells what a run wrote: new claims, claims stored before
// (re-runs never duplicate one, and a rejected one stays rejected), and
// findings that could not be stored (for example, a label or relation
// type missing from the project's scheme leaves out that part).
type SuggestCounts struct {
	Created, Existing, Skipped int
}

func (c *SuggestCounts) Add(o SuggestCounts) {
	c.Created += o.Created
	c.Existing += o.Existing
	c.Skipped += o.Skipped
}

// suggestionsUser is the id of "(suggestions)".
func (s *Store) suggestionsUser(ctx context.Context) (int64, error) {
	var id int64
	err := s.rd(ctx).Raw(`SELECT id FROM users WHERE name = ?`, SuggestionsUserName).Row().Scan(&id)
	return id, err
}

// ArticleText is an article's text for the suggester.
type ArticleText struct {
	ID       int64
	Language string
	Text     string
}

// ArticleTexts pages through a project's articles in id order (after
// afterID), or through the listed ones when ids is not empty.
func (s *Store) ArticleTexts(ctx context.Context, projectID int64, ids []int64, afterID int64, limit int) ([]ArticleText, error) {
	q := `SELECT id, language, text FROM articles WHERE project_id = ? AND id > ? AND ` + visible("articles")
	args := []any{projectID, afterID}
	if len(ids) > 0 {
		q += ` AND id IN (?)`
		args = append(args, ids)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit)
	rows, err := s.rd(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ArticleText
	for rows.Next() {
		var a ArticleText
		if err := rows.Scan(&a.ID, &a.Language, &a.Text); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountArticleTexts counts what ArticleTexts pages through from the start.
func (s *Store) CountArticleTexts(ctx context.Context, projectID int64, ids []int64) (int, error) {
	q := `SELECT COUNT(*) FROM articles WHERE project_id = ? AND ` + visible("articles")
	args := []any{projectID}
	if len(ids) > 0 {
		q += ` AND id IN (?)`
		args = append(args, ids)
	}
	var n int
	err := s.rd(ctx).Raw(q, args...).Row().Scan(&n)
	return n, err
}

// suggestScheme is what a project's scheme offers suggestions: the
// claim label (kind), and if present the cue and source labels and the
// cue_of and said_by relation types.
type suggestScheme struct {
	content, cue, source int64
	cueOf, saidBy        int64
}

// suggestSchemeOf and suggestionsUser read through the read pool: a run
// prepares its next chunk while the writer is busy with this one.
func (s *Store) suggestSchemeOf(ctx context.Context, projectID int64, kind string) (*suggestScheme, error) {
	var sc suggestScheme
	label := func(key string) int64 {
		var id int64
		s.rd(ctx).Raw(`SELECT id FROM labels WHERE project_id = ? AND key = ?`, projectID, key).Row().Scan(&id)
		return id
	}
	// a relation type is used only when its ends allow these labels
	relType := func(key, from, to string) int64 {
		ts, err := relationTypes(s.rd(ctx), projectID, "AND t.key = ?", key)
		if err != nil || len(ts) == 0 {
			return 0
		}
		if t := ts[0]; t.FromLabel == "" || t.FromLabel == from {
			if t.ToLabel == "" || t.ToLabel == to {
				return t.ID
			}
		}
		return 0
	}
	if sc.content = label(kind); sc.content == 0 {
		return nil, Invalid("kind", "is not a label of this project")
	}
	sc.cue, sc.source = label("cue"), label("source")
	sc.cueOf, sc.saidBy = relType("cue_of", "cue", kind), relType("said_by", kind, "source")
	return &sc, nil
}

// StoreSuggestions writes one chunk of findings in one transaction,
// through the span writer and the relation writer. A claim already
// stored (same label and extent) counts as existing and is left alone.
func (s *Store) StoreSuggestions(ctx context.Context, projectID int64, kind string, in []SuggestionIn) (SuggestCounts, error) {
	w, err := s.PrepareSuggestions(ctx, projectID, kind, in)
	if err != nil {
		return SuggestCounts{}, err
	}
	return s.WriteSuggestions(ctx, w)
}

// suggestExt is a suggested span's place: what the unique index of the
// owner's spans covers.
type suggestExt struct {
	article, label int64
	start, end     int
}

// suggestPart is a prepared span's role in finding number finding.
type suggestPart struct {
	finding int
	role    string
}

// SuggestionWrite is a chunk of findings made ready for the writer by
// PrepareSuggestions (outside any transaction, so a run's next chunk is
// prepared while this one is written): every span checked against its
// article's text and the claims stored before counted.
type SuggestionWrite struct {
	projectID, owner int64
	sc               *suggestScheme
	in               []SuggestionIn
	stored           map[suggestExt]int64 // as read when prepared
	rows             []Annotation
	parts            []suggestPart
	counts           SuggestCounts // existing and skipped, so far
}

// PrepareSuggestions reads what a chunk of findings needs (the scheme,
// the articles' texts, the chunk's stored suggestions) and builds its
// rows. A claim stored meanwhile is still caught by the write: the
// unique index skips it and it counts as existing.
func (s *Store) PrepareSuggestions(ctx context.Context, projectID int64, kind string, in []SuggestionIn) (*SuggestionWrite, error) {
	owner, err := s.suggestionsUser(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.suggestSchemeOf(ctx, projectID, kind)
	if err != nil {
		return nil, err
	}
	w := &SuggestionWrite{projectID: projectID, owner: owner, sc: sc, in: in, stored: map[suggestExt]int64{}}
	var arts []int64
	seen := map[int64]bool{}
	for _, f := range in {
		if !seen[f.ArticleID] {
			seen[f.ArticleID] = true
			arts = append(arts, f.ArticleID)
		}
	}
	texts := map[int64]string{}
	if len(arts) > 0 {
		// the chunk's stored suggestions, read once: a claim found again
		// is counted and left alone (its parts and links are stored)
		rows, err := s.rd(ctx).Raw(`SELECT id, article_id, label_id, start, "end" FROM annotations
			WHERE user_id = ? AND layer = 'suggestion' AND article_id IN (?)`, owner, arts).Rows()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var k suggestExt
			if err := rows.Scan(&id, &k.article, &k.label, &k.start, &k.end); err != nil {
				rows.Close()
				return nil, err
			}
			w.stored[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// the texts in one read (a span is checked against its article's
		// text); an article of another project is not found
		rows, err = s.rd(ctx).Raw(`SELECT id, project_id, text FROM articles WHERE id IN (?) AND `+visible("articles"), arts).Rows()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, pid int64
			var text string
			if err := rows.Scan(&id, &pid, &text); err != nil {
				rows.Close()
				return nil, err
			}
			if pid == projectID {
				texts[id] = text
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range arts {
			if _, ok := texts[id]; !ok {
				return nil, notFound("article")
			}
		}
	}
	indexes := map[int64]*SpanIndex{}
	add := func(i int, f SuggestionIn, role string, label int64, ext [2]int) error {
		ix := indexes[f.ArticleID]
		if ix == nil {
			ix = NewSpanIndex(texts[f.ArticleID])
			indexes[f.ArticleID] = ix
		}
		prov := JSONMap{"role": role, "rule": f.Rule, "confidence": f.Confidence}
		if role == RoleSource && f.Head != "" {
			prov["head"] = f.Head
		}
		row, err := PrepareSpan(ix, projectID, SpanDraft{ArticleID: f.ArticleID, LabelID: label, UserID: owner,
			Start: ext[0], End: ext[1], Origin: SuggestOrigin(f.Rule), Layer: LayerSuggestion, Provenance: prov}, "")
		if err != nil {
			return err
		}
		w.rows = append(w.rows, row)
		w.parts = append(w.parts, suggestPart{i, role})
		return nil
	}
	for i, f := range in {
		if w.stored[suggestExt{f.ArticleID, sc.content, f.Content[0], f.Content[1]}] != 0 {
			w.counts.Existing++
			continue
		}
		if err := add(i, f, RoleContent, sc.content, f.Content); err != nil {
			w.counts.Skipped++
			continue
		}
		if f.Cue != nil && sc.cue != 0 {
			if add(i, f, RoleCue, sc.cue, *f.Cue) != nil {
				w.counts.Skipped++
			}
		}
		if f.Source != nil && sc.source != 0 {
			if add(i, f, RoleSource, sc.source, *f.Source) != nil {
				w.counts.Skipped++
			}
		}
	}
	return w, nil
}

// WriteSuggestions writes a prepared chunk in one transaction: its spans
// through the span writer, then the links between them through the
// relation writer.
func (s *Store) WriteSuggestions(ctx context.Context, w *SuggestionWrite) (SuggestCounts, error) {
	counts := w.counts
	err := s.Tx(ctx, func(tx *Store) error {
		counts = w.counts
		ids, err := tx.insertSpans(ctx, w.rows, nil)
		if err != nil {
			return err
		}
		// A span stored before (or twice in this chunk: two claims with
		// one source) is found by its extent, to link it.
		stored := make(map[suggestExt]int64, len(w.stored)+len(w.rows))
		for k, v := range w.stored {
			stored[k] = v
		}
		for i, r := range w.rows {
			k := suggestExt{r.ArticleID, r.LabelID, r.Start, r.End}
			if ids[i] != 0 {
				stored[k] = ids[i]
				continue
			}
			if _, ok := stored[k]; !ok {
				var id int64
				if err := tx.wr(ctx).Raw(`SELECT id FROM annotations WHERE article_id = ? AND label_id = ? AND start = ? AND "end" = ? AND user_id = ?`,
					r.ArticleID, r.LabelID, r.Start, r.End, w.owner).Row().Scan(&id); err != nil {
					return err
				}
				stored[k] = id
			}
		}
		// each finding's content, cue and source ids
		byFinding := make([][3]int64, len(w.in))
		for i, p := range w.parts {
			r := w.rows[i]
			id := stored[suggestExt{r.ArticleID, r.LabelID, r.Start, r.End}]
			switch p.role {
			case RoleContent:
				if ids[i] != 0 {
					counts.Created++
				} else {
					counts.Existing++
				}
				byFinding[p.finding][0] = id
			case RoleCue:
				byFinding[p.finding][1] = id
			case RoleSource:
				byFinding[p.finding][2] = id
			}
		}
		var links []relationRow
		sc := w.sc
		for i, f := range w.in {
			content, cue, src := byFinding[i][0], byFinding[i][1], byFinding[i][2]
			if content == 0 {
				continue
			}
			origin := SuggestOrigin(f.Rule)
			if cue != 0 && sc.cueOf != 0 && cue != content {
				links = append(links, relationRow{w.projectID, f.ArticleID, sc.cueOf, cue, content, w.owner, origin})
			}
			if src != 0 && sc.saidBy != 0 && src != content {
				links = append(links, relationRow{w.projectID, f.ArticleID, sc.saidBy, content, src, w.owner, origin})
			}
		}
		_, err = tx.insertRelations(ctx, links, nil)
		return err
	})
	return counts, err
}

// Suggestion is a pending suggestion as an annotator sees it.
type Suggestion struct {
	ID         int64
	ArticleID  int64
	Label      string
	Start, End int
	Text       string
	Rule       string
	Confidence float64
	Cue        *SuggestedPart
	Source     *SuggestedPart
}

// SuggestedPart is a suggestion's cue or source.
type SuggestedPart struct {
	ID         int64
	Label      string
	Start, End int
	Text       string
	Head       string
}

const suggestionCols = `a.id, a.article_id, l.key, a.start, a."end", a.quote, a.provenance`

func scanSuggestion(rows *sql.Rows) (Suggestion, error) {
	var sg Suggestion
	var prov JSONMap
	if err := rows.Scan(&sg.ID, &sg.ArticleID, &sg.Label, &sg.Start, &sg.End, &sg.Text, &prov); err != nil {
		return sg, err
	}
	sg.Rule, _ = prov["rule"].(string)
	switch c := prov["confidence"].(type) { // JSONMap decodes numbers as json.Number
	case float64:
		sg.Confidence = c
	case json.Number:
		sg.Confidence, _ = c.Float64()
	}
	return sg, nil
}

// PendingSuggestions lists an article's suggested claims that userID has
// neither accepted nor rejected, with their cues and sources, in text
// order.
func (s *Store) PendingSuggestions(ctx context.Context, articleID, userID int64) ([]Suggestion, error) {
	rows, err := s.rd(ctx).Raw(`SELECT `+suggestionCols+` FROM annotations a JOIN labels l ON l.id = a.label_id
		WHERE a.article_id = ? AND a.layer = 'suggestion' AND `+s.jsonText("a.provenance", "role")+` = 'content'
		AND NOT EXISTS (SELECT 1 FROM suggestion_decisions d WHERE d.annotation_id = a.id AND d.user_id = ?)
		ORDER BY a.start, a."end", a.id`, articleID, userID).Rows()
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	for rows.Next() {
		sg, err := scanSuggestion(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	parts, err := suggestedParts(s.rd(ctx).Raw(`SELECT r.from_id, r.to_id, t.key, b.id, l.key, b.start, b."end", b.quote, b.provenance
		FROM relations r JOIN relation_types t ON t.id = r.type_id
		JOIN annotations b ON b.id = CASE t.key WHEN 'cue_of' THEN r.from_id ELSE r.to_id END
		JOIN labels l ON l.id = b.label_id
		WHERE r.article_id = ? AND b.layer = 'suggestion' AND t.key IN ('cue_of', 'said_by')`, articleID).Rows())
	if err != nil {
		return nil, err
	}
	for i := range out {
		p := parts[out[i].ID]
		out[i].Cue, out[i].Source = p[0], p[1]
	}
	return out, nil
}

// suggestedParts reads cue_of / said_by links into content id -> [cue, source].
func suggestedParts(rows *sql.Rows, err error) (map[int64][2]*SuggestedPart, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][2]*SuggestedPart{}
	for rows.Next() {
		var from, to int64
		var typ string
		var p SuggestedPart
		var prov JSONMap
		if err := rows.Scan(&from, &to, &typ, &p.ID, &p.Label, &p.Start, &p.End, &p.Text, &prov); err != nil {
			return nil, err
		}
		p.Head, _ = prov["head"].(string)
		if typ == "cue_of" {
			v := out[to]
			v[0] = &p
			out[to] = v
		} else {
			v := out[from]
			v[1] = &p
			out[from] = v
		}
	}
	return out, rows.Err()
}

// suggestionByID reads one suggested claim with its cue and source.
func (s *Store) suggestionByID(ctx context.Context, id int64) (*Suggestion, error) {
	rows, err := s.wr(ctx).Raw(`SELECT `+suggestionCols+` FROM annotations a JOIN labels l ON l.id = a.label_id
		WHERE a.id = ? AND a.layer = 'suggestion' AND `+s.jsonText("a.provenance", "role")+` = 'content'`, id).Rows()
	if err != nil {
		return nil, err
	}
	var sg *Suggestion
	if rows.Next() {
		v, err := scanSuggestion(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		sg = &v
	}
	rows.Close()
	if sg == nil {
		return nil, notFound("suggestion")
	}
	parts, err := suggestedParts(s.wr(ctx).Raw(`SELECT r.from_id, r.to_id, t.key, b.id, l.key, b.start, b."end", b.quote, b.provenance
		FROM relations r JOIN relation_types t ON t.id = r.type_id
		JOIN annotations b ON b.id = CASE t.key WHEN 'cue_of' THEN r.from_id ELSE r.to_id END
		JOIN labels l ON l.id = b.label_id
		WHERE (r.to_id = ? AND t.key = 'cue_of' OR r.from_id = ? AND t.key = 'said_by') AND b.layer = 'suggestion'`, id, id).Rows())
	if err != nil {
		return nil, err
	}
	p := parts[id]
	sg.Cue, sg.Source = p[0], p[1]
	return sg, nil
}

// AcceptEdit changes a suggestion's claim before it is accepted; nil
// fields keep the suggestion's.
type AcceptEdit struct {
	Label      *string
	Start, End *int
}

// decided reports a decision userID made on suggestion id already.
func (s *Store) decided(ctx context.Context, id, userID int64) error {
	var d string
	err := s.wr(ctx).Raw(`SELECT decision FROM suggestion_decisions WHERE annotation_id = ? AND user_id = ?`, id, userID).Row().Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &ConflictError{Message: "you have " + d + " this suggestion already"}
}

// AcceptSuggestion copies suggested claim id (with the edit, if any), its
// cue, its source and their links into userID's own layer through the
// span and relation writers, and records the decision. A span the
// annotator has already (same label and extent) is linked, not doubled.
// It answers the id of the annotator's claim.
func (s *Store) AcceptSuggestion(ctx context.Context, id, userID int64, edit AcceptEdit) (int64, error) {
	var claim int64
	err := s.Tx(ctx, func(tx *Store) error {
		sg, err := tx.suggestionByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.decided(ctx, id, userID); err != nil {
			return err
		}
		projectID, text, err := tx.articleText(ctx, sg.ArticleID)
		if err != nil {
			return err
		}
		ix := NewSpanIndex(text)
		label, start, end := sg.Label, sg.Start, sg.End
		if edit.Label != nil {
			label = *edit.Label
		}
		if edit.Start != nil {
			start = *edit.Start
		}
		if edit.End != nil {
			end = *edit.End
		}
		edited := label != sg.Label || start != sg.Start || end != sg.End
		origin := SuggestOrigin(sg.Rule)
		copyOf := func(key string, st, en int, role string) (int64, error) {
			l, err := tx.LabelByKey(ctx, projectID, key)
			if err != nil {
				if role == RoleContent {
					return 0, Invalid("label", "is not a label of this project")
				}
				return 0, err
			}
			row, err := PrepareSpan(ix, projectID, SpanDraft{ArticleID: sg.ArticleID, LabelID: l.ID, UserID: userID,
				Start: st, End: en, Origin: origin, Provenance: JSONMap{"suggestion": id, "role": role, "edited": edited && role == RoleContent}}, origin)
			if err != nil {
				return 0, err
			}
			ids, err := tx.insertSpans(ctx, []Annotation{row}, nil)
			if err != nil {
				return 0, err
			}
			if ids[0] != 0 {
				return ids[0], nil
			}
			var have int64
			err = tx.wr(ctx).Raw(`SELECT id FROM annotations WHERE article_id = ? AND label_id = ? AND start = ? AND "end" = ? AND user_id = ?`,
				sg.ArticleID, l.ID, st, en, userID).Row().Scan(&have)
			return have, err
		}
		if claim, err = copyOf(label, start, end, RoleContent); err != nil {
			return err
		}
		var links []relationRow
		if sg.Cue != nil {
			cue, err := copyOf(sg.Cue.Label, sg.Cue.Start, sg.Cue.End, RoleCue)
			if err != nil {
				return err
			}
			if t, err := tx.relationTypeByKey(ctx, projectID, "cue_of"); err == nil && cue != claim && (t.ToLabel == "" || t.ToLabel == label) {
				links = append(links, relationRow{projectID, sg.ArticleID, t.ID, cue, claim, userID, origin})
			}
		}
		if sg.Source != nil {
			src, err := copyOf(sg.Source.Label, sg.Source.Start, sg.Source.End, RoleSource)
			if err != nil {
				return err
			}
			if t, err := tx.relationTypeByKey(ctx, projectID, "said_by"); err == nil && src != claim && (t.FromLabel == "" || t.FromLabel == label) {
				links = append(links, relationRow{projectID, sg.ArticleID, t.ID, claim, src, userID, origin})
			}
		}
		if _, err := tx.insertRelations(ctx, links, nil); err != nil {
			return err
		}
		return tx.wr(ctx).Exec(`INSERT INTO suggestion_decisions (annotation_id, user_id, project_id, rule, decision, accepted_id, created_at)
			VALUES (?, ?, ?, ?, 'accepted', ?, `+s.now()+`)`, id, userID, projectID, sg.Rule, claim).Error
	})
	return claim, err
}

// RejectSuggestion hides suggested claim id from userID.
func (s *Store) RejectSuggestion(ctx context.Context, id, userID int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		sg, err := tx.suggestionByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.decided(ctx, id, userID); err != nil {
			return err
		}
		var projectID int64
		if err := tx.wr(ctx).Raw(`SELECT project_id FROM annotations WHERE id = ?`, id).Row().Scan(&projectID); err != nil {
			return err
		}
		return tx.wr(ctx).Exec(`INSERT INTO suggestion_decisions (annotation_id, user_id, project_id, rule, decision, created_at)
			VALUES (?, ?, ?, ?, 'rejected', `+s.now()+`)`, id, userID, projectID, sg.Rule).Error
	})
}

// SuggestionStat is one rule's record in a project.
type SuggestionStat struct {
	Rule                          string
	Suggested, Accepted, Rejected int
}

// AcceptanceRate is accepted / (accepted + rejected); 0 before any decision.
func (st SuggestionStat) AcceptanceRate() float64 {
	if st.Accepted+st.Rejected == 0 {
		return 0
	}
	return float64(st.Accepted) / float64(st.Accepted+st.Rejected)
}

// SuggestionStats counts a project's suggested claims and the decisions
// on them, per rule.
func (s *Store) SuggestionStats(ctx context.Context, projectID int64) ([]SuggestionStat, error) {
	rows, err := s.rd(ctx).Raw(`SELECT r.rule, COUNT(*),
			(SELECT COUNT(*) FROM suggestion_decisions d WHERE d.project_id = ? AND d.rule = r.rule AND d.decision = 'accepted'),
			(SELECT COUNT(*) FROM suggestion_decisions d WHERE d.project_id = ? AND d.rule = r.rule AND d.decision = 'rejected')
		FROM (SELECT `+s.jsonText("a.provenance", "rule")+` AS rule FROM annotations a
			WHERE a.project_id = ? AND a.layer = 'suggestion' AND `+s.jsonText("a.provenance", "role")+` = 'content') r
		GROUP BY r.rule ORDER BY r.rule`, projectID, projectID, projectID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SuggestionStat
	for rows.Next() {
		var st SuggestionStat
		var rule sql.NullString
		if err := rows.Scan(&rule, &st.Suggested, &st.Accepted, &st.Rejected); err != nil {
			return nil, err
		}
		st.Rule = strings.TrimSpace(rule.String)
		out = append(out, st)
	}
	return out, rows.Err()
}
