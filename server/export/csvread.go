package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSV parses RFC 4180 CSV exactly: unlike encoding/csv it keeps every
// byte inside quoted fields (a CRLF in a quoted field stays CRLF), so it is
// the inverse of the CSV writer. Records end with LF or CRLF.
func ReadCSV(r io.Reader) ([][]string, error) {
	br := bufio.NewReader(r)
	var recs [][]string
	var rec []string
	var field strings.Builder
	inQuotes, atStart, line := false, true, 1
	endField := func() {
		rec = append(rec, field.String())
		field.Reset()
		atStart = true
	}
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			if inQuotes {
				return nil, fmt.Errorf("line %d: unterminated quoted field", line)
			}
			if !atStart || len(rec) > 0 {
				endField()
				recs = append(recs, rec)
			}
			return recs, nil
		}
		if err != nil {
			return nil, err
		}
		if inQuotes {
			if c == '"' {
				next, err := br.ReadByte()
				if err == nil && next == '"' {
					field.WriteByte('"')
					continue
				}
				if err == nil {
					br.UnreadByte()
				}
				inQuotes = false
				continue
			}
			if c == '\n' {
				line++
			}
			field.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			if !atStart {
				return nil, fmt.Errorf("line %d: quote inside an unquoted field", line)
			}
			inQuotes, atStart = true, false
		case ',':
			endField()
		case '\r':
			next, err := br.ReadByte()
			if err != nil || next != '\n' {
				return nil, fmt.Errorf("line %d: bare CR outside quotes", line)
			}
			fallthrough
		case '\n':
			endField()
			recs = append(recs, rec)
			rec = nil
			line++
		default:
			field.WriteByte(c)
			atStart = false
		}
	}
}
