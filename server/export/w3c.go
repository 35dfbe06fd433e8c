package export

import (
	"bufio"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"

	"slant/models"
)

// W3C writes a W3C Web Annotation (JSON-LD) AnnotationCollection. Its
// annotations stream in the collection's one AnnotationPage ("first"),
// and each carries its own @context, so an annotation copied out of the
// file is a valid Web Annotation on its own. Each targets its article
// (a SpecificResource with the article's URL, percent-encoded where it
// is not a valid URI, as source; the article's language and text
// direction where known) with a TextPositionSelector (start/end in
// Unicode code points, as the Web Annotation model defines them — the
// same numbers as slant's offsets) and a TextQuoteSelector with 32 code
// points of prefix and suffix. Ids are URNs under urn:slant:.
type W3C struct {
	w         *bufio.Writer
	project   string
	id        string // the collection's IRI
	generator map[string]any
	n         int
	dirOf     int64 // the article whose text direction dir is
	dir       string
}

// NewW3C returns a Web Annotation writer on w. collectionID names the
// collection (an absolute IRI; "" makes one from the project name);
// version is slant's version for the generator ("" reads the binary's
// build information).
func NewW3C(w io.Writer, project, collectionID, version string) *W3C {
	if collectionID == "" {
		collectionID = "urn:slant:project:" + url.PathEscape(project) + ":export"
	}
	if version == "" {
		version = buildVersion()
	}
	return &W3C{w: bufio.NewWriterSize(w, 64<<10), project: project, id: collectionID,
		generator: map[string]any{"type": "Software", "name": "slant " + version}}
}

// w3cContext is every document's @context: the Web Annotation context
// and the slant: prefix of slant's own terms.
var w3cContext = []any{"http://www.w3.org/ns/anno.jsonld", map[string]string{"slant": "urn:slant:"}}

type w3cBody struct {
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
	Value   string `json:"value"`
}

type w3cSelector struct {
	Type   string  `json:"type"`
	Start  *int    `json:"start,omitempty"`
	End    *int    `json:"end,omitempty"`
	Exact  *string `json:"exact,omitempty"`
	Prefix *string `json:"prefix,omitempty"`
	Suffix *string `json:"suffix,omitempty"`
}

type w3cTarget struct {
	Type          string        `json:"type"`
	Source        string        `json:"source"`
	Language      string        `json:"language,omitempty"`
	TextDirection string        `json:"textDirection,omitempty"`
	ExternalID    *string       `json:"slant:external_id"`
	Selector      []w3cSelector `json:"selector"`
}

type w3cAnnotation struct {
	Context    []any          `json:"@context"`
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Motivation string         `json:"motivation"`
	Created    string         `json:"created"`
	Modified   string         `json:"modified"`
	Creator    map[string]any `json:"creator"`
	Generator  map[string]any `json:"generator"`
	Body       []w3cBody      `json:"body"`
	Target     w3cTarget      `json:"target"`
	Attributes models.JSONMap `json:"slant:attributes,omitempty"`
}

// Begin writes nothing: the collection's head waits for the first
// annotation, since an empty collection has no page.
func (x *W3C) Begin() error { return nil }

func (x *W3C) head() error {
	head, err := json.Marshal(map[string]any{
		"@context": w3cContext,
		"id":       x.id,
		"type":     "AnnotationCollection",
		"label":    x.project,
		"summary":  "Exported by slant. TextPositionSelector start/end count Unicode code points (0-based, end-exclusive), as in Python's text[start:end].",
	})
	if err != nil {
		return err
	}
	x.w.Write(head[:len(head)-1])
	page, _ := json.Marshal(x.id + ":page:1")
	coll, _ := json.Marshal(x.id)
	_, err = x.w.WriteString(`,"first":{"id":` + string(page) + `,"type":"AnnotationPage","partOf":` + string(coll) + `,"startIndex":0,"items":[`)
	return err
}

