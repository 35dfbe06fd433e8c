package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// BcryptCost is the password hashing cost. Tests lower it.
var BcryptCost = bcrypt.DefaultCost

// SessionTTL is how long a browser login lasts.
var SessionTTL = 7 * 24 * time.Hour

const (
	tokenPrefix       = "slant_"
	minPasswordLength = 8
)

var userNameRe = regexp.MustCompile(`^[\p{L}\p{N}._@-]{1,64}$`)

// dummyHash keeps failed logins for unknown users as slow as for known
// ones: made on first use, at the cost passwords are hashed with.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("slant-timing-equaliser"), BcryptCost)
	return h
})

// RandomSecret returns n random bytes, base64url-encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is the SHA-256 (hex) of a token or session secret; only this is stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func validatePassword(pw string) error {
	if len([]rune(pw)) < minPasswordLength {
		return Invalid("password", "must be at least 8 characters")
	}
	if len(pw) > 72 {
		return Invalid("password", "must be at most 72 bytes (a bcrypt limit)")
	}
	return nil
}

// CreateUser adds a user with a bcrypt-hashed password.
func (s *Store) CreateUser(ctx context.Context, name, role, password string) (*User, error) {
	name = strings.TrimSpace(name)
	if !userNameRe.MatchString(name) {
		return nil, Invalid("name", "must be 1-64 letters, digits or . _ @ -")
	}
	if !slices.Contains([]string{RoleAdmin, RoleAnnotator}, role) {
		return nil, Invalid("role", "must be admin or annotator")
	}
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return nil, err
	}
	u := &User{Name: name, Role: role, PasswordHash: string(hash), PasswordChangedAt: time.Now().UTC()}
	if err := s.wr(ctx).Create(u).Error; err != nil {
		if isUnique(err) {
			return nil, &ConflictError{Message: "user " + name + " already exists"}
		}
		return nil, err
	}
	return u, nil
}

// CreateFirstAdmin creates an admin only while the database has no users
// (ErrConflict otherwise), atomically.
func (s *Store) CreateFirstAdmin(ctx context.Context, name, password string) (*User, error) {
	var u *User
	err := s.Tx(ctx, func(tx *Store) error {
		n, err := tx.CountUsers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Message: "setup is already done: users exist"}
		}
		u, err = tx.CreateUser(ctx, name, RoleAdmin, password)
		return err
	})
	return u, err
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.rd(ctx).Where(notSystemUser).First(&u, id).Error; err != nil {
		return nil, notFoundOr(err, "user")
	}
	return &u, nil
}

// UserByName finds a user by name.
func (s *Store) UserByName(ctx context.Context, name string) (*User, error) {
	var u User
	// the gold layer's system user is nobody's to use
	if err := s.rd(ctx).Where("name = ?", name).Where(notSystemUser).First(&u).Error; err != nil {
		return nil, notFoundOr(err, "user")
	}
	return &u, nil
}

// ListUsers returns every user by id.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	err := s.rd(ctx).Where(notSystemUser).Order("id").Find(&out).Error
	return out, err
}

// CountUsers returns how many users exist (the gold layer's system user
// is not one).
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.rd(ctx).Model(&User{}).Where(notSystemUser).Count(&n).Error
	return n, err
}

// Authenticate checks a name and password. Unknown names and wrong
// passwords give the same error after the same work.
func (s *Store) Authenticate(ctx context.Context, name, password string) (*User, error) {
	u, err := s.UserByName(ctx, name)
	if err != nil {
		if isNotFound(err) {
			bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
			return nil, ErrNotFound
		}
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrNotFound
	}
	// Said only after the right password, so it reveals nothing to a guesser.
	if disabled, err := s.isDisabled(ctx, u.ID); err != nil {
		return nil, err
	} else if disabled {
		return nil, ErrUserDisabled
	}
	return u, nil
}

// SetPassword changes a password and ends every session of the user.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.wr(ctx).Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"password_hash": string(hash), "password_changed_at": time.Now().UTC(), "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("user")
		}
		return tx.wr(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error
	})
}

// ---- API tokens ----

// CreateToken makes a new API token; the secret is returned once and only
// its SHA-256 is stored.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if len([]rune(name)) > 100 {
		return nil, "", Invalid("name", "must be at most 100 characters")
	}
	secret := tokenPrefix + RandomSecret(32)
	t := &Token{UserID: userID, Name: name, Hash: HashSecret(secret)}
	if err := s.wr(ctx).Create(t).Error; err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// ListTokens returns a user's tokens (never their secrets).
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	var out []Token
	err := s.rd(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, err
}

// DeleteToken revokes one of a user's tokens; it stops working at once.
func (s *Store) DeleteToken(ctx context.Context, userID, tokenID int64) error {
	res := s.wr(ctx).Where("id = ? AND user_id = ?", tokenID, userID).Delete(&Token{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound("token")
	}
	return nil
}

// UserByToken resolves a bearer secret. last_used_at is refreshed at most
// once a minute so reads do not turn into writes.
func (s *Store) UserByToken(ctx context.Context, secret string) (*User, *Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, nil, ErrNotFound
	}
	// One query on every API request: the token and its user together.
	var t Token
	var u User
	err := s.rd(ctx).Raw(`SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at,
			u.id, u.name, u.role, u.password_hash, u.password_changed_at, u.created_at, u.updated_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND u.disabled_at IS NULL`, HashSecret(secret)).Row().
		Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt,
			&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("token")
	}
	if err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// Off the request path: authentication never waits for the writer
		// (an import may hold it). A lost update only delays the timestamp.
		w, id := s.w, t.ID
		go w.WithContext(context.Background()).Model(&Token{}).Where("id = ?", id).Update("last_used_at", now)
		t.LastUsedAt = &now
	}
	return &u, &t, nil
}

// ---- browser sessions ----

// CreateSession starts a browser session; it returns the cookie secret.
func (s *Store) CreateSession(ctx context.Context, userID int64) (*Session, string, error) {
	secret := RandomSecret(32)
	sess := &Session{UserID: userID, Hash: HashSecret(secret), CSRFToken: RandomSecret(32),
		ExpiresAt: time.Now().UTC().Add(SessionTTL)}
	if err := s.wr(ctx).Create(sess).Error; err != nil {
		return nil, "", err
	}
	// Opportunistic clean-up of expired sessions.
	s.wr(ctx).Where("expires_at < ?", time.Now().UTC()).Delete(&Session{})
	return sess, secret, nil
}

// UserBySession resolves a session cookie secret that has not expired.
func (s *Store) UserBySession(ctx context.Context, secret string) (*User, *Session, error) {
	var sess Session
	if err := s.rd(ctx).Where("hash = ?", HashSecret(secret)).First(&sess).Error; err != nil {
		return nil, nil, notFoundOr(err, "session")
	}
	if time.Now().UTC().After(sess.ExpiresAt) {
		return nil, nil, notFound("session")
	}
	var u User
	if err := s.rd(ctx).Where("id = ? AND disabled_at IS NULL", sess.UserID).First(&u).Error; err != nil {
		return nil, nil, notFoundOr(err, "session")
	}
	return &u, &sess, nil
}

// DeleteSession ends a browser session.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	return s.wr(ctx).Delete(&Session{}, id).Error
}

// CSRFMatches compares a presented CSRF token in constant time.
func CSRFMatches(sess *Session, presented string) bool {
	return presented != "" && subtle.ConstantTimeCompare([]byte(sess.CSRFToken), []byte(presented)) == 1
}
