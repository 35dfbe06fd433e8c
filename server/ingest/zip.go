package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

var zipMagic = []byte("PK\x03\x04")

// expandZips replaces each zip among inputs by its entries. Entries with
// "../" or absolute paths refuse the whole upload; so do archives whose
// entries add up to more than the configured size or count (zip bombs),
// measured while reading, not trusted from the headers. Nested zips are
// not followed (reported).
func expandZips(inputs []Input, lim Limits) ([]Input, []Problem, error) {
	var out []Input
	var problems []Problem
	budget := &zipBudget{left: lim.unzippedBytes()}
	entries, declared := 0, uint64(0)
	for _, in := range inputs {
		isZip, err := sniffZip(in)
		if err != nil {
			return nil, nil, err
		}
		if !isZip {
			out = append(out, in)
			continue
		}
		zr, err := openZip(in, lim)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range zr.File {
			name := strings.ReplaceAll(f.Name, `\`, "/")
			if bad := unsafeZipPath(name); bad != "" {
				return nil, nil, fail(in.Name, 0, "file", "zip entry %q %s; refusing the archive", f.Name, bad)
			}
			if f.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), ".") {
				continue
			}
			entries++
			if entries > lim.zipEntries() {
				return nil, nil, &LimitError{Problem: Problem{File: in.Name,
					Message: fmt.Sprintf("zip has more than %d files", lim.zipEntries())}}
			}
			declared += f.UncompressedSize64
			if declared > uint64(lim.unzippedBytes()) {
				return nil, nil, budget.exceeded(in.Name + "/" + name)
			}
			if strings.HasSuffix(strings.ToLower(name), ".zip") {
				problems = append(problems, Problem{File: in.Name + "/" + name, Message: "nested zip not followed; unpack it first"})
				continue
			}
			f, full := f, in.Name+"/"+name
			out = append(out, Input{Name: full, Size: int64(f.UncompressedSize64), Open: func() (io.ReadCloser, error) {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				return &budgetReader{rc: rc, b: budget, name: full}, nil
			}})
		}
	}
	return out, problems, nil
}

func sniffZip(in Input) (bool, error) {
	if strings.HasSuffix(strings.ToLower(in.Name), ".zip") {
		return true, nil
	}
	rc, err := in.Open()
	if err != nil {
		return false, fail(in.Name, 0, "", "cannot open: %v", err)
	}
	defer rc.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(rc, head)
	return bytes.Equal(head[:n], zipMagic), nil
}

func openZip(in Input, lim Limits) (*zip.Reader, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, fail(in.Name, 0, "", "cannot open: %v", err)
	}
	var ra io.ReaderAt
	size := in.Size
	if r, ok := rc.(io.ReaderAt); ok && size >= 0 {
		ra = r
	} else {
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, lim.MaxUploadBytes+1))
		if err != nil {
			return nil, readErr(in.Name, err)
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fail(in.Name, 0, "", "not a readable zip archive: %v", err)
	}
	return zr, nil
}

// unsafeZipPath says why a zip entry name is refused, or "".
func unsafeZipPath(name string) string {
	if strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
		return "has an absolute path"
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "has a ../ path that leaves the archive"
		}
	}
	return ""
}

type zipBudget struct{ left int64 }

func (b *zipBudget) exceeded(name string) error {
	return &LimitError{Problem: Problem{File: name,
		Message: "zip expands to more than the allowed uncompressed size (zip bomb?); refusing the archive"}}
}

// budgetReader counts the bytes really decompressed against the budget.
type budgetReader struct {
	rc   io.ReadCloser
	b    *zipBudget
	name string
}

func (r *budgetReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.b.left -= int64(n)
	if r.b.left < 0 {
		return n, r.b.exceeded(r.name)
	}
	return n, err
}

func (r *budgetReader) Close() error { return r.rc.Close() }
