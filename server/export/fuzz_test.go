package export

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// Whatever the cell contents, the CSV writer's output parses back to the
// same cells (raw mode), and safe mode never leaves a formula trigger first.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("plain", "a,b", "q\"uote\r\nline")
	f.Add("=1+1", "\r", "\n")
	f.Add("", "👩‍🔬", "\ufeff@x")
	f.Add("x;=1+1;y", " =1+1", "＝1+1")
	f.Add("\n=1+1", "a\r\n-b", "\u00a0@x\t+y")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		cells := []string{a, b, c}
		var buf bytes.Buffer
		w := NewCSV(&buf, false)
		w.record(cells)
		w.End()
		got, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("ReadCSV: %v\n%q", err, buf.String())
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], cells) {
			t.Fatalf("round trip %q -> %q", cells, got)
		}
		buf.Reset()
		w = NewCSV(&buf, true)
		w.record(cells)
		w.End()
		got, err = ReadCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i, cell := range got[0] {
			if cell != "" && (cell[0] == '\t' || cell[0] == '\r' || startsWithSign(cell)) {
				t.Fatalf("safe mode left %q", cell)
			}
			// Every piece after ; tab CR or LF (where a ;-locale spreadsheet
			// splits the cell) starts with an apostrophe or no sign.
			for _, piece := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(";\t\r\n", r) }) {
				if startsWithSign(piece) {
					t.Fatalf("safe mode left piece %q in %q (from %q)", piece, cell, cells[i])
				}
			}
		}
	})
}