func lastRunes(s string, n int) string {
	i := len(s)
	for c := 0; c < n && i > 0; c++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

func firstRunes(s string, n int) string {
	i := 0
	for c := 0; c < n && i < len(s); c++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func (x *W3C) Row(r *models.ExportRow) error {
	if x.n == 0 {
		if err := x.head(); err != nil {
			return err
		}
	}
	start, end := r.Start, r.End
	exact, prefix, suffix := r.Text, lastRunes(r.ContextBefore, 32), firstRunes(r.ContextAfter, 32)
	source := URIOf(r.ArticleURL)
	if source == "" {
		source = "urn:slant:article:" + strconv.FormatInt(r.ArticleID, 10)
	}
	if x.dirOf != r.ArticleID || x.n == 0 {
		x.dirOf, x.dir = r.ArticleID, TextDirection(r.ArticleText)
	}
	creator := map[string]any{"id": "urn:slant:user:" + url.PathEscape(r.Annotator), "type": "Person", "nickname": r.Annotator}
	if model, ok := strings.CutPrefix(r.Origin, "model:"); ok {
		creator = map[string]any{"id": "urn:slant:model:" + url.PathEscape(model), "type": "Software", "name": model, "nickname": r.Annotator}
	}
	body := []w3cBody{{Type: "TextualBody", Purpose: "tagging", Value: r.Label}}
	if r.Note != "" {
		body = append(body, w3cBody{Type: "TextualBody", Purpose: "commenting", Value: r.Note})
	}
	a := w3cAnnotation{
		Context: w3cContext,
		ID:      "urn:slant:annotation:" + strconv.FormatInt(r.AnnotationID, 10), Type: "Annotation", Motivation: "tagging",
		Created: r.CreatedAt.UTC().Format(time.RFC3339), Modified: r.UpdatedAt.UTC().Format(time.RFC3339),
		Creator: creator, Generator: x.generator, Body: body,
		Target: w3cTarget{Type: "SpecificResource", Source: source, Language: languageOf(r), TextDirection: x.dir,
			ExternalID: r.ExternalID,
			Selector: []w3cSelector{
				{Type: "TextPositionSelector", Start: &start, End: &end},
				{Type: "TextQuoteSelector", Exact: &exact, Prefix: &prefix, Suffix: &suffix},
			}},
	}
	if len(r.Attributes) > 0 {
		a.Attributes = r.Attributes
	}
	if err := x.item(a); err != nil {
		return err
	}
	// each link from this span is an annotation of its own, motivated by
	// linking, whose targets are the two spans' annotations
	for _, e := range r.Relations {
		link := map[string]any{
			"@context": w3cContext, "id": "urn:slant:relation:" + strconv.FormatInt(e.ID, 10), "type": "Annotation",
			"motivation": "linking", "creator": creator, "generator": x.generator,
			"body":   []w3cBody{{Type: "TextualBody", Purpose: "tagging", Value: e.Type}},
			"target": []string{"urn:slant:annotation:" + strconv.FormatInt(r.AnnotationID, 10), "urn:slant:annotation:" + strconv.FormatInt(e.ToID, 10)},
		}
		if err := x.item(link); err != nil {
			return err
		}
	}
	return nil
}

// item writes one annotation of the page.
func (x *W3C) item(a any) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if x.n > 0 {
		x.w.WriteByte(',')
	}
	x.n++
	x.w.WriteByte('\n')
	_, err = x.w.Write(b)
	return err
}

func (x *W3C) End() error {
	if x.n == 0 {
		head, err := json.Marshal(map[string]any{"@context": w3cContext, "id": x.id, "type": "AnnotationCollection", "label": x.project, "total": 0})
		if err != nil {
			return err
		}
		x.w.Write(head)
		x.w.WriteByte('\n')
		return x.w.Flush()
	}
	page, _ := json.Marshal(x.id + ":page:1")
	x.w.WriteString("\n]},\"last\":" + string(page) + ",\"total\":" + strconv.Itoa(x.n) + "}\n")
	return x.w.Flush()
}

// languageOf is the article's language where the export knows it: its
// language field, else a "language" (or "lang") tag in its metadata.
func languageOf(r *models.ExportRow) string {
	if languageTag.MatchString(r.ArticleLanguage) {
		return r.ArticleLanguage
	}
	for _, k := range []string{"language", "lang"} {
		if s, ok := r.ArticleMetadata[k].(string); ok && languageTag.MatchString(s) {
			return s
		}
	}
	return ""
}

// languageTag is the shape of a BCP 47 tag (en, pt-BR, zh-Hant-TW).
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// TextDirection is the direction of text as HTML's dir="auto" finds it:
// "rtl" if its first strong character is right-to-left (Arabic,
// Hebrew...), "ltr" if it is left-to-right, "" if it has none.
func TextDirection(text string) string {
	for _, c := range text {
		p, _ := bidi.LookupRune(c)
		switch p.Class() {
		case bidi.L:
			return "ltr"
		case bidi.R, bidi.AL:
			return "rtl"
		}
	}
	return ""
}

// URIOf returns raw as a valid absolute URI (RFC 3986): characters that
// may not appear in one (spaces, quotes, <>\^`{|}, controls, non-ASCII
// bytes, a % not followed by two hex digits, a second #, brackets
// outside the host) are percent-encoded as UTF-8 bytes; everything else,
// existing %XX escapes included, is kept. It returns "" for "" or for a
// string without a scheme, which cannot be made an absolute URI.
func URIOf(raw string) string {
	raw = strings.TrimSpace(raw)
	colon := strings.IndexByte(raw, ':')
	if colon < 1 || !schemeRe.MatchString(raw[:colon]) {
		return ""
	}
	hostStart, hostEnd := -1, -1
	if strings.HasPrefix(raw[colon:], "://") {
		hostStart = colon + 3
		hostEnd = len(raw)
		if i := strings.IndexAny(raw[hostStart:], "/?#"); i >= 0 {
			hostEnd = hostStart + i
		}
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(raw))
	fragment := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		keep := false
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			keep = true
		case strings.IndexByte("-._~:/?@!$&'()*+,;=", c) >= 0:
			keep = true
		case c == '#':
			keep = !fragment
			fragment = true
		case c == '[' || c == ']':
			keep = hostStart <= i && i < hostEnd
		case c == '%':
			keep = i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2])
		}
		if keep {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

var schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// buildVersion is slant's version from the binary's build information:
// the module version, or the VCS revision (with "+dirty"), or "dev".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
