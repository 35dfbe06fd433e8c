package models

import (
	"context"
	"time"
)

// LoginFailure is the throttling state of one login key (an account, an
// address, or the pair): how many failures, locked until when, and the
// last failure. The rules live with the API (server/api/auth.go); the
// store only keeps the state where every server sees it.
type LoginFailure struct {
	Fails int
	Until time.Time
	Last  time.Time
}

// UpdateLoginFailures runs fn on the stored state of keys (absent keys
// are missing from the map) in one write transaction and stores what fn
// answers for them: a key fn leaves out is forgotten. fn may run more
// than once (PostgreSQL retries a transaction that collided).
func (s *Store) UpdateLoginFailures(ctx context.Context, keys []string, fn func(map[string]LoginFailure) map[string]LoginFailure) error {
	return s.Tx(ctx, func(tx *Store) error {
		rows, err := tx.wr(ctx).Raw(`SELECT key, fails, locked_until, last_at FROM login_failures WHERE key IN ?`, keys).Rows()
		if err != nil {
			return err
		}
		have := map[string]LoginFailure{}
		for rows.Next() {
			var k string
			var f LoginFailure
			if err := rows.Scan(&k, &f.Fails, &f.Until, &f.Last); err != nil {
				rows.Close()
				return err
			}
			f.Until, f.Last = f.Until.UTC(), f.Last.UTC()
			have[k] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		want := fn(have)
		for _, k := range keys {
			f, keep := want[k]
			if !keep {
				if _, had := have[k]; had {
					if err := tx.wr(ctx).Exec(`DELETE FROM login_failures WHERE key = ?`, k).Error; err != nil {
						return err
					}
				}
				continue
			}
			if old, had := have[k]; had && old.Fails == f.Fails && old.Until.Equal(f.Until) && old.Last.Equal(f.Last) {
				continue // unchanged: a locked-out guess costs no write
			}
			if err := tx.wr(ctx).Exec(`INSERT INTO login_failures (key, fails, locked_until, last_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET fails = excluded.fails, locked_until = excluded.locked_until, last_at = excluded.last_at`,
				k, f.Fails, f.Until.UTC(), f.Last.UTC()).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// ForgetLoginFailures drops the state of keys whose last failure is
// older than before.
func (s *Store) ForgetLoginFailures(ctx context.Context, before time.Time) error {
	return s.wr(ctx).Exec(`DELETE FROM login_failures WHERE last_at < ?`, before.UTC()).Error
}

// LoginLockedUntil is the latest lockout among keys, read without
// taking the writer: a guess that is locked out anyway costs one read.
func (s *Store) LoginLockedUntil(ctx context.Context, keys []string) (time.Time, error) {
	var until time.Time
	rows, err := s.rd(ctx).Raw(`SELECT locked_until FROM login_failures WHERE key IN ?`, keys).Rows()
	if err != nil {
		return until, err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return until, err
		}
		if t.After(until) {
			until = t.UTC()
		}
	}
	return until, rows.Err()
}
