package main

// Figure 8: inter-annotator agreement over a whole project, end to end
// (GET /projects/{id}/agreement: read the spans, lengths and done marks,
// compute every measure, encode the JSON, last byte received), against a
// baseline that only reads the same span rows with a plain SELECT through
// database/sql. The project is generated with SQL straight into the
// store's schema: 10,000 articles of 5,000 code points, 3 annotators with
// 30 spans each in every article, every article marked done by all three.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"slant/models"
)

type agreementSize struct{ Articles, Length, Annotators, Spans, Reps int }

func agreementSizeOf(cfg Config) agreementSize {
	if cfg.Duration < time.Second { // -quick
		return agreementSize{Articles: 40, Length: 500, Annotators: 3, Spans: 5, Reps: 1}
	}
	return agreementSize{Articles: 10_000, Length: 5_000, Annotators: 3, Spans: 30, Reps: 3}
}

func benchAgreement(cfg Config, dir, slantBin, _ string, res *Results) error {
	size := agreementSizeOf(cfg)
	db := filepath.Join(dir, "agreement.db")
	t0 := time.Now()
	fmt.Fprintf(os.Stderr, "  generating %d articles × %d code points, %d annotators × %d spans...\n", size.Articles, size.Length, size.Annotators, size.Spans)
	fx, err := generateAgreement(db, size)
	if err != nil {
		return err
	}
	built := time.Since(t0)

	var base, slant []time.Duration
	var rows int
	for r := 0; r < size.Reps; r++ {
		d, n, err := baselineAgreement(db, fx.project)
		if err != nil {
			return err
		}
		base, rows = append(base, d), n
	}
	p, err := start(slantBin, "serve", "--db", db)
	if err != nil {
		return err
	}
	defer p.stop()
	var bodyBytes int
	for r := 0; r < size.Reps+1; r++ { // the first request warms the server; it is not counted
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/projects/%d/agreement", p.url, fx.project), nil)
		req.Header.Set("Authorization", "Bearer "+fx.token)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("agreement: status %d: %.300s", resp.StatusCode, b)
		}
		if r > 0 {
			slant = append(slant, time.Since(t))
		}
		bodyBytes = len(b)
	}
	rss := p.peakRSS()
	mb, ms2 := median(base), median(slant)
	ratio := mb.Seconds() / ms2.Seconds()
	res.add(Row{Figure: fmt.Sprintf("8. agreement over %d articles × %d code points, %d annotators × %d spans", size.Articles, size.Length, size.Annotators, size.Spans),
		Slant:    fmt.Sprintf("%s (request to last byte), peak RSS %.0f MiB", ms(ms2), rss),
		Baseline: fmt.Sprintf("%s (SELECT of the %d span rows)", ms(mb), rows),
		Ratio:    ratio, Target: "≥ 0.25", Pass: ratio >= 0.25,
		Note: fmt.Sprintf("medians of %d runs each; %d spans, %d-byte answer; project generated in %.1f s; ratio = baseline time / slant time",
			len(slant), rows, bodyBytes, built.Seconds())})
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// baselineAgreement reads the rows agreement reads, and nothing else.
func baselineAgreement(db string, project int64) (time.Duration, int, error) {
	r, err := sql.Open("sqlite3", models.DSN(db, false))
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	t0 := time.Now()
	rows, err := r.Query(`SELECT user_id, article_id, label_id, start, "end" FROM annotations WHERE project_id = ? AND layer = 'annotator'`, project)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	n := 0
	var u, a, l int64
	var s, e int
	for rows.Next() {
		if err := rows.Scan(&u, &a, &l, &s, &e); err != nil {
			return 0, 0, err
		}
		n++
	}
	return time.Since(t0), n, rows.Err()
}

