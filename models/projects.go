package models

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// DefaultLabels is the scheme a project gets when it is created without one.
func DefaultLabels() []Label {
	return []Label{
		{Key: "opinion", Name: "Opinion as fact", Color: "#e0a030", Hotkey: "1",
			Description: "A judgement, prediction or evaluation stated in the outlet's own voice as if it were established fact, with no attribution. " +
				"Mark the smallest span that carries the judgement (\"the reckless plan\", \"will inevitably fail\"). Quoted opinions of named people are attributed claims instead."},
		{Key: "attributed_claim", Name: "Attributed claim", Color: "#3b82c4", Hotkey: "2",
			Description: "A claim the article attributes to a source: a person, an institution, a document or \"officials\". " +
				"Mark the claim together with its attribution cue (\"said\", \"according to\") and record who made it in the speaker field; use \"unnamed\" for anonymous sources."},
		{Key: "state_media_framing", Name: "State-media framing", Color: "#c7423b", Hotkey: "3",
			Description: "Wording that carries a government's official narrative: loaded labels for opponents, euphemisms for state action, " +
				"official claims presented without attribution, or emphasis that serves the state's position. Note which narrative in the note field."},
		{Key: "source", Name: "Source", Color: "#3f9e5a", Hotkey: "4",
			Description: "The words naming who made an attributed claim (\"the interior minister\", \"a spokesperson\", \"officials\"). Link the claim to it with said by (R)."},
		{Key: "cue", Name: "Reporting cue", Color: "#8e5bc4", Hotkey: "5",
			Description: "The reporting verb or phrase that introduces a claim (\"said\", \"according to\", \"claimed\"). Link it to its claim with cue of."},
	}
}

var (
	labelKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	colorRe    = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	palette    = []string{"#e0a030", "#3b82c4", "#c7423b", "#3f9e5a", "#8e5bc4", "#c45b9e", "#5bb3c4", "#7a7a7a"}
)

// ProjectSummary is a project with its counts for one user.
type ProjectSummary struct {
	Project
	ArticleCount    int64
	AnnotationCount int64  // in a blind project, an annotator's own spans only
	DoneCount       int64  // articles the given user marked done
	Role            string // the viewer's role (ListProjectsFor only): admin, manager, curator, annotator
}

func validateProject(p *Project) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return Invalid("name", "is required")
	}
	if utf8.RuneCountInString(p.Name) > 200 {
		return Invalid("name", "must be at most 200 characters")
	}
	if p.AnnotatorsPerArticle == 0 {
		p.AnnotatorsPerArticle = 1
	}
	if p.AnnotatorsPerArticle < 1 || p.AnnotatorsPerArticle > MaxAnnotatorsPerArticle {
		return Invalid("annotators_per_article", "must be from 1 to "+itoa(MaxAnnotatorsPerArticle))
	}
	return nil
}

