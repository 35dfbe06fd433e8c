package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"slant/models"
)

// How the pipeline stores one item: dedupe, outlet, article, labels and
// spans, each problem worded for the report.

func (im *importer) item(it *Item) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	for _, p := range it.Problems {
		im.problem(p)
	}
	if it.Article == nil {
		if it.ExternalRef == "" {
			for _, sp := range it.Spans {
				im.problem(im.spanProblem(it, &sp, "", "span has no article"))
			}
			return nil
		}
		id, hash, err := im.w.ArticleByExternalID(im.opts.ProjectID, it.ExternalRef)
		if errors.Is(err, models.ErrNotFound) {
			for _, sp := range it.Spans {
				im.problem(im.spanProblem(it, &sp, "external_id", "no article with external_id "+strconv.Quote(it.ExternalRef)+" in this project; import the article first"))
			}
			return nil
		}
		if err != nil {
			return err
		}
		return im.spans(it, id, hash, true)
	}
	im.articles++
	if im.opts.MaxArticles > 0 && im.articles > im.opts.MaxArticles {
		return &LimitError{Problem{File: it.File, Line: it.Line,
			Message: "more than " + strconv.Itoa(im.opts.MaxArticles) + " articles in one import; split the file"}}
	}
	if im.opts.MaxTextBytes > 0 && len(it.Article.Text) > im.opts.MaxTextBytes {
		return &LimitError{Problem{File: it.File, Line: it.Line, Field: "text",
			Message: "text is " + strconv.Itoa(len(it.Article.Text)) + " bytes; the limit is " + strconv.Itoa(im.opts.MaxTextBytes)}}
	}
	a, err := models.NewArticleRow(im.opts.ProjectID, *it.Article)
	if err != nil {
		var ve *models.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		field := ""
		for f := range ve.Fields {
			field = f
		}
		im.problem(Problem{File: it.File, Line: it.Line, Field: field, Message: "article not imported: " + ve.Error()})
		return nil
	}
	hash, url := a.TextSHA256, a.URL
	var dupID int64
	if a.ExternalID != nil {
		dupID = im.byExt[short(*a.ExternalID)]
	} else if url != "" {
		dupID = im.byURL[short(url)]
	}
	if dupID == 0 {
		dupID = im.byText[short(hash)]
	}
	if dupID != 0 {
		// the index is from the start of the import; annotators may have
		// deleted the article since, and then it is imported again
		switch existing, err := im.w.ArticleHash(dupID); {
		case errors.Is(err, models.ErrNotFound):
		case err != nil:
			return err
		default:
			return im.duplicate(it, dupID, hash, existing)
		}
	}
	if domain := models.OutletDomain(a.URL, it.Domain); domain != "" {
		id, err := im.w.EnsureSource(domain, im.srcs)
		if err != nil {
			return err
		}
		a.SourceID = &id
	}
	if err := im.w.InsertArticle(&a); err != nil {
		if !errors.Is(err, models.ErrExternalIDTaken) {
			return err
		}
		// created through the API since the import started
		id, h, err := im.w.ArticleByExternalID(im.opts.ProjectID, *a.ExternalID)
		if err != nil {
			return err
		}
		im.index(id, a.ExternalID, "", h)
		return im.duplicate(it, id, hash, h)
	}
	im.rep.ArticlesCreated++
	im.index(a.ID, a.ExternalID, a.URL, hash)
	im.lastID, im.lastHash, im.lastIx = a.ID, hash, models.NewSpanIndex(a.Text)
	return im.spans(it, a.ID, hash, false)
}

// duplicate handles an item whose article is already there as dupID:
// its spans go onto that article when the texts are the same.
func (im *importer) duplicate(it *Item, dupID int64, hash, existing string) error {
	im.rep.ArticlesSkipped++
	if len(it.Spans) == 0 {
		return nil
	}
	if existing != hash {
		im.problem(Problem{File: it.File, Line: it.Line, Field: "text",
			Message: fmt.Sprintf("article skipped as a duplicate of article %d (same external_id or URL) whose text differs; its %d span(s) were not imported", dupID, len(it.Spans))})
		return nil
	}
	return im.spans(it, dupID, hash, true)
}

func (im *importer) spanProblem(it *Item, sp *Span, field, msg string) Problem {
	p := Problem{File: it.File, Line: it.Line, Field: field, Message: msg}
	if sp.File != "" {
		p.File = sp.File
	}
	if sp.Line > 0 {
		p.Line = sp.Line
	}
	return p
}

