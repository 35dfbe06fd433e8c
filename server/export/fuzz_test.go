package export

import (
	"bytes"
	"reflect"
	"testing"
)

// Whatever the cell contents, the CSV writer's output parses back to the
// same cells (raw mode), and safe mode never leaves a formula trigger first.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("plain", "a,b", "q\"uote\r\nline")
	f.Add("=1+1", "\r", "\n")
	f.Add("", "👩‍🔬", "\ufeff@x")
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
		for _, cell := range got[0] {
			if cell != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(cell[0])) {
				t.Fatalf("safe mode left %q", cell)
			}
		}
	})
}
