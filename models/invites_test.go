package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

func inviteFixture(t *testing.T) (*models.Store, *models.Project, *models.User) {
	t.Helper()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	admin, err := s.CreateUser(ctx, "boss", models.RoleAdmin, "password-123")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "Invited"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	return s, p, admin
}

// A link is accepted once: the new user is an annotator globally and a
// member with the invite's role; the second accept is ErrInviteGone and
// creates nobody.
func TestInviteAcceptedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, admin := inviteFixture(t)
	inv, secret, err := s.CreateInvite(ctx, p.ID, models.MemberCurator, admin.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(inv.Hash, secret) || inv.Hash != models.HashSecret(secret) || len(secret) < 40 {
		t.Fatalf("stored hash %q for secret %q", inv.Hash, secret)
	}
	v, err := s.LookupInvite(ctx, secret)
	if err != nil || v.ProjectName != "Invited" || v.Role != models.MemberCurator {
		t.Fatalf("lookup: %+v %v", v, err)
	}
	u, used, err := s.AcceptInvite(ctx, secret, " newbie ", "password-456")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "newbie" || u.Role != models.RoleAnnotator || used.UsedBy == nil || *used.UsedBy != u.ID {
		t.Fatalf("accepted: user %+v invite %+v", u, used)
	}
	a, err := s.ProjectAccess(ctx, p.ID, u)
	if err != nil || a.Role != models.MemberCurator {
		t.Fatalf("access after accept: %+v %v", a, err)
	}
	if _, err := s.Authenticate(ctx, "newbie", "password-456"); err != nil {
		t.Fatalf("the chosen password does not log in: %v", err)
	}
	if _, _, err := s.AcceptInvite(ctx, secret, "second", "password-456"); !errors.Is(err, models.ErrInviteGone) {
		t.Fatalf("second accept: %v", err)
	}
	if _, err := s.LookupInvite(ctx, secret); !errors.Is(err, models.ErrInviteGone) {
		t.Fatalf("lookup of a used link: %v", err)
	}
	if _, err := s.UserByName(ctx, "second"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the second accept created a user: %v", err)
	}
	list, err := s.ListInvites(ctx, p.ID)
	if err != nil || len(list) != 1 || list[0].UsedByName != "newbie" || list[0].CreatedByName != "boss" || list[0].State(time.Now()) != "used" {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// Two accepts of one link at once: exactly one wins.
func TestInviteConcurrentAcceptsOneWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, admin := inviteFixture(t)
	_, secret, err := s.CreateInvite(ctx, p.ID, models.MemberAnnotator, admin.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.AcceptInvite(ctx, secret, "racer"+string(rune('a'+i)), "password-456")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, models.ErrInviteGone):
			t.Errorf("unexpected error: %v", err)
		}
	}
	members, _ := s.ListMembers(ctx, p.ID)
	if ok != 1 || len(members) != 1 {
		t.Fatalf("%d accepts succeeded, %d members", ok, len(members))
	}
}

// An expired link (made with an expiry in the past, no sleeping) is
// refused and creates nobody.
func TestInviteExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, admin := inviteFixture(t)
	_, secret, err := s.CreateInvite(ctx, p.ID, models.MemberAnnotator, admin.ID, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupInvite(ctx, secret); !errors.Is(err, models.ErrInviteGone) {
		t.Fatalf("lookup: %v", err)
	}
	if _, _, err := s.AcceptInvite(ctx, secret, "late", "password-456"); !errors.Is(err, models.ErrInviteGone) {
		t.Fatalf("accept: %v", err)
	}
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users", n)
	}
	list, _ := s.ListInvites(ctx, p.ID)
	if len(list) != 1 || list[0].State(time.Now()) != "expired" {
		t.Fatalf("list: %+v", list)
	}
}

