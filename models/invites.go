package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Invite is a single-use link that makes whoever opens it first a new
// user and a member of a project with a role. Only the SHA-256 of the
// link's secret is stored.
type Invite struct {
	ID        int64 `gorm:"primaryKey"`
	ProjectID int64
	Role      string
	Hash      string
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	UsedBy    *int64
}

// InviteInfo is an invite as its project's managers list it, with the
// names of the users who made and used it.
type InviteInfo struct {
	Invite
	CreatedByName string
	UsedByName    string
}

// InviteView is what the holder of a link may learn before accepting.
type InviteView struct {
	ProjectID   int64
	ProjectName string
	Role        string
	ExpiresAt   time.Time
}

// ErrInviteGone is a link that was used or has expired (HTTP 410).
var ErrInviteGone = errors.New("this invitation was already used or has expired")

// State says whether the invite can still be accepted at now.
func (i *Invite) State(now time.Time) string {
	switch {
	case i.UsedAt != nil:
		return "used"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "open"
}

// CreateInvite makes a link for a project role that can be accepted once
// until expiresAt. It returns the secret; it is never stored, so this is
// the only time anyone sees it.
func (s *Store) CreateInvite(ctx context.Context, projectID int64, role string, createdBy int64, expiresAt time.Time) (*Invite, string, error) {
	if err := validMemberRole(role); err != nil {
		return nil, "", err
	}
	secret := RandomSecret(32)
	inv := &Invite{ProjectID: projectID, Role: role, Hash: HashSecret(secret), CreatedAt: time.Now().UTC(), ExpiresAt: expiresAt.UTC()}
	if createdBy > 0 {
		inv.CreatedBy = &createdBy
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		return tx.wr(ctx).Create(inv).Error
	})
	if err != nil {
		return nil, "", err
	}
	return inv, secret, nil
}

// ListInvites lists a project's invites, newest first: open, used and
// expired ones (a revoked invite is deleted).
func (s *Store) ListInvites(ctx context.Context, projectID int64) ([]InviteInfo, error) {
	rows, err := s.rd(ctx).Raw(`SELECT i.id, i.project_id, i.role, i.created_by, i.created_at, i.expires_at, i.used_at, i.used_by,
			COALESCE(c.name, ''), COALESCE(u.name, '')
		FROM invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.used_by
		WHERE i.project_id = ? ORDER BY i.id DESC`, projectID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []InviteInfo{}
	for rows.Next() {
		var v InviteInfo
		if err := rows.Scan(&v.ID, &v.ProjectID, &v.Role, &v.CreatedBy, &v.CreatedAt, &v.ExpiresAt, &v.UsedAt, &v.UsedBy,
			&v.CreatedByName, &v.UsedByName); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RevokeInvite deletes an invite of the project; its link stops working.
func (s *Store) RevokeInvite(ctx context.Context, projectID, inviteID int64) error {
	res := s.wr(ctx).Exec(`DELETE FROM invites WHERE id = ? AND project_id = ?`, inviteID, projectID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound("invite")
	}
	return nil
}

// inviteBySecret finds the invite of a link: NotFoundError for a secret
// that was never issued (or was revoked), ErrInviteGone for one used or
// expired at now.
func (s *Store) inviteBySecret(ctx context.Context, secret string, now time.Time) (*Invite, error) {
	var inv Invite
	if err := s.rd(ctx).Where("hash = ?", HashSecret(secret)).First(&inv).Error; err != nil {
		return nil, notFoundOr(err, "invite")
	}
	if inv.State(now) != "open" {
		return nil, ErrInviteGone
	}
	return &inv, nil
}

// LookupInvite tells the holder of a link which project and role it is
// for, if it can still be accepted.
func (s *Store) LookupInvite(ctx context.Context, secret string) (*InviteView, error) {
	inv, err := s.inviteBySecret(ctx, secret, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	p, err := s.GetProject(ctx, inv.ProjectID)
	if err != nil {
		return nil, notFound("invite") // the project went between the two reads
	}
	return &InviteView{ProjectID: p.ID, ProjectName: p.Name, Role: inv.Role, ExpiresAt: inv.ExpiresAt}, nil
}

// AcceptInvite turns a link into a new user (global role annotator) who
// is a member of the invite's project with its role, and marks the link
// used — all in one transaction, so a second accept of the same link, or
// two at once, gets ErrInviteGone and a taken name (ConflictError) or a
// bad password (ValidationError) leaves the link unused.
func (s *Store) AcceptInvite(ctx context.Context, secret, name, password string) (*User, *Invite, error) {
	if _, err := s.inviteBySecret(ctx, secret, time.Now().UTC()); err != nil {
		return nil, nil, err // no password hashing for a dead link
	}
	name = strings.TrimSpace(name)
	if !userNameRe.MatchString(name) {
		return nil, nil, Invalid("name", "must be 1-64 letters, digits or . _ @ -")
	}
	if err := validatePassword(password); err != nil {
		return nil, nil, err
	}
	// bcrypt runs before the write transaction, not while holding the writer
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return nil, nil, err
	}
	var u *User
	var inv *Invite
	err = s.Tx(ctx, func(tx *Store) error {
		now := time.Now().UTC()
		if inv, err = tx.inviteBySecret(ctx, secret, now); err != nil {
			return err
		}
		if _, err := tx.GetProject(ctx, inv.ProjectID); err != nil {
			return notFound("invite")
		}
		// a link is worth only what its maker may still grant: an active
		// admin, or an active manager of the project (a link without a
		// maker was made by the operator with slant invite; a deleted
		// maker's open links are deleted with them)
		if inv.CreatedBy != nil {
			var granting int64
			if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM users u WHERE u.id = ? AND u.disabled_at IS NULL AND (u.role = 'admin'
				OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = ? AND m.user_id = u.id AND m.role = 'manager'))`,
				*inv.CreatedBy, inv.ProjectID).Row().Scan(&granting); err != nil {
				return err
			}
			if granting == 0 {
				return ErrInviteGone
			}
		}
		u = &User{Name: name, Role: RoleAnnotator, PasswordHash: string(hash), PasswordChangedAt: now}
		if err := tx.wr(ctx).Create(u).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "the name " + name + " is taken; pick another"}
			}
			return err
		}
		if err := tx.wr(ctx).Exec(`INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
			inv.ProjectID, u.ID, inv.Role, now).Error; err != nil {
			return err
		}
		res := tx.wr(ctx).Exec(`UPDATE invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL`, now, u.ID, inv.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInviteGone
		}
		inv.UsedAt, inv.UsedBy = &now, &u.ID
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u, inv, nil
}