// CreateProject stores p and its label scheme (the default scheme when
// labels is empty) in one transaction.
func (s *Store) CreateProject(ctx context.Context, p *Project, labels []Label) error {
	if err := validateProject(p); err != nil {
		return err
	}
	defaulted := len(labels) == 0
	if defaulted {
		labels = DefaultLabels()
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.wr(ctx).Create(p).Error; err != nil {
			return err
		}
		for i := range labels {
			labels[i].ProjectID = p.ID
			if err := tx.CreateLabel(ctx, &labels[i]); err != nil {
				if ve, ok := err.(*ValidationError); ok {
					return ve.WithPrefix("labels[" + itoa(i) + "].")
				}
				return err
			}
		}
		if defaulted { // the default scheme links claims to sources and cues
			for _, t := range DefaultRelationTypes() {
				t.ProjectID = p.ID
				if err := tx.CreateRelationType(ctx, &t); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// GetProject returns one project.
func (s *Store) GetProject(ctx context.Context, id int64) (*Project, error) {
	var p Project
	if err := s.rd(ctx).First(&p, id).Error; err != nil {
		return nil, notFoundOr(err, "project")
	}
	return &p, nil
}

// ListProjects lists projects by id with counts; DoneCount is for userID.
func (s *Store) ListProjects(ctx context.Context, userID int64, pg Page) ([]ProjectSummary, *string, error) {
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	q := s.projectListQuery(ctx, userID, nil, after, pg)
	var rows []ProjectSummary
	if err := q.Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	rows, next := pageOf(rows, pg.limit(), func(r ProjectSummary) []int64 { return []int64{r.ID} })
	return rows, next, nil
}

// ListProjectsFor lists the projects u may see — every one for an admin,
// else those u is a member of — with u's role and counts.
func (s *Store) ListProjectsFor(ctx context.Context, u *User, pg Page) ([]ProjectSummary, *string, error) {
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	var rows []ProjectSummary
	if err := s.projectListQuery(ctx, u.ID, u, after, pg).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	for i := range rows {
		if u.Role == RoleAdmin {
			rows[i].Role = RoleAdmin
		}
	}
	rows, next := pageOf(rows, pg.limit(), func(r ProjectSummary) []int64 { return []int64{r.ID} })
	return rows, next, nil
}

// projectListQuery builds the project list. The counts are kept by
// triggers (migration 6), and so is done_count (migration 8).
// With a viewer who is not an admin, only the viewer's projects are
// listed, and in a blind project an annotator counts only their own spans
// (from the (user_id, project_id) index).
func (s *Store) projectListQuery(ctx context.Context, userID int64, viewer *User, after []int64, pg Page) *gorm.DB {
	q := s.rd(ctx).Table("projects").Select(`projects.id, projects.name, projects.description, projects.blind, projects.annotators_per_article,
		projects.created_at, projects.updated_at, projects.article_count, m.role AS role,
		COALESCE((SELECT ds.done_count FROM done_state ds WHERE ds.user_id = ? AND ds.project_id = projects.id), 0) AS done_count,
		CASE WHEN projects.blind AND m.role = 'annotator'
			THEN (SELECT COUNT(*) FROM annotations n WHERE n.user_id = ? AND n.project_id = projects.id)
			ELSE projects.annotation_count END AS annotation_count`, userID, userID).
		Joins("LEFT JOIN project_members m ON m.project_id = projects.id AND m.user_id = ?", userID).
		Order("projects.id").Limit(pg.limit() + 1)
	if viewer != nil && viewer.Role != RoleAdmin {
		q = q.Where("m.user_id IS NOT NULL")
	}
	if after != nil {
		q = q.Where("projects.id > ?", after[0])
	}
	return q
}

// UpdateProject applies patch to project id and saves it.
func (s *Store) UpdateProject(ctx context.Context, id int64, patch func(*Project) error) (*Project, error) {
	var out *Project
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := tx.GetProject(ctx, id)
		if err != nil {
			return err
		}
		if err := patch(p); err != nil {
			return err
		}
		if err := validateProject(p); err != nil {
			return err
		}
		out = p
		return tx.wr(ctx).Save(p).Error
	})
	return out, err
}

// DeleteProject removes a project with its labels, articles and annotations.
func (s *Store) DeleteProject(ctx context.Context, id int64) error {
	// its span history goes with it (a trigger), so recording each span's
	// deletion first would only be thrown away
	ctx = withMute(ctx)
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, id); err != nil {
			return err
		}
		// Annotations restrict label deletion; remove them first.
		if err := tx.wr(ctx).Where("project_id = ?", id).Delete(&Annotation{}).Error; err != nil {
			return err
		}
		return tx.wr(ctx).Delete(&Project{}, id).Error
	})
	if err == nil && s.texts != nil {
		s.texts.clear() // the project's articles are gone; a rare operation
	}
	return err
}

// ---- labels ----

func (s *Store) validateLabel(ctx context.Context, l *Label) error {
	l.Key = strings.TrimSpace(l.Key)
	l.Name = strings.TrimSpace(l.Name)
	l.Hotkey = strings.TrimSpace(l.Hotkey)
	if !labelKeyRe.MatchString(l.Key) {
		return Invalid("key", "must be a lower-case slug: a letter, then letters, digits or _ (at most 64)")
	}
	if l.Name == "" {
		l.Name = strings.ReplaceAll(l.Key, "_", " ")
	}
	if utf8.RuneCountInString(l.Name) > 100 {
		return Invalid("name", "must be at most 100 characters")
	}
	if l.Color != "" && !colorRe.MatchString(l.Color) {
		return Invalid("color", "must be a #rrggbb colour")
	}
	if utf8.RuneCountInString(l.Hotkey) > 1 || (l.Hotkey != "" && IsBlank(l.Hotkey)) {
		return Invalid("hotkey", "must be a single character")
	}
	if l.Hotkey != "" {
		var n int64
		q := s.rd(ctx).Model(&Label{}).Where("project_id = ? AND hotkey = ? AND id <> ?", l.ProjectID, l.Hotkey, l.ID)
		if err := q.Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Message: "hotkey " + l.Hotkey + " is already used by another label of this project"}
		}
	}
	return nil
}

