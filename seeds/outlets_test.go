package seeds_test

import (
	"context"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
	"slant/seeds"
)

func TestOutletListIsCurated(t *testing.T) {
	t.Parallel()
	list, err := seeds.Outlets()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	countries := map[string]bool{}
	seen := map[string]bool{}
	for _, o := range list {
		if o.Domain != models.RegistrableDomain(o.Domain) || strings.ContainsAny(o.Domain, "/ :") {
			t.Errorf("%s is not a registrable domain (%s)", o.Domain, models.RegistrableDomain(o.Domain))
		}
		if seen[o.Domain] {
			t.Errorf("%s listed twice", o.Domain)
		}
		seen[o.Domain] = true
		if len(o.Country) != 2 || strings.ToUpper(o.Country) != o.Country || o.Name == "" || len(o.Notes) < 20 {
			t.Errorf("incomplete entry %+v", o)
		}
		count[o.Ownership]++
		if o.Ownership != models.OwnershipPublicService {
			countries[o.Country] = true
		}
	}
	if count[models.OwnershipStateControlled]+count[models.OwnershipStateFunded] < 40 || count[models.OwnershipPublicService] < 10 {
		t.Fatalf("counts %v", count)
	}
	for _, c := range []string{"RU", "CN", "IR", "SY", "KP", "VE", "TR"} {
		if !countries[c] {
			t.Errorf("no state outlet from %s", c)
		}
	}
}

func TestEnsureOutletsKeepsAdminEdits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	// an admin's edit, and a blank profile an earlier import created
	edited := &models.Source{Domain: "rt.com", Name: "RT as edited", Ownership: models.OwnershipStateFunded, Notes: "admin note"}
	blank := &models.Source{Domain: "sana.sy"}
	for _, src := range []*models.Source{edited, blank} {
		if err := s.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // runs on every start
		if err := seeds.EnsureOutlets(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := seeds.Outlets()
	all, _, _ := s.ListSources(ctx, models.SourceFilter{}, models.Page{Limit: 500})
	if len(all) != len(list) {
		t.Fatalf("%d sources, list has %d", len(all), len(list))
	}
	got, _ := s.SourceByDomain(ctx, "rt.com")
	if got.Name != "RT as edited" || got.Ownership != models.OwnershipStateFunded || got.Notes != "admin note" {
		t.Fatalf("admin edit overwritten: %+v", got)
	}
	got, _ = s.SourceByDomain(ctx, "arabic.rt.com")
	if got.Domain != "rt.com" {
		t.Fatal("subdomain lookup")
	}
	got, _ = s.SourceByDomain(ctx, "sana.sy")
	if got.Ownership != models.OwnershipStateControlled || got.Country != "SY" {
		t.Fatalf("blank profile not filled: %+v", got)
	}
	// an explicit import overwrites
	c, u, err := seeds.UpsertOutlets(ctx, s, []seeds.Outlet{{Domain: "www.rt.com", Ownership: models.OwnershipStateControlled}, {Domain: "new.example", Name: "New"}}, true)
	if err != nil || c != 1 || u != 1 {
		t.Fatalf("%d %d %v", c, u, err)
	}
	got, _ = s.SourceByDomain(ctx, "rt.com")
	if got.Ownership != models.OwnershipStateControlled || got.Name != "RT as edited" {
		t.Fatalf("%+v", got)
	}
}
