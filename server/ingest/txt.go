package ingest

import (
	"bytes"
	"path"
	"strings"

	"slant/models"
)

// ParseText reads a plain-text article: the first non-empty line is the
// title, the rest (after the blank lines that follow the title) is the
// text, byte for byte. A file of one line is both title and text.
func ParseText(name string, data []byte) (*Item, error) {
	data = bytes.TrimPrefix(data, bom)
	s := string(data)
	line := 1
	for {
		l, rest, ok := strings.Cut(s, "\n")
		if strings.TrimSpace(l) != "" || !ok {
			break
		}
		s, line = rest, line+1
	}
	titleLine, rest, _ := strings.Cut(s, "\n")
	title := strings.TrimSpace(titleLine)
	text := strings.TrimLeft(rest, "\r\n")
	if strings.TrimSpace(text) == "" {
		text = strings.TrimRight(strings.TrimLeft(titleLine, " \t"), "\r")
	}
	if title == "" {
		return nil, fail(name, 1, "", "file is empty")
	}
	return &Item{File: name, Line: line, Article: &models.ArticleIn{
		Title: title, Text: text, Metadata: models.JSONMap{"file": path.Base(name)},
	}}, nil
}