// CreateLabel adds a label to a project; color and sort order default sensibly.
func (s *Store) CreateLabel(ctx context.Context, l *Label) error {
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, l.ProjectID); err != nil {
			return err
		}
		if err := tx.validateLabel(ctx, l); err != nil {
			return err
		}
		var n int64
		if err := tx.rd(ctx).Model(&Label{}).Where("project_id = ?", l.ProjectID).Count(&n).Error; err != nil {
			return err
		}
		if l.Color == "" {
			l.Color = palette[int(n)%len(palette)]
		}
		if l.SortOrder == 0 {
			var maxOrder int
			tx.rd(ctx).Model(&Label{}).Where("project_id = ?", l.ProjectID).Select("COALESCE(MAX(sort_order), 0)").Row().Scan(&maxOrder)
			l.SortOrder = maxOrder + 1
		}
		if err := tx.wr(ctx).Create(l).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "label key " + l.Key + " already exists in this project"}
			}
			return err
		}
		return nil
	})
}

// ListLabels returns a project's labels in display order.
func (s *Store) ListLabels(ctx context.Context, projectID int64) ([]Label, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	var out []Label
	err := s.rd(ctx).Where("project_id = ?", projectID).Where(visible("labels")).Order("sort_order, id").Find(&out).Error
	return out, err
}

// GetLabel returns one label.
func (s *Store) GetLabel(ctx context.Context, id int64) (*Label, error) {
	var l Label
	if err := s.rd(ctx).Where(visible("labels")).First(&l, id).Error; err != nil {
		return nil, notFoundOr(err, "label")
	}
	return &l, nil
}

// LabelByKey finds a project's label by key.
func (s *Store) LabelByKey(ctx context.Context, projectID int64, key string) (*Label, error) {
	var l Label
	if err := s.rd(ctx).Where("project_id = ? AND key = ?", projectID, key).Where(visible("labels")).First(&l).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, unknownLabel(key)
		}
		return nil, err
	}
	return &l, nil
}

// unknownLabel is the refusal of a label key the project does not have.
func unknownLabel(key string) error {
	return Invalid("label", "unknown label key "+quoteKey(key)+" for this project")
}

// UpdateLabel applies patch to label id and saves it.
func (s *Store) UpdateLabel(ctx context.Context, id int64, patch func(*Label) error) (*Label, error) {
	var out *Label
	err := s.Tx(ctx, func(tx *Store) error {
		l, err := tx.GetLabel(ctx, id)
		if err != nil {
			return err
		}
		if err := patch(l); err != nil {
			return err
		}
		if err := tx.validateLabel(ctx, l); err != nil {
			return err
		}
		if err := tx.wr(ctx).Save(l).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "label key " + l.Key + " already exists in this project"}
			}
			return err
		}
		out = l
		return nil
	})
	return out, err
}

// DeleteLabel removes a label that no annotation uses (else ErrConflict).
func (s *Store) DeleteLabel(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetLabel(ctx, id); err != nil {
			return err
		}
		var n, hidden int64
		if err := tx.rd(ctx).Model(&Annotation{}).Where("label_id = ?", id).Where(visible("annotations")).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Message: "label is used by " + itoa(int(n)) + " annotation(s); delete or relabel them first"}
		}
		if err := tx.rd(ctx).Model(&Annotation{}).Where("label_id = ?", id).Count(&hidden).Error; err != nil {
			return err
		}
		if hidden > 0 {
			return &ConflictError{Message: "label is used by an import that has not finished; try again when it has"}
		}
		var types int64
		if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM relation_types WHERE from_label_id = ? OR to_label_id = ?`, id, id).Row().Scan(&types); err != nil {
			return err
		}
		if types > 0 {
			return &ConflictError{Message: "label is named by " + itoa(int(types)) + " relation type(s); change or delete them first"}
		}
		return tx.wr(ctx).Delete(&Label{}, id).Error
	})
}