// A taken name, or a bad password, leaves the link unused: the invitee
// picks another and succeeds.
func TestInviteNameTakenLeavesLinkUnused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, admin := inviteFixture(t)
	_, secret, err := s.CreateInvite(ctx, p.ID, models.MemberManager, admin.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ce *models.ConflictError
	if _, _, err := s.AcceptInvite(ctx, secret, "boss", "password-456"); !errors.As(err, &ce) {
		t.Fatalf("taken name: %v", err)
	}
	if _, _, err := s.AcceptInvite(ctx, secret, "fresh", "short"); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("short password: %v", err)
	}
	if _, _, err := s.AcceptInvite(ctx, secret, "no spaces", "password-456"); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	if members, _ := s.ListMembers(ctx, p.ID); len(members) != 0 {
		t.Fatalf("members after failed accepts: %+v", members)
	}
	u, _, err := s.AcceptInvite(ctx, secret, "fresh", "password-456")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.ProjectAccess(ctx, p.ID, u); err != nil || a.Role != models.MemberManager {
		t.Fatalf("access: %+v %v", a, err)
	}
}

// A revoked link is gone (not found, as if never issued); a link of a
// deleted project too. Revoking is per project.
func TestInviteRevokeAndProjectDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, admin := inviteFixture(t)
	inv, secret, err := s.CreateInvite(ctx, p.ID, models.MemberAnnotator, admin.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other := &models.Project{Name: "Other"}
	if err := s.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeInvite(ctx, other.ID, inv.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("revoke through another project: %v", err)
	}
	if err := s.RevokeInvite(ctx, p.ID, inv.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AcceptInvite(ctx, secret, "ghost", "password-456"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("accept a revoked link: %v", err)
	}
	_, secret2, err := s.CreateInvite(ctx, other.ID, models.MemberAnnotator, admin.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProject(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupInvite(ctx, secret2); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("lookup for a deleted project: %v", err)
	}
	if _, _, err := s.CreateInvite(ctx, p.ID, "admin", admin.ID, time.Now().Add(time.Hour)); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("an admin invite: %v", err)
	}
	if _, _, err := s.CreateInvite(ctx, 999999, models.MemberAnnotator, admin.ID, time.Now().Add(time.Hour)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("invite to a missing project: %v", err)
	}
}

// A link is worth only what its maker may still grant: once the manager
// who made it is removed from the project, demoted or disabled, it is
// gone (a removed manager cannot come back through their own link).
func TestInviteDiesWithItsMakersRights(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, _ := inviteFixture(t)
	mgr, err := s.CreateUser(ctx, "mgr", models.RoleAnnotator, "password-123")
	if err != nil {
		t.Fatal(err)
	}
	link := func() string {
		t.Helper()
		if _, _, err := s.SetMember(ctx, p.ID, mgr.ID, models.MemberManager); err != nil {
			t.Fatal(err)
		}
		_, secret, err := s.CreateInvite(ctx, p.ID, models.MemberManager, mgr.ID, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	for i, lose := range []func(){
		func() { s.RemoveMember(ctx, p.ID, mgr.ID) },
		func() { s.SetMember(ctx, p.ID, mgr.ID, models.MemberCurator) },
		func() {
			disabled := true
			if _, err := s.UpdateAccount(ctx, mgr.ID, models.AccountPatch{Disabled: &disabled}); err != nil {
				t.Fatal(err)
			}
		},
	} {
		secret := link()
		lose()
		if _, _, err := s.AcceptInvite(ctx, secret, "back"+string(rune('a'+i)), "password-456"); !errors.Is(err, models.ErrInviteGone) {
			t.Fatalf("case %d: a link of a manager who lost the right: %v", i, err)
		}
	}
	// the same link works while the maker is a manager
	disabled := false
	s.UpdateAccount(ctx, mgr.ID, models.AccountPatch{Disabled: &disabled})
	if _, _, err := s.AcceptInvite(ctx, link(), "welcome", "password-456"); err != nil {
		t.Fatalf("a live manager's link: %v", err)
	}
	// a deleted maker's open links go with them (not left makerless,
	// which would read as the operator's)
	gone := link()
	if err := s.RemoveMember(ctx, p.ID, mgr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAccount(ctx, mgr.ID, models.AccountPatch{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, mgr.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AcceptInvite(ctx, gone, "orphan", "password-456"); err == nil {
		t.Fatal("a deleted maker's link still works")
	}
}
