package ingest

import (
	"testing"
)

// FuzzBrat feeds arbitrary .ann content against a text with CRLF and an
// emoji: no panic, every span inside the text, every relation between
// two of the item's spans.
func FuzzBrat(f *testing.F) {
	for _, seed := range []string{
		"T1\tsource 0 3\tDie\nR1\tsaid_by Arg1:T1 Arg2:T1\n",
		"T1\tclaim 0 3;5 9\tDie x\nE1\tClaim:T1 Source:T1 Cue2:E1\nA1\tNeg E1\n#1\tAnnotatorNotes E1\tn\n",
		"E1\tClaim:E2 X:E1\nE2\tClaim:E1\nA1\tx E1 v\n",
		"T1\tx 3 2\t\nT2\tx -1 4\nT3\tx 0 999999999999999999999\n*\tEquiv T1 T2\n",
	} {
		f.Add(seed)
	}
	text := "Die „Preise“ 👩‍🔬\r\nsinken.\r\n"
	f.Fuzz(func(t *testing.T, ann string) {
		items := parseAll(t, []Input{BytesInput("d.txt", []byte(text)), BytesInput("d.ann", []byte(ann))}, "brat")
		n := len([]rune(text))
		for _, it := range items {
			for _, sp := range it.Spans {
				if sp.Start < 0 || sp.End > n || sp.Start >= sp.End {
					t.Fatalf("span [%d, %d) outside the text of %d code points", sp.Start, sp.End, n)
				}
			}
			for _, r := range it.Relations {
				if r.From < 0 || r.From >= len(it.Spans) || r.To < 0 || r.To >= len(it.Spans) {
					t.Fatalf("relation %+v between spans that are not there (%d spans)", r, len(it.Spans))
				}
			}
		}
	})
}
