package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Assignment: each article of a project goes to k annotators (the
// project's AnnotatorsPerArticle). AutoAssign gives the open slots to the
// project's annotators, least loaded first; a manager may also assign by
// hand (Assign). An assignment belongs to a member: when they leave the
// project a trigger releases theirs (migration 10), and the next run
// gives those slots to the others.

// MaxAnnotatorsPerArticle bounds k.
const MaxAnnotatorsPerArticle = 20

// assignBatch is how many assignment rows one INSERT carries (4 values
// each, well under SQLite's limit of bound values).
const assignBatch = 250

type assignment struct{ article, user int64 }

// AutoAssign fills every visible article of the project up to k
// annotators among the members whose role is annotator, and returns how
// many assignments it made. It never takes an article from anyone (an
// article keeps its annotators when new members join, and a lower k
// leaves existing assignments alone); each open slot goes to the
// annotator with the fewest assignments in the project who is not on the
// article yet (ties go round the pool by article id), articles in id order. So a
// run is deterministic, a second run makes nothing, and a run that starts
// from no assignments ends with a spread (most minus fewest assignments
// per annotator) of at most 1. Stability comes first after that: a
// newcomer to a project whose articles are all assigned gets the
// articles that arrive next (one slot of each), and a leaver's slots go
// to the least loaded of those not already on each article.
func (s *Store) AutoAssign(ctx context.Context, projectID int64) (int, error) {
	made := 0
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := tx.GetProject(ctx, projectID)
		if err != nil {
			return err
		}
		k := max(p.AnnotatorsPerArticle, 1)
		var pool []int64
		if err := tx.wr(ctx).Raw(`SELECT user_id FROM project_members WHERE project_id = ? AND role = ? ORDER BY user_id`,
			projectID, MemberAnnotator).Scan(&pool).Error; err != nil {
			return err
		}
		if len(pool) == 0 {
			return nil
		}
		load := make(map[int64]int, len(pool))
		for _, u := range pool {
			var n int
			if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM assignments WHERE user_id = ? AND project_id = ?`, u, projectID).Row().Scan(&n); err != nil {
				return err
			}
			load[u] = n
		}
		// the articles with open slots, each with the users it has
		rows, err := tx.wr(ctx).Raw(`SELECT a.id, COALESCE((SELECT `+tx.groupConcat("s.user_id", "','")+` FROM assignments s WHERE s.article_id = a.id), '')
			FROM articles a WHERE a.project_id = ? AND `+visible("a")+`
			AND (SELECT COUNT(*) FROM assignments s WHERE s.article_id = a.id) < ? ORDER BY a.id`, projectID, k).Rows()
		if err != nil {
			return err
		}
		var todo []assignment
		order := append([]int64(nil), pool...)
		rot := make(map[int64]int, len(pool))
		for rows.Next() {
			var id int64
			var have string
			if err := rows.Scan(&id, &have); err != nil {
				rows.Close()
				return err
			}
			on := map[int64]bool{}
			for _, f := range strings.Split(have, ",") {
				if u, err := strconv.ParseInt(f, 10, 64); err == nil {
					on[u] = true
				}
			}
			open := k - len(on)
			for i, u := range pool {
				rot[u] = (i - int(id%int64(len(pool))) + len(pool)) % len(pool)
			}
			// least loaded first; among equals, the pool rotated by the
			// article id, so that the same people are not always paired
			// (a member who leaves then frees slots many can take)
			sort.Slice(order, func(i, j int) bool {
				if load[order[i]] != load[order[j]] {
					return load[order[i]] < load[order[j]]
				}
				return rot[order[i]] < rot[order[j]]
			})
			for _, u := range order {
				if open == 0 {
					break
				}
				if on[u] {
					continue
				}
				todo = append(todo, assignment{id, u})
				load[u]++
				open--
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		made = len(todo)
		return tx.insertAssignments(ctx, projectID, todo)
	})
	return made, err
}

func (s *Store) insertAssignments(ctx context.Context, projectID int64, as []assignment) error {
	now := time.Now().UTC()
	for len(as) > 0 {
		n := min(len(as), assignBatch)
		var b strings.Builder
		b.WriteString(`INSERT INTO assignments (project_id, article_id, user_id, assigned_at) VALUES `)
		args := make([]any, 0, 4*n)
		for i, a := range as[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?)")
			args = append(args, projectID, a.article, a.user, now)
		}
		b.WriteString(` ON CONFLICT (article_id, user_id) DO NOTHING`)
		if err := s.wr(ctx).Exec(b.String(), args...).Error; err != nil {
			return err
		}
		as = as[n:]
	}
	return nil
}

// HasAssignments says whether the project uses assignment: whether any
// member has an assigned article in it. (Assignments belong to members:
// a leaving member's are released by a trigger.)
func (s *Store) HasAssignments(ctx context.Context, projectID int64) (bool, error) {
	var yes bool
	err := s.rd(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM project_members m
		JOIN assignments s ON s.user_id = m.user_id AND s.project_id = m.project_id
		WHERE m.project_id = ?)`, projectID).Row().Scan(&yes)
	return yes, err
}

// Assign gives each of users every visible article of the project that
// matches f (Source, Ownership, Q, and Status, which is read for each
// assigned user: "todo" assigns a user the articles they have not marked
// done) and returns how many assignments are new. Every user must be a
// member of the project (any role); k does not limit a manual
// assignment. f.ProjectID and f.UserID are ignored.
func (s *Store) Assign(ctx context.Context, projectID int64, f ArticleFilter, users []int64) (int, error) {
	if len(users) == 0 {
		return 0, Invalid("users", "at least one user is required")
	}
	if err := checkSearchText(f.Q); err != nil {
		return 0, err
	}
	if f.Status != "" && f.Status != "todo" && f.Status != "done" {
		return 0, Invalid("status", "must be todo or done")
	}
	made := 0
	err := s.Tx(ctx, func(tx *Store) error {
		made = 0 // afresh on every attempt (PostgreSQL may retry)
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, u := range users {
			var n int64
			if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM project_members WHERE project_id = ? AND user_id = ?`, projectID, u).Row().Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return Invalid("users["+itoa(i)+"]", "is not a member of this project")
			}
			where, args := []string{"a.project_id = ?", visible("a")}, []any{projectID, u, now, projectID}
			if f.Source != "" {
				where, args = append(where, "src.domain = ?"), append(args, RegistrableDomain(f.Source))
			}
			if f.Ownership != "" {
				where, args = append(where, "src.ownership = ?"), append(args, f.Ownership)
			}
			if f.Q != "" {
				where, args = append(where, `a.title `+tx.like()+` ? ESCAPE '\'`), append(args, "%"+escapeLike(f.Q)+"%")
			}
			switch f.Status {
			case "done":
				where, args = append(where, "EXISTS (SELECT 1 FROM article_done d WHERE d.article_id = a.id AND d.user_id = ?)"), append(args, u)
			case "todo":
				where, args = append(where, "NOT EXISTS (SELECT 1 FROM article_done d WHERE d.article_id = a.id AND d.user_id = ?)"), append(args, u)
			}
			res := tx.wr(ctx).Exec(`INSERT INTO assignments (project_id, article_id, user_id, assigned_at)
				SELECT ?, a.id, ?, ? FROM articles a LEFT JOIN sources src ON src.id = a.source_id
				WHERE `+strings.Join(where, " AND ")+` ON CONFLICT (article_id, user_id) DO NOTHING`, args...)
			if res.Error != nil {
				return res.Error
			}
			made += int(res.RowsAffected)
		}
		return nil
	})
	return made, err
}

