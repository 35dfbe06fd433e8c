package ingest

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"slant/models"
)

// The heartbeat writes outside the import's chunk while the chunk holds
// the single writer connection and runs the same UPDATE at its commit.
// With gorm's prepared-statement cache on the writer this deadlocked (the
// chunk waited for the heartbeat's preparation, which waited for the
// connection); a heartbeat every millisecond and long chunks make that
// race certain.
func TestHeartbeatDuringLongChunksDoesNotDeadlock(t *testing.T) {
	s, err := models.Open(filepath.Join(t.TempDir(), "hb.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "hb", models.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "hb"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	const n = 300
	src := func(yield func(*Item) error) error {
		for i := range n {
			time.Sleep(200 * time.Microsecond) // a slow parser: heartbeats fire inside chunks
			if err := yield(&Item{File: "f", Line: i + 1, Article: &models.ArticleIn{Text: "Text number " + strconv.Itoa(i) + "."}}); err != nil {
				return err
			}
		}
		return nil
	}
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Run(ctx, s, Options{ProjectID: p.ID, UserID: u.ID, Chunk: 20 * time.Millisecond, heartbeat: time.Millisecond}, src)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		s.Close()
		if r.err != nil || r.rep.ArticlesCreated != n {
			t.Fatalf("%+v %v; want %d articles", r.rep, r.err, n)
		}
	case <-time.After(60 * time.Second):
		// the store is left open: closing it would wait on the deadlock
		t.Fatal("import with concurrent heartbeats did not finish: deadlock on the writer")
	}
}
