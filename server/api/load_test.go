package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"slant/models"
)

// 32 clients create, edit and delete spans over real HTTP for a bounded
// time. Afterwards every acknowledged create that was not deleted is
// present with its last acknowledged note, every acknowledged delete is
// gone, and no request failed with "database is locked" or a 5xx.
func TestMixedLoad32Clients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, strings.Repeat("abcdefghij", 500))
	const clients = 32
	users := []string{"ann", "other", "admin"}
	deadline := time.Now().Add(3 * time.Second)
	type outcome struct {
		created map[int64]string // id -> last acknowledged note
		deleted map[int64]bool
		fails   []string
	}
	results := make([]outcome, clients)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			o := outcome{created: map[int64]string{}, deleted: map[int64]bool{}}
			user := users[c%len(users)]
			var live []int64
			for i := 0; time.Now().Before(deadline); i++ {
				switch {
				case i%5 == 3 && len(live) > 0: // edit
					id := live[i%len(live)]
					note := fmt.Sprintf("c%d edit %d", c, i)
					r := e.rawDo("PATCH", fmt.Sprintf("/api/v1/annotations/%d", id), user, `{"note":"`+note+`"}`)
					if r.Status == 200 {
						o.created[id] = note
					} else {
						o.fails = append(o.fails, fmt.Sprintf("PATCH %d: %d %s", id, r.Status, r.Body))
					}
				case i%5 == 4 && len(live) > 0: // delete
					id := live[0]
					live = live[1:]
					r := e.rawDo("DELETE", fmt.Sprintf("/api/v1/annotations/%d", id), user, "")
					if r.Status == 204 {
						o.deleted[id] = true
						delete(o.created, id)
					} else {
						o.fails = append(o.fails, fmt.Sprintf("DELETE %d: %d %s", id, r.Status, r.Body))
					}
				default: // create: a unique extent per client and step
					start := (c*1000 + i) % 4900
					end := start + 1 + (c*1000+i)/4900 + c%7
					note := fmt.Sprintf("c%d new %d", c, i)
					r := e.rawDo("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID), user,
						fmt.Sprintf(`{"label":"attributed_claim","start":%d,"end":%d,"note":%q}`, start, end, note))
					switch r.Status {
					case 201:
						var a struct{ ID int64 }
						json.Unmarshal(r.Body, &a)
						o.created[a.ID] = note
						live = append(live, a.ID)
					case 409: // the same user hit the same extent: a correct answer, not a failure
					default:
						o.fails = append(o.fails, fmt.Sprintf("POST: %d %s", r.Status, r.Body))
					}
				}
			}
			results[c] = o
		}(c)
	}
	wg.Wait()
	ctx := context.Background()
	created, deleted := 0, 0
	for c, o := range results {
		for _, f := range o.fails {
			t.Errorf("client %d: %s", c, f)
		}
		for id, note := range o.created {
			a, err := e.store.GetAnnotation(ctx, id)
			if err != nil {
				t.Errorf("acknowledged create %d is missing: %v", id, err)
				continue
			}
			if a.Note != note {
				t.Errorf("annotation %d note %q, last acknowledged %q", id, a.Note, note)
			}
			created++
		}
		for id := range o.deleted {
			if _, err := e.store.GetAnnotation(ctx, id); err == nil {
				t.Errorf("acknowledged delete %d is still there", id)
			}
			deleted++
		}
	}
	n, _ := e.store.CountAnnotations(ctx, models.AnnotationFilter{ArticleID: e.article.ID, Label: "attributed_claim"})
	if int(n) != created {
		t.Errorf("%d attributed_claim spans stored, %d acknowledged and not deleted", n, created)
	}
	if created < 100 || deleted < 10 {
		t.Fatalf("too little load to mean anything: %d live creates, %d deletes", created, deleted)
	}
	t.Logf("32 clients: %d live creates, %d deletes verified", created, deleted)
}

// rawDo is do without the OpenAPI response check (which would dominate
// the load), safe to call from many goroutines.
func (e *testEnv) rawDo(method, path, user, body string) resp {
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return resp{Body: []byte(err.Error())}
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return resp{Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}
