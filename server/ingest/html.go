package ingest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"

	"slant/models"
)

// ParseHTML extracts the readable article of an HTML page (Mozilla
// Readability's algorithm, via go-readability) as paragraphs separated by
// blank lines, with its metadata from og:/article: meta tags and JSON-LD:
// title, author, date, site name, language and canonical URL. pageURL is
// where the page came from ("" for an uploaded file).
func ParseHTML(name string, data []byte, pageURL string) (*Item, error) {
	doc, err := html.Parse(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	if err != nil {
		return nil, fail(name, 1, "", "cannot parse HTML: %v", err)
	}
	meta := pageMeta(doc)
	base := pageURL
	if base == "" {
		base = meta.canonical
	}
	var baseURL *url.URL
	if base != "" {
		baseURL, _ = url.Parse(base)
	}
	art, err := readability.FromDocument(doc, baseURL)
	if err != nil || art.Node == nil {
		return nil, fail(name, 1, "text", "no readable article text in this HTML")
	}
	text := paragraphs(render.InnerText(art.Node))
	if strings.TrimSpace(text) == "" {
		return nil, fail(name, 1, "text", "no readable article text in this HTML")
	}
	in := &models.ArticleIn{Text: text, Metadata: models.JSONMap{}}
	in.Title = firstNonEmpty(art.Title(), meta.title)
	in.Author = firstNonEmpty(meta.author, art.Byline())
	in.Language = firstNonEmpty(art.Language(), meta.lang)
	in.URL = firstNonEmpty(meta.canonical, pageURL)
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		in.URL = pageURL
	}
	if t, err := art.PublishedTime(); err == nil {
		t = t.UTC()
		in.PublishedAt = &t
	} else if t, ok := models.ParseTime(meta.published); ok {
		in.PublishedAt = &t
	}
	if pageURL != "" && in.URL != pageURL {
		in.Metadata["fetched_url"] = pageURL
	}
	if s := art.SiteName(); s != "" {
		in.Metadata["site_name"] = s
	}
	if s := art.Excerpt(); s != "" {
		in.Metadata["description"] = s
	}
	if meta.section != "" {
		in.Metadata["section"] = meta.section
	}
	if len(meta.tags) > 0 {
		in.Metadata["tags"] = toAny(meta.tags)
	}
	if len(meta.keywords) > 0 {
		in.Metadata["keywords"] = toAny(meta.keywords)
	}
	if t, err := art.ModifiedTime(); err == nil {
		in.Metadata["modified_at"] = t.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	if pageURL == "" {
		in.Metadata["file"] = path.Base(name)
	}
	return &Item{File: name, Line: 1, Article: in}, nil
}

// paragraphs trims each line and joins the non-empty ones with a blank line.
func paragraphs(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n\n")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

type htmlMeta struct {
	title, author, lang, canonical, published, section string
	tags, keywords                                     []string
}

// pageMeta reads what readability does not expose: the canonical URL,
// keywords, section and tags, and the JSON-LD author.
func pageMeta(doc *html.Node) htmlMeta {
	var m htmlMeta
	var ogURL string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := func(k string) string {
				for _, a := range n.Attr {
					if strings.EqualFold(a.Key, k) {
						return strings.TrimSpace(a.Val)
					}
				}
				return ""
			}
			switch n.Data {
			case "html":
				m.lang = attr("lang")
			case "link":
				if strings.EqualFold(attr("rel"), "canonical") && m.canonical == "" {
					m.canonical = attr("href")
				}
			case "meta":
				key := strings.ToLower(firstNonEmpty(attr("property"), attr("name")))
				val := attr("content")
				switch key {
				case "og:url":
					ogURL = val
				case "og:title":
					m.title = val
				case "article:section":
					m.section = val
				case "article:tag":
					m.tags = append(m.tags, val)
				case "article:published_time":
					m.published = val
				case "keywords", "news_keywords":
					for _, k := range strings.Split(val, ",") {
						if k = strings.TrimSpace(k); k != "" {
							m.keywords = append(m.keywords, k)
						}
					}
				case "author", "article:author":
					if m.author == "" && !strings.HasPrefix(val, "http") {
						m.author = val
					}
				}
			case "script":
				if strings.EqualFold(attr("type"), "application/ld+json") && n.FirstChild != nil {
					jsonLD(n.FirstChild.Data, &m)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if m.canonical == "" {
		m.canonical = ogURL
	}
	return m
}

// jsonLD picks author names, the date and the URL of an Article object.
func jsonLD(s string, m *htmlMeta) {
	var v any
	if json.Unmarshal([]byte(strings.TrimSpace(s)), &v) != nil {
		return
	}
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e)
			}
		case map[string]any:
			if g, ok := x["@graph"]; ok {
				visit(g)
			}
			t, _ := x["@type"].(string)
			if !strings.Contains(t, "Article") && t != "Report" && t != "WebPage" {
				return
			}
			if m.author == "" {
				m.author = ldNames(x["author"])
			}
			if d, ok := x["datePublished"].(string); ok && m.published == "" {
				m.published = d
			}
			if u, ok := x["url"].(string); ok && m.canonical == "" && strings.Contains(t, "Article") {
				m.canonical = u
			}
			if l, ok := x["inLanguage"].(string); ok && m.lang == "" {
				m.lang = l
			}
		}
	}
	visit(v)
}

func ldNames(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		n, _ := x["name"].(string)
		return n
	case []any:
		var names []string
		for _, e := range x {
			if n := ldNames(e); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}
