package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"slant/models"
)

// The raw crawl dump: line 1 is " date YYYY-MM-DD URL"; then blocks
// separated by blank lines: the title (often twice), the description,
// ISO timestamps (published, first seen, modified), topic tags one per
// block, an XPath line, the lead image URL, the body as one long line,
// related-article URLs, more tags, publisher contact lines, the year,
// the author (often twice), the section, the locale (en_EN), image sizes
// and a final comma-separated keyword line. Fields are recognised by
// shape, so missing blocks do not shift the others.

var (
	crawlHeadRe   = regexp.MustCompile(`^ ?date (\d{4}-\d{2}-\d{2}) (https?://\S+)\s*$`)
	crawlTimeRe   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$`)
	crawlLocaleRe = regexp.MustCompile(`^([a-z]{2,3})[_-]([A-Za-z]{2})$`)
	crawlYearRe   = regexp.MustCompile(`^(19|20)\d{2}$`)
	crawlSizeRe   = regexp.MustCompile(`^\d+ \d+( (true|false))?$`)
	crawlURLRe    = regexp.MustCompile(`^https?://\S+$`)
)

// ParseCrawlDump reads one crawl dump.
func ParseCrawlDump(name string, data []byte) (*Item, error) {
	s := strings.ReplaceAll(string(bytes.TrimPrefix(data, bom)), "\r\n", "\n")
	first, rest, _ := strings.Cut(s, "\n")
	m := crawlHeadRe.FindStringSubmatch(first)
	if m == nil {
		return nil, fail(name, 1, "", `not a crawl dump: line 1 must be " date YYYY-MM-DD URL"`)
	}
	type block struct {
		text string
		line int
	}
	var blocks []block
	line := 2
	for _, para := range strings.Split(rest, "\n\n") {
		t := strings.TrimSpace(para)
		if t != "" {
			blocks = append(blocks, block{t, line + strings.Index(para, t[:1])})
		}
		line += strings.Count(para, "\n") + 2
	}
	if len(blocks) == 0 {
		return nil, fail(name, 2, "text", "crawl dump has no title or body")
	}
	in := &models.ArticleIn{URL: m[2], Metadata: models.JSONMap{"crawl_date": m[1]}}
	// the body is the longest block that is not a URL or keyword list
	body := -1
	for i, b := range blocks {
		if i == 0 || crawlURLRe.MatchString(b.text) || strings.HasPrefix(b.text, "/html/") {
			continue
		}
		if body < 0 || len(b.text) > len(blocks[body].text) {
			body = i
		}
	}
	if body < 0 || len(blocks[body].text) < 2 {
		return nil, fail(name, blocks[0].line, "text", "crawl dump has no article body")
	}
	in.Title = blocks[0].text
	i := 1
	if i < body && blocks[i].text == in.Title {
		i++
	}
	var times []string
	var tags []string
	for ; i < body; i++ {
		t := blocks[i].text
		switch {
		case crawlTimeRe.MatchString(t):
			times = append(times, t)
		case strings.HasPrefix(t, "/html/"):
			in.Metadata["og_xpath"] = t
		case crawlURLRe.MatchString(t):
			in.Metadata["image"] = t
		case len(times) == 0 && in.Metadata["description"] == nil:
			in.Metadata["description"] = t
		case len(times) > 0 && !strings.Contains(t, "\n"):
			tags = append(tags, t)
		}
	}
	for k, t := range times {
		if k > 2 {
			break
		}
		if ts, ok := models.ParseTime(t); ok {
			switch k {
			case 0:
				in.PublishedAt = &ts
			case 1:
				in.Metadata["first_seen_at"] = ts.Format("2006-01-02T15:04:05Z07:00")
			case 2:
				in.Metadata["modified_at"] = ts.Format("2006-01-02T15:04:05Z07:00")
			}
		}
	}
	if len(tags) > 0 {
		in.Metadata["tags"] = toAny(tags)
	}
	// after the body: related URLs, tags, contact, year, author, section, locale, sizes, keywords
	var related, moreTags []string
	after := blocks[body+1:]
	yearAt := -1
	for k, b := range after {
		t := b.text
		switch {
		case crawlURLRe.MatchString(t):
			related = append(related, t)
		case crawlYearRe.MatchString(t) && yearAt < 0:
			yearAt = k
		case crawlLocaleRe.MatchString(t):
			lm := crawlLocaleRe.FindStringSubmatch(t)
			in.Language = lm[1]
			in.Metadata["locale"] = t
			if k > 0 && after[k-1].text != in.Author && !crawlYearRe.MatchString(after[k-1].text) {
				in.Metadata["section"] = after[k-1].text
			}
		case crawlSizeRe.MatchString(t):
		case k == len(after)-1 && strings.Contains(t, ", "):
			var kw []string
			for _, w := range strings.Split(t, ",") {
				if w = strings.TrimSpace(w); w != "" {
					kw = append(kw, w)
				}
			}
			in.Metadata["keywords"] = toAny(kw)
		case yearAt >= 0 && k == yearAt+1:
			in.Author = t
		case yearAt < 0 && len(related) > 0 && strings.Contains(t, "@"):
			in.Metadata["publisher"] = t
		case yearAt < 0 && len(related) > 0 && utf8.RuneCountInString(t) < 60:
			moreTags = append(moreTags, t)
		}
	}
	if len(related) > 0 {
		in.Metadata["related"] = toAny(related)
	}
	if len(moreTags) > 0 {
		in.Metadata["more_tags"] = toAny(moreTags)
	}
	in.Text = RestoreParagraphs(blocks[body].text)
	return &Item{File: name, Line: 1, Article: in}, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// noBreakAfter are abbreviations that end in a full stop without ending a
// sentence, so "Dr.Chung" or "St.Petersburg" stay whole.
var noBreakAfter = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "st": true, "mt": true, "ft": true,
	"gen": true, "col": true, "capt": true, "lt": true, "sgt": true, "rev": true, "sen": true, "rep": true,
	"gov": true, "pres": true, "jr": true, "sr": true, "no": true, "nos": true, "vs": true, "v": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "dept": true, "univ": true, "approx": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "fig": true, "e.g": true, "i.e": true,
}

