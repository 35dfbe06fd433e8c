package api

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// decodeBytes never silently changes a string: whatever it accepts, the
// decoded text re-encodes to the same JSON string value, and it refuses
// invalid UTF-8 and unpaired surrogate escapes instead of inserting U+FFFD.
func FuzzDecodeNeverAltersText(f *testing.F) {
	f.Add([]byte(`{"text":"ok \ud83d\udcc8"}`))
	f.Add([]byte(`{"text":"bad \ud800"}`))
	f.Add([]byte("{\"text\":\"\xff\"}"))
	f.Add([]byte(`{"text":"\\ud800"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			Text string `json:"text"`
		}
		if err := decodeBytes(body, &v); err != nil {
			return
		}
		if !utf8.ValidString(v.Text) {
			t.Fatalf("accepted invalid UTF-8 %q from %q", v.Text, body)
		}
		var loose struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(body, &loose); err != nil || loose.Text != v.Text {
			t.Fatalf("strict and standard decoding disagree on %q", body)
		}
		for _, r := range v.Text {
			if r == utf8.RuneError && !containsReplacement(body) {
				t.Fatalf("U+FFFD appeared from %q", body)
			}
		}
	})
}

func containsReplacement(b []byte) bool {
	s := string(b)
	return containsFold(s, `\ufffd`) || containsFold(s, "\uFFFD")
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		match := true
		for j := 0; j < len(sub); j++ {
			a, b := s[i+j], sub[j]
			if a >= 'A' && a <= 'Z' {
				a += 32
			}
			if b >= 'A' && b <= 'Z' {
				b += 32
			}
			if a != b {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