// generateAgreement writes the project: articles and spans through
// imports published at the end of each chunk (as the importer does, so
// the history records no creation row per span).
func generateAgreement(path string, size agreementSize) (*fixture, error) {
	rng := rand.New(rand.NewSource(8))
	fx, err := newFixture(path)
	if err != nil {
		return nil, err
	}
	labels, err := fx.store.ListLabels(context.Background(), fx.project)
	if err != nil {
		return nil, err
	}
	if err := fx.store.Close(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", models.DSN(path, true))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"} {
		if _, err := db.Exec(p); err != nil {
			return nil, err
		}
	}
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var users []int64
	for i := 0; i < size.Annotators; i++ {
		r, err := db.Exec(`INSERT INTO users (name, role, password_hash, password_changed_at, created_at, updated_at) VALUES (?, 'annotator', '!', ?, ?, ?)`,
			fmt.Sprintf("coder%d", i+1), now, now, now)
		if err != nil {
			return nil, err
		}
		id, _ := r.LastInsertId()
		users = append(users, id)
	}
	arts, err := newRowInserter(db, "articles", `project_id, title, text, text_sha256, length, metadata, created_at, updated_at, import_id`, 50)
	if err != nil {
		return nil, err
	}
	spans, err := newRowInserter(db, "annotations", `project_id, article_id, label_id, user_id, start, "end", quote, created_at, updated_at, import_id`, 200)
	if err != nil {
		return nil, err
	}
	done, err := newRowInserter(db, "article_done", "user_id, article_id, created_at, project_id", 500)
	if err != nil {
		return nil, err
	}
	spans.after, done.after = arts, arts
	var next int64
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) + 1 FROM articles`).Scan(&next); err != nil {
		return nil, err
	}
	const chunk = 500
	for lo := 0; lo < size.Articles; lo += chunk {
		tx, err := db.Begin()
		if err != nil {
			return nil, err
		}
		arts.tx, spans.tx, done.tx = tx, tx, tx
		r, err := tx.Exec(`INSERT INTO imports (project_id, user_id, state, owner, started_at, heartbeat_at) VALUES (?, ?, 'running', 'bench', ?, ?)`,
			fx.project, fx.userID, now, now)
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		imp, _ := r.LastInsertId()
		hi := min(size.Articles, lo+chunk)
		for i := lo; i < hi; i++ {
			id := next
			next++
			runes := []rune(articleText(rng, size.Length/4))
			for len(runes) < size.Length {
				runes = append(runes, runes...)
			}
			runes = runes[:size.Length]
			text := string(runes)
			sum := sha256.Sum256([]byte(text))
			if err := arts.add(fx.project, fmt.Sprintf("Article %d", i), text, hex.EncodeToString(sum[:]), size.Length, "{}", now, now, imp); err != nil {
				tx.Rollback()
				return nil, err
			}
			// the annotators see roughly the same passages: each span
			// starts from a shared anchor, moved a little at random
			anchors := make([]int, size.Spans)
			for k := range anchors {
				anchors[k] = rng.Intn(size.Length - 200)
			}
			for _, u := range users {
				seen := map[[3]int]bool{}
				for k := 0; k < size.Spans; k++ {
					s := max(0, anchors[k]+rng.Intn(21)-10)
					e := s + 20 + rng.Intn(150)
					l := labels[rng.Intn(len(labels))].ID
					if seen[[3]int{int(l), s, e}] {
						e++ // the unique index: one span per annotator, label and extent
					}
					seen[[3]int{int(l), s, e}] = true
					if err := spans.add(fx.project, id, l, u, s, e, string(runes[s:e]), now, now, imp); err != nil {
						tx.Rollback()
						return nil, err
					}
				}
				if err := done.add(u, id, now, fx.project); err != nil {
					tx.Rollback()
					return nil, err
				}
			}
		}
		for _, r := range []*rowInserter{arts, spans, done} {
			if err := r.flush(); err != nil {
				tx.Rollback()
				return nil, err
			}
		}
		if _, err := tx.Exec(`UPDATE imports SET state = 'done', articles_created = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?`,
			hi-lo, now, now, imp); err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	for _, r := range []*rowInserter{arts, spans, done} {
		r.full.Close()
	}
	if want := size.Articles * size.Annotators * size.Spans; spans.total != want {
		return nil, fmt.Errorf("agreement bench: generated %d spans, want %d", spans.total, want)
	}
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return fx, err
}