// spans stores the spans of item it on article id. existing says the
// article was there before this item, so spans already imported on it
// are skipped rather than repeated.
func (im *importer) spans(it *Item, id int64, hash string, existing bool) error {
	if len(it.Spans) == 0 {
		return nil
	}
	// what became of each span, for the item's relations (bratpipeline.go)
	ends := make([]spanEnd, len(it.Spans))
	if im.lastID != id || im.lastHash != hash {
		text, err := im.w.ArticleText(id)
		if errors.Is(err, models.ErrNotFound) {
			for i := range it.Spans {
				im.problem(im.spanProblem(it, &it.Spans[i], "", "span not imported: its article was deleted during the import"))
			}
			return nil
		}
		if err != nil {
			return err
		}
		im.lastID, im.lastHash, im.lastIx = id, hash, models.NewSpanIndex(text)
	}
	ix := im.lastIx
	var rows []models.Annotation
	var from []int // rows[j] is it.Spans[from[j]]
	for i := range it.Spans {
		sp := &it.Spans[i]
		label, err := im.label(it, sp)
		if err != nil {
			return err
		}
		if label == nil {
			continue
		}
		userID, err := im.annotator(it, sp)
		if err != nil {
			return err
		}
		if userID == 0 { // reported
			continue
		}
		row, err := models.PrepareSpan(ix, im.opts.ProjectID, models.SpanDraft{ArticleID: id, LabelID: label.ID, UserID: userID,
			Start: sp.Start, End: sp.End, Text: sp.Text, Note: sp.Note, Attributes: sp.Attributes, Origin: models.OriginImport}, models.OriginImport)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			field, msg := spanProblemText(ve, sp, ix.Len())
			im.problem(im.spanProblem(it, sp, field, msg))
			continue
		}
		first, _ := utf8.DecodeRuneInString(row.Quote)
		last, _ := utf8.DecodeLastRuneInString(row.Quote)
		if unicode.IsSpace(first) || unicode.IsSpace(last) {
			field := "start"
			if !unicode.IsSpace(first) {
				field = "end"
			}
			// Offsets are kept exactly as given (other tools' offsets must stay
			// valid and exports must round-trip), but the likely sloppy span is
			// reported; strict mode turns the report into a rejection.
			im.problem(im.spanProblem(it, sp, field, fmt.Sprintf("span imported, but [%d, %d) starts or ends on whitespace (%q)", sp.Start, sp.End, clip(row.Quote))))
		}
		if existing {
			found, err := im.w.ImportedSpanExists(id, label.ID, userID, sp.Start, sp.End)
			if err != nil {
				return err
			}
			if found {
				im.rep.SpansSkipped++
				ends[i].skipped = true
				continue
			}
		}
		rows, from = append(rows, row), append(from, i)
	}
	if len(rows) == 0 {
		return im.relations(it, id, ends)
	}
	ids, err := im.w.InsertSpans(rows)
	if errors.Is(err, models.ErrNotFound) {
		// the article or a label was deleted during the import
		for _, i := range from {
			im.problem(im.spanProblem(it, &it.Spans[i], "", "span not imported: its article or label "+strconv.Quote(it.Spans[i].Label)+" was deleted during the import"))
		}
		clear(im.labels)
		return nil
	}
	if err != nil {
		return err
	}
	for j, sid := range ids {
		if sid == 0 {
			im.rep.SpansSkipped++
			ends[from[j]].skipped = true
		} else {
			im.rep.SpansCreated++
			ends[from[j]].id = sid
			if it.Spans[from[j]].Discontinuous {
				im.rep.DiscontinuousSpans++
			}
		}
	}
	return im.relations(it, id, ends)
}

// label resolves a span's label, creating it when allowed. nil with no
// error means the span was reported and must be skipped.
func (im *importer) label(it *Item, sp *Span) (*models.Label, error) {
	name := strings.TrimSpace(sp.Label)
	key := LabelKeyOf(name)
	if key == "" {
		im.problem(im.spanProblem(it, sp, "label", "span not imported: empty or unusable label "+strconv.Quote(sp.Label)))
		return nil, nil
	}
	if l, ok := im.labels[key]; ok && l != nil {
		return l, nil
	}
	if _, ok := im.labels[key]; !ok {
		l, err := im.w.LabelByKey(im.opts.ProjectID, key)
		if err == nil {
			im.labels[key] = l
			return l, nil
		}
		if !errors.Is(err, models.ErrInvalid) {
			return nil, err
		}
		im.labels[key] = nil
	}
	if !im.opts.CreateLabels {
		im.problem(im.spanProblem(it, sp, "label", "span not imported: unknown label "+strconv.Quote(name)+" (key "+key+"); import with create_labels=true to create it"))
		return nil, nil
	}
	l := &models.Label{ProjectID: im.opts.ProjectID, Key: key, Name: name}
	if utf8.RuneCountInString(l.Name) > 100 {
		l.Name = string([]rune(l.Name)[:100])
	}
	if err := im.w.CreateLabel(l); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			im.problem(im.spanProblem(it, sp, "label", "span not imported: cannot create label "+strconv.Quote(name)+": "+ve.Error()))
			return nil, nil
		}
		return nil, err
	}
	im.labels[key] = l
	im.rep.LabelsCreated = append(im.rep.LabelsCreated, key)
	return l, nil
}
