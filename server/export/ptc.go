package export

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"time"

	"slant/models"
)

// PTC writes a zip in the SemEval-2020 Task 11 (Propaganda Techniques
// Corpus) layout: for every article, article<ID>.txt with the exact text
// and article<ID>.task-flc-tc.labels with one
// "ID<TAB>label<TAB>start<TAB>end" line per span (code points; the text
// is written byte for byte, so a CR counts as a character as the task's
// tools expect). The zip streams: entries are written article by article.
type PTC struct {
	zw     *zip.Writer
	cur    int64
	labels strings.Builder
	open   bool
}

// NewPTC returns a PTC zip writer on w.
func NewPTC(w io.Writer) *PTC { return &PTC{zw: zip.NewWriter(w)} }

func (p *PTC) Begin() error { return nil }

func (p *PTC) entry(name string) (io.Writer, error) {
	return p.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
}

func (p *PTC) Row(r *models.ExportRow) error {
	if !p.open || p.cur != r.ArticleID {
		if err := p.flushLabels(); err != nil {
			return err
		}
		w, err := p.entry(fmt.Sprintf("article%d.txt", r.ArticleID))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, r.ArticleText); err != nil {
			return err
		}
		p.cur, p.open = r.ArticleID, true
	}
	// Tabs or newlines in a label key cannot occur (keys are slugs).
	fmt.Fprintf(&p.labels, "%d\t%s\t%d\t%d\n", r.ArticleID, r.Label, r.Start, r.End)
	return nil
}

func (p *PTC) flushLabels() error {
	if !p.open {
		return nil
	}
	w, err := p.entry(fmt.Sprintf("article%d.task-flc-tc.labels", p.cur))
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, p.labels.String())
	p.labels.Reset()
	p.open = false
	return err
}

func (p *PTC) End() error {
	if err := p.flushLabels(); err != nil {
		return err
	}
	return p.zw.Close()
}
