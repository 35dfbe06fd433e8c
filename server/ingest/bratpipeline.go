package ingest

import (
	"errors"
	"strconv"
	"strings"

	"slant/models"
)

// What the pipeline does with the parts of an item that brat brings:
// spans of named annotators and relations between the item's spans.

// annotatorRef is a resolved Span.Annotator: a user id, or why not.
type annotatorRef struct {
	id  int64
	why string
}

// spanEnd is what became of one of an item's spans: stored as id, or
// skipped as already there (a re-import); neither: refused (reported).
type spanEnd struct {
	id      int64
	skipped bool
}

// annotator is the user a span is stored for: the importing user, or the
// project member the span names. 0 with no error: reported, skip it.
// Naming another member than oneself is for the project's managers
// (Options.OtherAnnotators), as is creating labels.
func (im *importer) annotator(it *Item, sp *Span) (int64, error) {
	name := sp.Annotator
	if name == "" {
		return im.opts.UserID, nil
	}
	if im.users == nil {
		im.users = map[string]annotatorRef{}
	}
	ref, ok := im.users[name]
	if !ok {
		var err error
		if ref, err = im.resolveAnnotator(name); err != nil {
			return 0, err
		}
		im.users[name] = ref
	}
	if ref.why != "" {
		im.problem(im.spanProblem(it, sp, "annotator", "span not imported: "+ref.why))
	}
	return ref.id, nil
}

func (im *importer) resolveAnnotator(name string) (annotatorRef, error) {
	u, err := im.s.UserByName(im.ctx, name)
	if errors.Is(err, models.ErrNotFound) {
		return annotatorRef{why: "annotator " + strconv.Quote(name) + " is not a user; create the user and add them to the project first"}, nil
	}
	if err != nil {
		return annotatorRef{}, err
	}
	if u.ID == im.opts.UserID {
		return annotatorRef{id: u.ID}, nil
	}
	if _, err := im.s.ProjectAccess(im.ctx, im.opts.ProjectID, u); errors.Is(err, models.ErrNotFound) {
		return annotatorRef{why: "annotator " + strconv.Quote(name) + " is not a member of this project; add them first"}, nil
	} else if err != nil {
		return annotatorRef{}, err
	}
	if !im.opts.OtherAnnotators {
		return annotatorRef{why: "only the project's managers may import other annotators' spans (" + strconv.Quote(name) + ")"}, nil
	}
	return annotatorRef{id: u.ID}, nil
}

// relations stores the item's relations between its stored spans on
// article id. A relation whose spans were both already there is counted
// as skipped (a re-import); one with a refused span is reported.
func (im *importer) relations(it *Item, id int64, ends []spanEnd) error {
	for _, r := range it.Relations {
		p := Problem{File: r.File, Line: r.Line, Field: "relation"}
		if p.File == "" {
			p.File, p.Line = it.File, it.Line
		}
		if r.From < 0 || r.From >= len(ends) || r.To < 0 || r.To >= len(ends) {
			p.Message = "relation not imported: it names a span that is not there"
			im.problem(p)
			continue
		}
		from, to := ends[r.From], ends[r.To]
		if (from.id == 0 && !from.skipped) || (to.id == 0 && !to.skipped) {
			p.Message = "relation not imported: one of its spans was not imported"
			im.problem(p)
			continue
		}
		if from.id == 0 || to.id == 0 { // already there: a re-import
			im.rep.RelationsSkipped++
			continue
		}
		t, err := im.relationType(r.Type, &p)
		if err != nil {
			return err
		}
		if t == nil {
			continue
		}
		rid, err := im.w.InsertRelation(models.ImportRelation{ArticleID: id, Type: t, FromID: from.id, ToID: to.id})
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			p.Message = "relation " + t.Key + " not imported: " + ve.Error()
			im.problem(p)
			continue
		}
		if rid == 0 {
			im.rep.RelationsSkipped++
		} else {
			im.rep.RelationsCreated++
		}
	}
	return nil
}

// relationType resolves a relation type by name, creating it (between
// spans of any labels) when labels may be created. nil with no error:
// reported.
func (im *importer) relationType(name string, p *Problem) (*models.RelationType, error) {
	key := LabelKeyOf(name)
	if key == "" {
		p.Message = "relation not imported: empty or unusable relation type " + strconv.Quote(name)
		im.problem(*p)
		return nil, nil
	}
	if im.rtypes == nil {
		im.rtypes = map[string]*models.RelationType{}
	}
	if t, ok := im.rtypes[key]; ok && t != nil {
		return t, nil
	}
	if _, ok := im.rtypes[key]; !ok {
		t, err := im.w.RelationTypeByKey(im.opts.ProjectID, key)
		if err == nil {
			im.rtypes[key] = t
			return t, nil
		}
		if !errors.Is(err, models.ErrInvalid) {
			return nil, err
		}
		im.rtypes[key] = nil
	}
	if !im.opts.CreateLabels {
		p.Message = "relation not imported: unknown relation type " + strconv.Quote(name) + " (key " + key + "); import with create_labels=true to create it"
		im.problem(*p)
		return nil, nil
	}
	t := &models.RelationType{ProjectID: im.opts.ProjectID, Key: key, Name: strings.ReplaceAll(strings.TrimSpace(name), "_", " ")}
	if len([]rune(t.Name)) > 100 {
		t.Name = string([]rune(t.Name)[:100])
	}
	if err := im.w.CreateRelationType(t); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			p.Message = "relation not imported: cannot create relation type " + strconv.Quote(name) + ": " + ve.Error()
			im.problem(*p)
			return nil, nil
		}
		return nil, err
	}
	im.rtypes[key] = t
	im.rep.RelationTypesCreated = append(im.rep.RelationTypesCreated, key)
	return t, nil
}
