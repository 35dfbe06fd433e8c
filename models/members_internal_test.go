package models

import (
	"context"
	"path/filepath"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// Upgrading to memberships takes nobody's access away: every user who
// is not an admin becomes an annotator of every project that existed;
// admins stay admins and see everything; a project made after the
// upgrade has no members until someone adds them.
func TestMembershipUpgradeKeepsEveryonesAccess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := gorm.Open(sqlite.Open(DSN(path, true)), gormConfig(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(db, 6); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, name, role, password_hash, password_changed_at, created_at, updated_at) VALUES
			(1, 'root', 'admin', 'x', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00'),
			(2, 'ana', 'annotator', 'x', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00'),
			(3, 'ben', 'annotator', 'x', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')`,
		`INSERT INTO projects (id, name, description, created_at, updated_at) VALUES
			(1, 'One', '', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00'),
			(2, 'Two', '', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')`,
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, c := range []struct {
		user      User
		project   int64
		role      string
		notMember bool
	}{
		{User{ID: 1, Role: RoleAdmin}, 1, RoleAdmin, false},
		{User{ID: 2, Role: RoleAnnotator}, 1, MemberAnnotator, false},
		{User{ID: 3, Role: RoleAnnotator}, 2, MemberAnnotator, false},
	} {
		a, err := s.ProjectAccess(ctx, c.project, &c.user)
		if err != nil || a.Role != c.role || a.Blind {
			t.Errorf("user %d in project %d: %+v %v", c.user.ID, c.project, a, err)
		}
	}
	p := &Project{Name: "After"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProjectAccess(ctx, p.ID, &User{ID: 2, Role: RoleAnnotator}); !isNotFound(err) {
		t.Errorf("a new project is open to a non-member: %v", err)
	}
	if _, err := s.ProjectAccess(ctx, 999, &User{ID: 1, Role: RoleAdmin}); !isNotFound(err) {
		t.Errorf("a missing project for an admin: %v", err)
	}
	ps, _, err := s.ListProjectsFor(ctx, &User{ID: 3, Role: RoleAnnotator}, Page{})
	if err != nil || len(ps) != 2 || ps[0].Role != MemberAnnotator {
		t.Errorf("ben's projects: %+v %v", ps, err)
	}
	ps, _, _ = s.ListProjectsFor(ctx, &User{ID: 1, Role: RoleAdmin}, Page{})
	if len(ps) != 3 || ps[2].Role != RoleAdmin {
		t.Errorf("the admin's projects: %+v", ps)
	}
}

// Only annotators are assigned articles: a member made curator gives up
// their slots, and the next run gives them to the annotators.
func TestPromotedMemberReleasesAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	p := &Project{Name: "k"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	var users []*User
	for _, n := range []string{"ana", "ben"} {
		u, err := s.CreateUser(ctx, n, RoleAnnotator, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SetMember(ctx, p.ID, u.ID, MemberAnnotator); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	for i := 0; i < 4; i++ {
		if _, err := s.CreateArticles(ctx, p.ID, []ArticleIn{{Title: "t", Text: "text " + itoa(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AutoAssign(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	assigned := func() map[string]int64 {
		prog, err := s.Progress(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range prog {
			out[r.Name] = r.Assigned
		}
		return out
	}
	if a := assigned(); a["ana"] != 2 || a["ben"] != 2 {
		t.Fatalf("balanced start: %v", a)
	}
	if _, _, err := s.SetMember(ctx, p.ID, users[0].ID, MemberCurator); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AutoAssign(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if a := assigned(); a["ana"] != 0 || a["ben"] != 4 {
		t.Fatalf("after promoting ana: %v", a)
	}
}
