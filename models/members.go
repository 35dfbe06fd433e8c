package models

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Project roles. A global admin is above all of them in every project.
const (
	MemberAnnotator = "annotator" // labels articles; in a blind project sees only their own spans
	MemberCurator   = "curator"   // also sees every member's spans and edits them (adjudication)
	MemberManager   = "manager"   // also members, labels, settings, imports and deletes
)

// MemberRoles lists the project roles, weakest first.
var MemberRoles = []string{MemberAnnotator, MemberCurator, MemberManager}

// RoleRank orders project roles; the global admin ranks above every one.
func RoleRank(role string) int {
	switch role {
	case MemberAnnotator:
		return 1
	case MemberCurator:
		return 2
	case MemberManager:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Member is a user's membership of a project.
type Member struct {
	ProjectID int64
	UserID    int64
	Name      string
	Role      string
	CreatedAt time.Time
}

// Access is what a user is in a project.
type Access struct {
	ProjectID int64
	Role      string // admin, manager, curator or annotator
	Blind     bool   // the project hides colleagues' spans from annotators
}

// OwnSpansOnly says the user may see only their own spans here.
func (a Access) OwnSpansOnly() bool { return a.Blind && a.Role == MemberAnnotator }

// AtLeast says the user's role is role or stronger.
func (a Access) AtLeast(role string) bool { return RoleRank(a.Role) >= RoleRank(role) }

// ProjectAccess is the one place that decides what a user is in a
// project: "admin" for a global admin, else the member's role, or a
// NotFoundError for a non-member — the same error as for a project that
// does not exist, so that a non-member learns nothing of it.
func (s *Store) ProjectAccess(ctx context.Context, projectID int64, u *User) (Access, error) {
	var role sql.NullString
	a := Access{ProjectID: projectID}
	err := s.rd(ctx).Raw(`SELECT p.blind, m.role FROM projects p
		LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ?
		WHERE p.id = ?`, u.ID, projectID).Row().Scan(&a.Blind, &role)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return a, notFound("project")
	case err != nil:
		return a, err
	case u.Role == RoleAdmin:
		a.Role = RoleAdmin
	case !role.Valid:
		return a, notFound("project")
	default:
		a.Role = role.String
	}
	return a, nil
}

// ProjectOf returns the project of a visible article, span or label
// (kind "article", "annotation" or "label").
func (s *Store) ProjectOf(ctx context.Context, kind string, id int64) (int64, error) {
	var q string
	switch kind {
	case "article":
		q = `SELECT project_id FROM articles WHERE id = ?`
	case "annotation":
		q = `SELECT project_id FROM annotations WHERE id = ?`
	case "label":
		q = `SELECT project_id FROM labels WHERE id = ?`
	case "relation": // visible when both its spans are
		q = `SELECT r.project_id FROM relations r JOIN annotations a ON a.id = r.from_id JOIN annotations b ON b.id = r.to_id WHERE r.id = ?`
	default:
		return 0, errors.New("ProjectOf: unknown kind " + kind)
	}
	var pid int64
	err := s.rd(ctx).Raw(q, id).Row().Scan(&pid) // the read pool hides unpublished rows
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(kind)
	}
	return pid, err
}

// ListMembers lists a project's members by name.
func (s *Store) ListMembers(ctx context.Context, projectID int64) ([]Member, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	rows, err := s.rd(ctx).Raw(`SELECT m.project_id, m.user_id, u.name, m.role, m.created_at
		FROM project_members m JOIN users u ON u.id = m.user_id
		WHERE m.project_id = ? ORDER BY u.name`, projectID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ProjectID, &m.UserID, &m.Name, &m.Role, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func validMemberRole(role string) error {
	if RoleRank(role) == 0 || role == RoleAdmin {
		return Invalid("role", "must be annotator, curator or manager")
	}
	return nil
}

// SetMember makes a user a member with role, or changes their role;
// created says the user was not a member before.
func (s *Store) SetMember(ctx context.Context, projectID, userID int64, role string) (m *Member, created bool, err error) {
	if err := validMemberRole(role); err != nil {
		return nil, false, err
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		var n int64
		if err := tx.rd(ctx).Raw(`SELECT COUNT(*) FROM users WHERE id = ? AND `+notSystemUser, userID).Row().Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return Invalid("user_id", "no such user")
		}
		res := tx.wr(ctx).Exec(`UPDATE project_members SET role = ? WHERE project_id = ? AND user_id = ?`, role, projectID, userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			created = true
			return tx.wr(ctx).Exec(`INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
				projectID, userID, role, time.Now().UTC()).Error
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	ms, err := s.ListMembers(ctx, projectID)
	if err != nil {
		return nil, false, err
	}
	for i := range ms {
		if ms[i].UserID == userID {
			return &ms[i], created, nil
		}
	}
	return nil, false, notFound("member")
}

// RemoveMember ends a membership. The member's spans stay (they are the
// project's data); they can no longer see the project.
func (s *Store) RemoveMember(ctx context.Context, projectID, userID int64) error {
	res := s.wr(ctx).Exec(`DELETE FROM project_members WHERE project_id = ? AND user_id = ?`, projectID, userID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound("member")
	}
	return nil
}