// RestoreParagraphs puts back the paragraph breaks a crawler lost where
// a sentence end is glued to the next sentence: "region.Per" becomes
// "region.\n\nPer", `ties."Comrade` becomes "ties.\n\n\"Comrade". It does
// not break abbreviations ("Dr.", "St.Petersburg"), initials ("U.S.",
// "J.K."), decimals ("3.5"), or URLs and domains ("rt.com",
// "https://x.example/A.B").
func RestoreParagraphs(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 64)
	quotes := 0 // straight double quotes seen in the current paragraph
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		b.WriteRune(r)
		if r == '"' {
			quotes++
		}
		if r == '\n' {
			quotes = 0
		}
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		j := i + 1
		// a closing quote or bracket right after the stop belongs to this sentence
		closer := j < len(rs) && (rs[j] == '”' || rs[j] == '’' || rs[j] == '»' || rs[j] == ')' || (rs[j] == '"' && quotes%2 == 1))
		if closer {
			j++
		}
		if j >= len(rs) {
			continue
		}
		// next sentence: an opening quote then a capital, or a capital then a small letter or space
		k := j
		if rs[k] == '"' || rs[k] == '“' || rs[k] == '„' || rs[k] == '«' || rs[k] == '‘' {
			k++
		}
		if k >= len(rs) || !unicode.IsUpper(rs[k]) {
			continue
		}
		if k+1 < len(rs) && k == j && unicode.IsUpper(rs[k+1]) && rs[k-1] != '"' {
			// "U.S.A" style: a run of capitals after a stop is an initialism unless it is a word
			if !(k+2 < len(rs) && unicode.IsLower(rs[k+2])) && !isWordOfCaps(rs, k) {
				continue
			}
		}
		if !sentenceEnd(rs, i) {
			continue
		}
		for ; i+1 < j; i++ {
			b.WriteRune(rs[i+1])
			if rs[i+1] == '"' {
				quotes++
			}
		}
		b.WriteString("\n\n")
		quotes = 0
	}
	return b.String()
}

// isWordOfCaps: "NATO said" — capitals up to a space or punctuation, at
// least two of them.
func isWordOfCaps(rs []rune, k int) bool {
	n := 0
	for ; k < len(rs) && unicode.IsUpper(rs[k]); k++ {
		n++
	}
	return n >= 2 && (k >= len(rs) || unicode.IsSpace(rs[k]) || strings.ContainsRune(",;:'’", rs[k]))
}

// sentenceEnd decides whether the stop at rs[i] ends a sentence, looking
// at the token before it.
func sentenceEnd(rs []rune, i int) bool {
	// the token: back to the previous space
	t := i
	for t > 0 && !unicode.IsSpace(rs[t-1]) {
		t--
	}
	tok := string(rs[t:i])
	if strings.Contains(tok, "://") || strings.HasPrefix(strings.ToLower(tok), "www.") || strings.Contains(tok, "@") {
		return false // a URL or an e-mail address
	}
	// the letters right before the stop
	w := i
	for w > t && (unicode.IsLetter(rs[w-1]) || rs[w-1] == '.') {
		w--
	}
	word := string(rs[w:i])
	if word == "" {
		// a digit, a closing bracket or quote before the stop: "in 2023.The", "(1950-1953).When"
		return i > 0 && !unicode.IsSpace(rs[i-1])
	}
	if strings.Contains(word, ".") {
		return false // "U.S", "e.g", "J.K" — initials and dotted abbreviations
	}
	if utf8.RuneCountInString(word) == 1 {
		return false // an initial: "J.Smith"
	}
	return !noBreakAfter[strings.ToLower(word)]
}
