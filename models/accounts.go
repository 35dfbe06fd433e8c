package models

import (
	"context"
	"errors"
	"slices"
	"time"
)

// ErrUserDisabled is a right password for an account an admin disabled.
var ErrUserDisabled = errors.New("this account is disabled; ask an admin to enable it")

// Account is a user with the state only admins see and change. A
// disabled user's sessions and tokens stop working at once (the lookups
// that resolve them skip disabled users) and their spans stay.
type Account struct {
	User
	DisabledAt *time.Time
}

// AccountPatch is an admin's change to an account; nil fields stay.
type AccountPatch struct {
	Disabled *bool
	Role     *string
}

func (s *Store) isDisabled(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.rd(ctx).Model(&User{}).Where("id = ? AND disabled_at IS NOT NULL", userID).Count(&n).Error
	return n > 0, err
}

// ListAccounts returns every user with their state, by id.
func (s *Store) ListAccounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := s.rd(ctx).Table("users").Where(notSystemUser).Order("id").Find(&out).Error
	return out, err
}

// GetAccount returns one user with their state.
func (s *Store) GetAccount(ctx context.Context, id int64) (*Account, error) {
	var a Account
	if err := s.rd(ctx).Table("users").Where("id = ?", id).Where(notSystemUser).Take(&a).Error; err != nil {
		return nil, notFoundOr(err, "user")
	}
	return &a, nil
}

// activeAdmins counts admins who can still log in.
func (s *Store) activeAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := s.wr(ctx).Model(&User{}).Where("role = ? AND disabled_at IS NULL", RoleAdmin).Count(&n).Error
	return n, err
}

var errLastAdmin = &ConflictError{Message: "this is the last active admin: make another user admin first"}

// UpdateAccount disables, enables or changes the role of a user. It
// refuses (ErrConflict) to leave the database without an active admin.
// Disabling ends the user's browser sessions; their tokens stop working
// while the account is disabled and work again if it is enabled.
func (s *Store) UpdateAccount(ctx context.Context, id int64, p AccountPatch) (*Account, error) {
	if p.Role != nil && !slices.Contains([]string{RoleAdmin, RoleAnnotator}, *p.Role) {
		return nil, Invalid("role", "must be admin or annotator")
	}
	var out *Account
	err := s.Tx(ctx, func(tx *Store) error {
		a, err := tx.getAccountW(ctx, id)
		if err != nil {
			return err
		}
		wasActiveAdmin := a.Role == RoleAdmin && a.DisabledAt == nil
		now := time.Now().UTC()
		upd := map[string]any{}
		if p.Role != nil && *p.Role != a.Role {
			upd["role"] = *p.Role
			a.Role = *p.Role
		}
		if p.Disabled != nil && *p.Disabled != (a.DisabledAt != nil) {
			if *p.Disabled {
				upd["disabled_at"] = now
				a.DisabledAt = &now
			} else {
				upd["disabled_at"] = nil
				a.DisabledAt = nil
			}
		}
		if len(upd) > 0 {
			if wasActiveAdmin && (a.Role != RoleAdmin || a.DisabledAt != nil) {
				n, err := tx.activeAdmins(ctx)
				if err != nil {
					return err
				}
				if n <= 1 {
					return errLastAdmin
				}
			}
			upd["updated_at"] = now
			if err := tx.wr(ctx).Model(&User{}).Where("id = ?", id).Updates(upd).Error; err != nil {
				return err
			}
			if a.DisabledAt != nil {
				if err := tx.wr(ctx).Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
					return err
				}
			}
		}
		out = a
		return nil
	})
	return out, err
}

func (s *Store) getAccountW(ctx context.Context, id int64) (*Account, error) {
	var a Account
	if err := s.wr(ctx).Table("users").Where("id = ?", id).Where(notSystemUser).Take(&a).Error; err != nil {
		return nil, notFoundOr(err, "user")
	}
	return &a, nil
}

// DeleteUser removes a user who has no spans, with their tokens, sessions
// and done marks. A user with spans is refused (ErrConflict): their work
// stays attributed to them, so disable them instead. The last active
// admin cannot be deleted.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		a, err := tx.getAccountW(ctx, id)
		if err != nil {
			return err
		}
		if a.Role == RoleAdmin && a.DisabledAt == nil {
			n, err := tx.activeAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastAdmin
			}
		}
		var spans int64
		if err := tx.wr(ctx).Raw(`SELECT (SELECT COUNT(*) FROM annotations WHERE user_id = ?) + (SELECT COUNT(*) FROM article_labels WHERE user_id = ?)
			+ (SELECT COUNT(*) FROM relations WHERE user_id = ?)`, id, id, id).Row().Scan(&spans); err != nil {
			return err
		}
		if spans > 0 {
			return &ConflictError{Message: "user " + a.Name + " has spans; disable the account instead (their spans stay attributed to them)"}
		}
		return tx.wr(ctx).Delete(&User{}, id).Error
	})
}

// RevokeTokens deletes every API token of a user and says how many.
func (s *Store) RevokeTokens(ctx context.Context, userID int64) (int64, error) {
	if _, err := s.GetUser(ctx, userID); err != nil {
		return 0, err
	}
	res := s.wr(ctx).Where("user_id = ?", userID).Delete(&Token{})
	return res.RowsAffected, res.Error
}
