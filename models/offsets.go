package models

import (
	"strings"
	"unicode/utf8"
)

// The offset contract: start and end are 0-based, end-exclusive counts of
// Unicode code points into the stored text, exactly like Python's
// text[start:end]. Nothing here normalises the text: CRLF, a BOM, NFD
// sequences and ZWJ emoji each count as the code points they are made of.

// CodePointLen returns the number of Unicode code points in s.
func CodePointLen(s string) int { return utf8.RuneCountInString(s) }

// ValidSpan reports whether [start, end) is a non-empty span inside a text
// of length code points.
func ValidSpan(start, end, length int) bool {
	return start >= 0 && start < end && end <= length
}

// byteOffset returns the byte index of code point cp in s, or -1 when cp is
// past the end. cp == number of code points yields len(s).
func byteOffset(s string, cp int) int {
	if cp < 0 {
		return -1
	}
	n := 0
	for i := range s {
		if n == cp {
			return i
		}
		n++
	}
	if n == cp {
		return len(s)
	}
	return -1
}

// Slice returns s[start:end] counted in code points. ok is false when the
// span is out of range or empty.
func Slice(s string, start, end int) (string, bool) {
	if start < 0 || start >= end {
		return "", false
	}
	b := byteOffset(s, start)
	if b < 0 {
		return "", false
	}
	rest := s[b:]
	e := byteOffset(rest, end-start)
	if e < 0 {
		return "", false
	}
	return rest[:e], true
}

// SpanIndex maps code-point offsets to byte offsets for one text. Pure
// ASCII needs no table; otherwise the first couple of lookups scan the text
// and later ones build and use a table, so a single check stays cheap and
// many slices of one text (export, bulk) stay fast. Not safe for
// concurrent use.
type SpanIndex struct {
	text   string
	ascii  bool
	n      int
	lookup int
	bytes  []int32 // bytes[cp] = byte offset of code point cp; len = n+1
}

// NewSpanIndex indexes text.
func NewSpanIndex(text string) *SpanIndex {
	ix := &SpanIndex{text: text, ascii: true}
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ix.ascii = false
			break
		}
	}
	if ix.ascii {
		ix.n = len(text)
	} else {
		ix.n = utf8.RuneCountInString(text)
	}
	return ix
}

// Len returns the number of code points of the indexed text.
func (ix *SpanIndex) Len() int { return ix.n }

func (ix *SpanIndex) at(cp int) int {
	if ix.ascii {
		return cp
	}
	if ix.bytes == nil {
		if ix.lookup++; ix.lookup <= 4 {
			return byteOffset(ix.text, cp)
		}
		ix.bytes = make([]int32, 0, ix.n+1)
		for i := range ix.text {
			ix.bytes = append(ix.bytes, int32(i))
		}
		ix.bytes = append(ix.bytes, int32(len(ix.text)))
	}
	return int(ix.bytes[cp])
}

// Slice returns the code-point span [start, end), or ok=false when invalid.
func (ix *SpanIndex) Slice(start, end int) (string, bool) {
	if !ValidSpan(start, end, ix.Len()) {
		return "", false
	}
	return ix.text[ix.at(start):ix.at(end)], true
}

// Context returns up to n code points either side of a valid span.
func (ix *SpanIndex) Context(start, end, n int) (before, after string) {
	l := ix.Len()
	from, to := max(start-n, 0), min(end+n, l)
	return ix.text[ix.at(from):ix.at(start)], ix.text[ix.at(end):ix.at(to)]
}

// IsBlank reports whether s holds only whitespace.
func IsBlank(s string) bool { return strings.TrimSpace(s) == "" }
