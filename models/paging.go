package models

import (
	"encoding/base64"
	"encoding/json"
)

// Page asks for one page of a keyset-paged list.
type Page struct {
	Limit  int    // 1..MaxLimit; 0 means DefaultLimit
	Cursor string // opaque, from a previous page's NextCursor
}

const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// limit returns the effective page size.
func (p Page) limit() int {
	if p.Limit <= 0 {
		return DefaultLimit
	}
	return min(p.Limit, MaxLimit)
}

// A cursor is the sort key of the last row of the previous page, encoded
// so clients treat it as opaque. Because lists are ordered by a unique key
// and read "after" it, rows added while paging never shift a page: no row
// is skipped or repeated.
type cursor struct {
	K []int64 `json:"k"`
}

func encodeCursor(keys ...int64) string {
	b, _ := json.Marshal(cursor{K: keys})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the n keys of c, or nil for an empty cursor.
func decodeCursor(c string, n int) ([]int64, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var cur cursor
	if err == nil {
		err = json.Unmarshal(b, &cur)
	}
	if err != nil || len(cur.K) != n {
		return nil, Invalid("cursor", "is not a cursor returned by this list")
	}
	return cur.K, nil
}

// pageOf trims rows to the limit and returns the next cursor (nil at the end).
func pageOf[T any](rows []T, limit int, key func(T) []int64) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	c := encodeCursor(key(rows[len(rows)-1])...)
	return rows, &c
}
