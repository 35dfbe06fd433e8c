package seeds

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"slant/models"
)

//go:embed outlets.json
var outletsJSON []byte

// Outlet is one entry of the curated outlet list.
type Outlet struct {
	Domain    string `json:"domain"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	Ownership string `json:"ownership"`
	Notes     string `json:"notes"` // where the classification comes from
}

// Outlets returns the curated list of state-controlled, state-funded and
// public-service outlets shipped with slant.
func Outlets() ([]Outlet, error) {
	var out []Outlet
	dec := json.NewDecoder(bytes.NewReader(outletsJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("seeds: outlets.json: %w", err)
	}
	return out, nil
}

// EnsureOutlets adds the listed outlets a database does not have yet. It
// runs on every start and never overwrites an admin's edits: an existing
// profile is only filled in when it is still the blank "unknown" profile
// that an import creates for a new domain.
func EnsureOutlets(ctx context.Context, s *models.Store) error {
	list, err := Outlets()
	if err != nil {
		return err
	}
	_, _, err = UpsertOutlets(ctx, s, list, false)
	return err
}

// UpsertOutlets stores outlets in one transaction: new domains are
// created; existing ones are updated when overwrite is set (an admin's
// explicit import), or else only when still blank. It returns how many
// were created and updated.
func UpsertOutlets(ctx context.Context, s *models.Store, list []Outlet, overwrite bool) (created, updated int, err error) {
	err = s.Tx(ctx, func(tx *models.Store) error {
		created, updated = 0, 0
		for i, o := range list {
			src := models.Source{Domain: o.Domain, Name: o.Name, Country: o.Country, Ownership: o.Ownership, Notes: o.Notes}
			cur, err := tx.SourceByDomain(ctx, o.Domain)
			if errors.Is(err, models.ErrNotFound) {
				if err := tx.CreateSource(ctx, &src); err != nil {
					return fmt.Errorf("outlet %d (%s): %w", i+1, o.Domain, err)
				}
				created++
				continue
			}
			if err != nil {
				return err
			}
			blank := cur.Ownership == models.OwnershipUnknown && cur.Name == cur.Domain && cur.Notes == "" && cur.Country == ""
			if !overwrite && !blank {
				continue
			}
			_, err = tx.UpdateSource(ctx, cur.ID, func(p *models.Source) error {
				if o.Name != "" {
					p.Name = o.Name
				}
				if o.Country != "" {
					p.Country = o.Country
				}
				if o.Ownership != "" {
					p.Ownership = o.Ownership
				}
				if o.Notes != "" {
					p.Notes = o.Notes
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("outlet %d (%s): %w", i+1, o.Domain, err)
			}
			updated++
		}
		return nil
	})
	return created, updated, err
}
