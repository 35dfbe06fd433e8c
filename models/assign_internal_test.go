package models

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type assignFixture struct {
	s     *Store
	p     *Project
	users map[string]int64
	arts  []int64
}

func newAssignFixture(t *testing.T, k, articles int, annotators ...string) *assignFixture {
	t.Helper()
	ctx := context.Background()
	f := &assignFixture{s: newInternalStore(t), p: &Project{Name: "Assign", AnnotatorsPerArticle: k}, users: map[string]int64{}}
	if err := f.s.CreateProject(ctx, f.p, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range annotators {
		f.join(t, name, MemberAnnotator)
	}
	f.add(t, articles)
	return f
}

func (f *assignFixture) join(t *testing.T, name, role string) {
	t.Helper()
	ctx := context.Background()
	id, ok := f.users[name]
	if !ok {
		u, err := f.s.CreateUser(ctx, name, RoleAnnotator, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		id = u.ID
		f.users[name] = id
	}
	if _, _, err := f.s.SetMember(ctx, f.p.ID, id, role); err != nil {
		t.Fatal(err)
	}
}

func (f *assignFixture) add(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		arts, err := f.s.CreateArticles(context.Background(), f.p.ID, []ArticleIn{{Title: fmt.Sprintf("Article %d", len(f.arts)), Text: fmt.Sprintf("Text number %d.", len(f.arts))}})
		if err != nil {
			t.Fatal(err)
		}
		f.arts = append(f.arts, arts[0].ID)
	}
}

func (f *assignFixture) run(t *testing.T) int {
	t.Helper()
	n, err := f.s.AutoAssign(context.Background(), f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// state maps each article to its annotators' names, sorted.
func (f *assignFixture) state(t *testing.T) map[int64]string {
	t.Helper()
	names := map[int64]string{}
	for n, id := range f.users {
		names[id] = n
	}
	rows, err := f.s.rd(context.Background()).Raw(`SELECT article_id, user_id FROM assignments WHERE project_id = ? ORDER BY article_id, user_id`, f.p.ID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var a, u int64
		if err := rows.Scan(&a, &u); err != nil {
			t.Fatal(err)
		}
		if out[a] != "" {
			out[a] += ","
		}
		out[a] += names[u]
	}
	return out
}

// loads is each annotator's number of assignments.
func (f *assignFixture) loads(t *testing.T) map[string]int64 {
	t.Helper()
	ps, err := f.s.Progress(context.Background(), f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, p := range ps {
		if p.Role == MemberAnnotator {
			out[p.Name] = p.Assigned
		}
	}
	return out
}

func spread(l map[string]int64) int64 {
	lo, hi := int64(1<<62), int64(0)
	for _, n := range l {
		lo, hi = min(lo, n), max(hi, n)
	}
	return hi - lo
}

// every article has exactly want annotators, all distinct
func (f *assignFixture) checkFull(t *testing.T, want int, step string) {
	t.Helper()
	st := f.state(t)
	for _, a := range f.arts {
		got := strings.Split(st[a], ",")
		if st[a] == "" {
			got = nil
		}
		if len(got) != want {
			t.Fatalf("%s: article %d has annotators %q, want %d", step, a, st[a], want)
		}
	}
}

func TestAutoAssignBalancedWithUnevenCounts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ k, articles, annotators int }{{1, 10, 3}, {2, 7, 3}, {3, 11, 4}, {2, 5, 7}, {3, 4, 2}} {
		t.Run(fmt.Sprintf("k%d_%darticles_%dannotators", c.k, c.articles, c.annotators), func(t *testing.T) {
			t.Parallel()
			var names []string
			for i := 0; i < c.annotators; i++ {
				names = append(names, fmt.Sprintf("ann%d", i))
			}
			f := newAssignFixture(t, c.k, c.articles, names...)
			f.join(t, "cur", MemberCurator) // curators are not in the pool
			want := min(c.k, c.annotators)
			if n := f.run(t); n != want*c.articles {
				t.Fatalf("made %d assignments, want %d", n, want*c.articles)
			}
			f.checkFull(t, want, "first run")
			l := f.loads(t)
			if spread(l) > 1 {
				t.Fatalf("loads %v: spread above 1", l)
			}
			if _, ok := l["cur"]; ok || strings.Contains(fmt.Sprint(f.state(t)), "cur") {
				t.Fatal("a curator was assigned")
			}
			before := f.state(t)
			if n := f.run(t); n != 0 {
				t.Fatalf("a second run made %d assignments", n)
			}
			if !reflect.DeepEqual(before, f.state(t)) {
				t.Fatal("a second run changed the assignments")
			}
		})
	}
}

func TestAutoAssignIsDeterministic(t *testing.T) {
	t.Parallel()
	a := newAssignFixture(t, 2, 9, "x", "y", "z")
	b := newAssignFixture(t, 2, 9, "x", "y", "z")
	a.run(t)
	b.run(t)
	if !reflect.DeepEqual(fmt.Sprint(a.state(t)), fmt.Sprint(b.state(t))) {
		t.Fatalf("two runs on the same data differ:\n%v\n%v", a.state(t), b.state(t))
	}
}

// An article keeps its annotators when a member joins; the newcomer gets
// the articles that arrive next, until the loads even out.
func TestAutoAssignStableWhenAMemberJoins(t *testing.T) {
	t.Parallel()
	f := newAssignFixture(t, 2, 6, "ann0", "ann1", "ann2")
	f.run(t) // 12 slots: 4 each
	before := f.state(t)
	f.join(t, "late", MemberAnnotator)
	if n := f.run(t); n != 0 {
		t.Fatalf("a run after a member joined made %d assignments with no open slot", n)
	}
	if !reflect.DeepEqual(before, f.state(t)) {
		t.Fatalf("a member joining moved articles:\n%v\n%v", before, f.state(t))
	}
	f.add(t, 3) // 6 slots: the newcomer takes one of each new article
	if n := f.run(t); n != 6 {
		t.Fatalf("made %d, want 6", n)
	}
	after := f.state(t)
	for a, names := range before {
		if after[a] != names {
			t.Fatalf("article %d went from %q to %q", a, names, after[a])
		}
	}
	// a newcomer can take only one slot of an article: 5, 5, 5 and 3
	if l := f.loads(t); l["late"] != 3 || l["ann0"] != 5 || l["ann1"] != 5 || l["ann2"] != 5 {
		t.Fatalf("loads %v: the newcomer should have taken one slot of each new article", l)
	}
	f.checkFull(t, 2, "after new articles")
}

// A member who leaves gives their articles back; the next run gives each
// freed slot to someone else, and the others keep theirs.
func TestAutoAssignRefillsAfterRemoval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAssignFixture(t, 2, 9, "ann0", "ann1", "ann2", "ann3")
	f.run(t)
	before := f.state(t)
	gone := f.users["ann1"]
	if err := f.s.RemoveMember(ctx, f.p.ID, gone); err != nil {
		t.Fatal(err)
	}
	var left int64
	f.s.rd(ctx).Raw(`SELECT COUNT(*) FROM assignments WHERE user_id = ?`, gone).Row().Scan(&left)
	if left != 0 {
		t.Fatalf("%d assignments of a removed member remain", left)
	}
	freed := 0
	for _, names := range before {
		if strings.Contains(names, "ann1") {
			freed++
		}
	}
	if n := f.run(t); n != freed {
		t.Fatalf("refilled %d slots, %d were freed", n, freed)
	}
	f.checkFull(t, 2, "after refill")
	after := f.state(t)
	for a, names := range before {
		for _, n := range strings.Split(names, ",") {
			if n != "ann1" && !strings.Contains(after[a], n) {
				t.Fatalf("article %d lost %s: %q -> %q", a, n, names, after[a])
			}
		}
	}
	// the freed slots went to the least loaded who were not already on
	// each article: 18 slots among three, no one above 7
	l := f.loads(t)
	if l["ann0"]+l["ann2"]+l["ann3"] != 18 || spread(l) > 2 {
		t.Fatalf("loads %v after refill", l)
	}
	t.Logf("loads after refill: %v", l)
}

func TestAssignByHand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAssignFixture(t, 1, 4, "ann0", "ann1")
	f.join(t, "cur", MemberCurator)
	if err := f.s.SetDone(ctx, f.users["ann0"], f.arts[0], true); err != nil {
		t.Fatal(err)
	}
	// title filter: "Article 1" only
	n, err := f.s.Assign(ctx, f.p.ID, ArticleFilter{Q: "Article 1"}, []int64{f.users["ann0"], f.users["cur"]})
	if err != nil || n != 2 {
		t.Fatalf("assigned %d (%v), want 2", n, err)
	}
	// status is read per user: ann0 has article 0 done
	n, err = f.s.Assign(ctx, f.p.ID, ArticleFilter{Status: "todo"}, []int64{f.users["ann0"]})
	if err != nil || n != 2 { // articles 2 and 3 (1 already assigned, 0 done)
		t.Fatalf("assigned %d (%v), want 2", n, err)
	}
	if n, err := f.s.Assign(ctx, f.p.ID, ArticleFilter{Status: "todo"}, []int64{f.users["ann0"]}); err != nil || n != 0 {
		t.Fatalf("a repeat assigned %d (%v)", n, err)
	}
	outsider, err := f.s.CreateUser(ctx, "outsider", RoleAnnotator, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if _, err := f.s.Assign(ctx, f.p.ID, ArticleFilter{}, []int64{f.users["ann1"], outsider.ID}); !errors.As(err, &ve) || ve.Fields["users[1]"] == "" {
		t.Fatalf("assigning a non-member: %v", err)
	}
	if got := f.state(t); got[f.arts[1]] != "ann0,cur" || got[f.arts[2]] != "ann0" || got[f.arts[0]] != "" {
		t.Fatalf("assignments %v", got)
	}
	// the refused request assigned nobody (one transaction)
	if l := f.loads(t); l["ann1"] != 0 {
		t.Fatalf("loads %v", l)
	}
	// the automatic run fills only what is open: article 0 and 3... k=1,
	// so only article 0 (the others have an annotator)
	if n := f.run(t); n != 1 {
		t.Fatalf("auto run after manual assignment made %d, want 1", n)
	}
}

func TestProgressAndQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAssignFixture(t, 1, 9, "ann0", "ann1", "ann2")
	f.run(t) // 3 each
	u := f.users["ann1"]
	var mine []int64
	for _, a := range f.arts {
		if f.state(t)[a] == "ann1" {
			mine = append(mine, a)
		}
	}
	if len(mine) != 3 {
		t.Fatalf("ann1 has %v", mine)
	}
	// done: the first; a span on the second; a span on someone else's article
	if err := f.s.SetDone(ctx, u, mine[0], true); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.arts { // a done mark on an article not assigned to ann1 is not counted
		if f.state(t)[a] != "ann1" {
			if err := f.s.SetDone(ctx, u, a, true); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if _, err := f.s.CreateAnnotation(ctx, AnnotationIn{ArticleID: mine[1], UserID: u, Label: "opinion", Start: 0, End: 4}); err != nil {
		t.Fatal(err)
	}
	ps, err := f.s.Progress(ctx, f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 || ps[1].Name != "ann1" || ps[1].Assigned != 3 || ps[1].Done != 1 || ps[1].Spans != 1 {
		t.Fatalf("progress %+v", ps)
	}
	// the queue: unfinished first, then done, paged one row at a time
	var got []int64
	cur := ""
	for i := 0; i < 10; i++ {
		rows, next, err := f.s.ListArticles(ctx, ArticleFilter{ProjectID: f.p.ID, UserID: u, Assigned: true}, Page{Limit: 1, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if !r.Assigned {
				t.Fatalf("row %d not flagged assigned", r.ID)
			}
			got = append(got, r.ID)
		}
		if next == nil {
			break
		}
		cur = *next
	}
	if want := []int64{mine[1], mine[2], mine[0]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("queue %v, want %v (unfinished first, then done)", got, want)
	}
	all, _, err := f.s.ListArticles(ctx, ArticleFilter{ProjectID: f.p.ID, UserID: u, Assigned: true}, Page{Limit: 100})
	if err != nil || len(all) != 3 {
		t.Fatalf("one page: %d rows (%v)", len(all), err)
	}
	todo, _, err := f.s.ListArticles(ctx, ArticleFilter{ProjectID: f.p.ID, UserID: u, Assigned: true, Status: "todo"}, Page{Limit: 100})
	if err != nil || len(todo) != 2 || todo[0].ID != mine[1] || todo[1].ID != mine[2] {
		t.Fatalf("to-do queue %+v (%v)", todo, err)
	}
	// the plain list flags the caller's assigned rows
	rows, _, err := f.s.ListArticles(ctx, ArticleFilter{ProjectID: f.p.ID, UserID: u}, Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Assigned {
			n++
		}
	}
	if len(rows) != 9 || n != 3 {
		t.Fatalf("plain list: %d rows, %d flagged", len(rows), n)
	}
	if _, _, err := f.s.ListArticles(ctx, ArticleFilter{ProjectID: f.p.ID, UserID: u, Assigned: true}, Page{Limit: 1, Cursor: encodeCursor(5)}); err == nil {
		t.Fatal("a one-key cursor was accepted by the queue")
	}
}

// The queue and progress read the caller's range of the assignments
// index; neither may scan assignments, spans or done marks.
func TestAssignQueryPlansStayFlat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	p := &Project{Name: "Plans"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	bad := []string{"SCAN mine", "SCAN asg", "SCAN s", "SCAN n", "SCAN d", "SCAN annotations", "SCAN assignments", "SCAN article_done"}
	check := func(name, plan string) {
		t.Helper()
		for _, b := range bad {
			if strings.Contains(plan+"\n", b+" ") || strings.Contains(plan+"\n", b+"\n") {
				t.Errorf("%s plan uses %q:\n%s", name, b, plan)
			}
		}
	}
	for _, status := range []string{"todo", "done"} {
		q, err := s.articleListQuery(ctx, ArticleFilter{ProjectID: p.ID, UserID: 1, Assigned: true, Status: status}, Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var rows []ArticleSummary
		plan := planOf(t, s, q, &rows)
		check("queue "+status, plan)
		if !strings.Contains(plan, "idx_assignments_user") {
			t.Errorf("queue %s does not read the caller's assignments by index:\n%s", status, plan)
		}
	}
	var rows []AnnotatorProgress
	plan := planOf(t, s, s.progressQuery(ctx, p.ID), &rows)
	check("progress", plan)
	for _, idx := range []string{"idx_assignments_user", "idx_annotations_user_project"} {
		if !strings.Contains(plan, idx) {
			t.Errorf("progress does not use %s:\n%s", idx, plan)
		}
	}
}
