package ingest

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// countingReaderAt counts the bytes read sequentially and at offsets.
type countingReaderAt struct {
	ra          io.ReaderAt
	size        int64
	read, atted int64
}

func (c *countingReaderAt) input(name string, hideReadAt bool) Input {
	return Input{Name: name, Size: c.size, Open: func() (io.ReadCloser, error) {
		sr := io.NewSectionReader(c, 0, c.size)
		if hideReadAt { // what the raw-body path handed over before issue 12
			return io.NopCloser(&countingReader{sr, c}), nil
		}
		return struct {
			io.Reader
			io.ReaderAt
			io.Closer
		}{&countingReader{sr, c}, sr, io.NopCloser(nil)}, nil
	}}
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.ra.ReadAt(p, off)
	c.atted += int64(n)
	return n, err
}

type countingReader struct {
	r io.Reader
	c *countingReaderAt
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.c.read += int64(n)
	return n, err
}

// bigStoredZip writes a zip of many small entries and one large stored
// (uncompressed) one to a file, without holding it in memory.
func bigStoredZip(t *testing.T, big int) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "big.zip"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	zw := zip.NewWriter(f)
	for i := range 2000 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("small/%04d.txt", i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "Title %d\n\nBody %d.\n", i, i)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "big.txt", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'a' + byte(i%26)
	}
	for range big / len(chunk) {
		w.Write(chunk)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A raw zip upload spooled to a file is opened through io.ReaderAt: the
// archive is read in place, so expanding it allocates a small fraction
// of its size (issue 12: 553 MB for a 190 MiB zip when the spooled file
// was handed over as a plain reader, which zip can only read whole).
// Not parallel: the allocation count is the process's.
func TestZipIsReadInPlaceThroughReaderAt(t *testing.T) {
	f := bigStoredZip(t, 32<<20)
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	lim := DefaultLimits()

	for _, name := range []string{"body", "body.zip"} { // detected by magic bytes, or by name
		c := &countingReaderAt{ra: f, size: size}
		var files []Input
		alloc := allocated(func() {
			files, _, err = expandZips([]Input{c.input(name, false)}, lim)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2001 {
			t.Fatalf("%d entries", len(files))
		}
		if c.read > 4 { // at most the magic-byte sniff reads sequentially
			t.Errorf("%s: %d bytes read sequentially, want the zip opened through ReadAt", name, c.read)
		}
		if alloc > uint64(size)/8 {
			t.Errorf("%s: opening a %d-byte zip allocated %d bytes, want well below its size", name, size, alloc)
		}
		t.Logf("%s: %d-byte zip opened with %d bytes allocated, %d read at offsets", name, size, alloc, c.atted)
		// an entry still reads back through the budget
		rc, err := files[7].Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "Title 7\n\nBody 7.\n" {
			t.Fatalf("entry: %q", b)
		}
	}

	// The same archive behind a plain reader must be copied whole: the
	// measurement above tells the two paths apart.
	c := &countingReaderAt{ra: f, size: size}
	alloc := allocated(func() {
		_, _, err = expandZips([]Input{c.input("body.zip", true)}, lim)
	})
	if err != nil {
		t.Fatal(err)
	}
	if alloc < uint64(size) {
		t.Fatalf("plain reader: %d bytes allocated for a %d-byte zip; the measurement does not discriminate", alloc, size)
	}
}

// The exported wrappers keep ReadAt visible.
func TestInputsOpenAsReaderAt(t *testing.T) {
	t.Parallel()
	for _, in := range []Input{BytesInput("a.zip", []byte("PK\x03\x04")), ReaderAtInput("b.zip", strings.NewReader("PK"), 2)} {
		rc, err := in.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rc.(io.ReaderAt); !ok {
			t.Errorf("%s opens as %T, not an io.ReaderAt", in.Name, rc)
		}
		rc.Close()
	}
}
