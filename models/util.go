package models

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ParseTime is the one reading of a timestamp from outside (the API, every
// importer, query parameters): RFC 3339 and its usual near misses (no
// seconds, no colon in the offset, a space instead of T, no zone meaning
// UTC) and a plain date (UTC midnight). The result is in UTC.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z0700",
		"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func itoa(i int) string { return strconv.Itoa(i) }

func quoteKey(s string) string { return strconv.Quote(s) }

// WithPrefix returns a copy of ve whose fields are renamed with prefix
// (e.g. "labels[2]."), for errors inside arrays.
func (ve *ValidationError) WithPrefix(prefix string) *ValidationError {
	out := &ValidationError{Code: ve.Code, Message: prefix + ve.Message, Fields: map[string]string{}, Extra: ve.Extra}
	for k, v := range ve.Fields {
		out.Fields[prefix+k] = v
	}
	return out
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