// AnnotatorProgress is one annotator's work in a project.
type AnnotatorProgress struct {
	UserID   int64
	Name     string
	Role     string
	Assigned int64 // articles assigned to them
	Done     int64 // of those, marked done by them
	Spans    int64 // their visible spans in the project
}

// progressQuery reads each member's counts from their own ranges of the
// (user_id, project_id, ...) indexes of assignments and spans, and the
// done marks by primary key: it grows with one member's work, never with
// the project's.
func (s *Store) progressQuery(ctx context.Context, projectID int64) *gorm.DB {
	return s.rd(ctx).Table("project_members m").Select(`m.user_id, u.name, m.role,
		(SELECT COUNT(*) FROM assignments s WHERE s.user_id = m.user_id AND s.project_id = m.project_id) AS assigned,
		(SELECT COUNT(*) FROM assignments s JOIN article_done d ON d.user_id = s.user_id AND d.article_id = s.article_id
			WHERE s.user_id = m.user_id AND s.project_id = m.project_id) AS done,
		(SELECT COUNT(*) FROM annotations n WHERE n.user_id = m.user_id AND n.project_id = m.project_id) AS spans`).
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.project_id = ?", projectID).Order("u.name")
}

// Progress lists, by name, every annotator of the project and every
// other member who has assignments or spans in it.
func (s *Store) Progress(ctx context.Context, projectID int64) ([]AnnotatorProgress, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	var rows []AnnotatorProgress
	if err := s.progressQuery(ctx, projectID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Role == MemberAnnotator || r.Assigned > 0 || r.Spans > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// listQueue lists a user's assigned articles, the ones they have not
// marked done first, then the done ones, each part by id. The cursor is
// (part, id): each part pages by its own unique key, as every list does.
// An article marked done while the user pages through the first part
// turns up again in the second (where it now belongs); one unmarked
// while they page through the second is not shown again in that pass.
func (s *Store) listQueue(ctx context.Context, f ArticleFilter, pg Page) ([]ArticleSummary, *string, error) {
	after, err := decodeCursor(pg.Cursor, 2)
	if err != nil {
		return nil, nil, err
	}
	start := int64(0)
	if after != nil {
		if after[0] != 0 && after[0] != 1 {
			return nil, nil, Invalid("cursor", "is not a cursor returned by this list")
		}
		start = after[0]
	}
	if _, err := s.GetProject(ctx, f.ProjectID); err != nil {
		return nil, nil, err
	}
	if err := checkSearchText(f.Q); err != nil {
		return nil, nil, err
	}
	limit := pg.limit()
	var out []ArticleSummary
	var part []int64
	for ph := start; ph <= 1 && len(out) <= limit; ph++ {
		g := f
		g.Status = [2]string{"todo", "done"}[ph]
		q, err := s.articleListQuery(ctx, g, Page{Limit: max(1, limit-len(out))})
		if err != nil {
			return nil, nil, err
		}
		if after != nil && ph == start {
			q = q.Where("articles.id > ?", after[1])
		}
		var rows []ArticleSummary
		if err := q.Scan(&rows).Error; err != nil {
			return nil, nil, err
		}
		for range rows {
			part = append(part, ph)
		}
		out = append(out, rows...)
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	c := encodeCursor(part[limit-1], out[limit-1].ID)
	return out, &c, nil
}
