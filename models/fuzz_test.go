package models

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"
)

// The code-point slicing must agree with Python's str slicing (modelled by
// []rune) for any valid UTF-8 text and any offsets.
func FuzzSliceMatchesRunes(f *testing.F) {
	for _, s := range unicodeTexts {
		f.Add(s, 1, 5)
	}
	f.Add("👩‍🔬\r\n", 0, 3)
	f.Add("", 0, 1)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		if !utf8.ValidString(text) {
			return
		}
		r := []rune(text)
		want, wantOK := "", start >= 0 && start < end && end <= len(r)
		if wantOK {
			want = string(r[start:end])
		}
		got, ok := Slice(text, start, end)
		if ok != wantOK || got != want {
			t.Fatalf("Slice(%q,%d,%d) = %q,%v want %q,%v", text, start, end, got, ok, want, wantOK)
		}
		ix := NewSpanIndex(text)
		for i := 0; i < 6; i++ { // past the lazy-table threshold
			got, ok = ix.Slice(start, end)
			if ok != wantOK || got != want {
				t.Fatalf("SpanIndex.Slice(%q,%d,%d) call %d = %q,%v want %q", text, start, end, i, got, ok, want)
			}
		}
		if wantOK {
			b, a := ix.Context(start, end, 3)
			if b != string(r[max(0, start-3):start]) || a != string(r[end:min(len(r), end+3)]) {
				t.Fatalf("Context(%q,%d,%d) = %q,%q", text, start, end, b, a)
			}
		}
	})
}

func TestExpiredSessionIsRefused(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/s.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "exp", RoleAnnotator, "long enough")
	if err != nil {
		t.Fatal(err)
	}
	sess, secret, err := s.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserBySession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	s.wr(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("expires_at", time.Now().UTC().Add(-time.Second))
	if _, _, err := s.UserBySession(ctx, secret); err == nil {
		t.Fatal("expired session accepted")
	}
}
