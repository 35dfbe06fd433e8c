package models

import (
	"errors"
	"strconv"
)

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
