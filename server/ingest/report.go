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

// What parsers produce and what an import reports: the pipeline's wire
// types (the API and `slant import --json` answer with Report).

// Problem is one thing that could not be imported, located in its input
// file. It is also the error a parser returns for a fatal problem (a
// file that cannot be read at all).
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		loc += " (" + p.Field + ")"
	}
	if loc == "" {
		return p.Message
	}
	return loc + ": " + p.Message
}

// LimitError is a configured import limit that was exceeded. The HTTP
// layer maps it to 413.
type LimitError struct{ Problem }

func (e *LimitError) Error() string { return e.Problem.Error() }

// Span is one labelled span of an imported article.
type Span struct {
	File       string // when the span comes from another file than its article (PTC label files)
	Line       int    // its line in that file (0: the article's line)
	Label      string // a label key, or a technique name that slugifies to one ("Loaded_Language")
	Start, End int    // code points, end-exclusive
	Text       *string
	Note       string
	Attributes models.JSONMap
	// Annotator is the user name whose span this is ("": the importing
	// user); see Options.OtherAnnotators.
	Annotator string
	// Discontinuous: several fragments stored as one span (brat), counted
	// in the report.
	Discontinuous bool
}

// Relation links two spans of one item (indexes into Item.Spans) with a
// relation type, by key or by a name that LabelKeyOf turns into one.
type Relation struct {
	File     string
	Line     int
	Type     string
	From, To int
}

// Item is one article (with its spans) produced by a parser, or, with
// Article nil, spans for an existing article of the project (found by
// ExternalRef), or only problems the parser found.
type Item struct {
	File        string
	Line        int
	Article     *models.ArticleIn
	Domain      string // outlet domain when the article has no URL
	ExternalRef string
	Spans       []Span
	Relations   []Relation
	Problems    []Problem
}

// Stream produces items by calling yield for each; an error from yield
// must be returned as is. It is how a parser streams a file.
type Stream func(yield func(*Item) error) error

// Report says what an import did (or, for a dry run, would do).
type Report struct {
	ImportID        int64    `json:"import_id"`
	DryRun          bool     `json:"dry_run"`
	ArticlesCreated int      `json:"articles_created"`
	ArticlesSkipped int      `json:"articles_skipped"`
	SpansCreated    int      `json:"spans_created"`
	SpansSkipped    int      `json:"spans_skipped"` // already present (re-import) or repeated in the input
	LabelsCreated   []string `json:"labels_created"`
	// relations between imported spans (brat): created, already there,
	// relation types created (create_labels=true), and spans stored from
	// several fragments
	RelationsCreated     int       `json:"relations_created"`
	RelationsSkipped     int       `json:"relations_skipped"`
	RelationTypesCreated []string  `json:"relation_types_created"`
	DiscontinuousSpans   int       `json:"discontinuous_spans"`
	Problems             []Problem `json:"problems"`
	ProblemCount         int       `json:"problem_count"`
}

func (r *Report) counts() models.ImportCounts {
	return models.ImportCounts{ArticlesCreated: r.ArticlesCreated, ArticlesSkipped: r.ArticlesSkipped,
		SpansCreated: r.SpansCreated, Problems: r.ProblemCount}
}

// Failed is the validation error of an import that stored nothing
// because of problems; the problems travel as the "problems" member.
func Failed(message string, problems []Problem) *models.ValidationError {
	if problems == nil {
		problems = []Problem{}
	}
	return &models.ValidationError{Code: "validation_failed", Message: message, Fields: map[string]string{},
		Extra: map[string]any{"problems": problems}}
}

// ProblemsOf returns the problems carried by an import error.
func ProblemsOf(err error) []Problem {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		if ps, ok := ve.Extra["problems"].([]Problem); ok {
			return ps
		}
	}
	var p *Problem
	if errors.As(err, &p) {
		return []Problem{*p}
	}
	var le *LimitError
	if errors.As(err, &le) {
		return []Problem{le.Problem}
	}
	return nil
}

// LabelKeyOf turns a technique name into a label key:
// "Loaded_Language" -> "loaded_language", "Appeal_to_Fear-Prejudice" ->
// "appeal_to_fear_prejudice". Keys that would not start with a letter get
// an "l_" prefix. It returns "" when nothing usable is left.
func LabelKeyOf(name string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// non-ASCII letters have no slug spelling; keep a marker so
			// distinct names stay distinct
			fmt.Fprintf(&b, "u%x", r)
			underscore = false
		default:
			if !underscore && b.Len() > 0 {
				b.WriteByte('_')
				underscore = true
			}
		}
	}
	key := strings.TrimRight(b.String(), "_")
	if key == "" {
		return ""
	}
	if key[0] < 'a' || key[0] > 'z' {
		key = "l_" + key
	}
	if len(key) > 64 {
		key = strings.TrimRight(key[:64], "_")
	}
	return key
}

// spanProblemText words a refused span for the import report.
func spanProblemText(ve *models.ValidationError, sp *Span, n int) (field, msg string) {
	msg, field = ve.Error(), "end"
	for f := range ve.Fields {
		field = f
	}
	if ve.Code == "quote_mismatch" {
		field = "text"
		msg = fmt.Sprintf("span text %q differs from the article text at [%d, %d): %q", clip(*sp.Text), sp.Start, sp.End, clip(ve.Extra["actual"].(string)))
		if at, ok := ve.Extra["found_at"].([]int); ok {
			msg += fmt.Sprintf(" (the text occurs at [%d, %d))", at[0], at[1])
		}
	} else if field == "end" && sp.End > n {
		msg = fmt.Sprintf("span [%d, %d) ends past the end of its text (%d code points)", sp.Start, sp.End, n)
	}
	return field, "span not imported: " + msg
}

// clip shortens s for messages.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "..."
}
