package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"slant/server/ingest"
)

// importArticles takes files (multipart field "file", several files or a
// zip allowed), a raw body in any import format, or {"url": "..."}, and
// stores them in short chunks that readers see only once the whole import
// is published. The answer is the import report; a fatal problem stores
// nothing and is a 422 (with "problems") or a 413.
func (h *Handler) importArticles(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	opts := ingest.Options{ProjectID: pid, UserID: userOf(c).ID, Chunk: h.cfg.ImportChunk,
		MaxArticles: h.cfg.Import.MaxArticles, MaxTextBytes: h.cfg.Import.MaxTextBytes,
		OtherAnnotators: isManager(c)} // spans of other members (brat annotator folders): managers only
	format := c.DefaultQuery("format", "auto")
	if !slices.Contains(ingest.Formats, format) {
		fail(c, fieldErr("format", "must be one of "+strings.Join(ingest.Formats, ", ")))
		return
	}
	for key, dst := range map[string]*bool{"create_labels": &opts.CreateLabels, "strict": &opts.Strict, "dry_run": &opts.DryRun} {
		if *dst, err = boolQuery(c, key); err != nil {
			fail(c, err)
			return
		}
	}
	if opts.CreateLabels && !isManager(c) { // label schemes are the managers' (see SECURITY.md)
		fail(c, errf(http.StatusForbidden, "forbidden", "only the project's managers (and admins) may create labels during an import (create_labels=true)"))
		return
	}
	// the request's context, not gin's: database/sql watches it from its
	// own goroutines, and gin recycles its Context after the handler returns
	ctx := c.Request.Context()
	if _, err := h.store.GetProject(ctx, pid); err != nil {
		fail(c, err)
		return
	}
	src, cleanup, err := h.importSource(c, format)
	defer cleanup()
	if err != nil {
		fail(c, importError(err))
		return
	}
	rep, err := ingest.Run(ctx, h.store, opts, src)
	if err != nil {
		fail(c, importError(err))
		return
	}
	c.JSON(http.StatusOK, rep)
}

// listImports is a project's import history, newest first: who imported
// what and when, and whether it was published, failed or was a dry run.
func (h *Handler) listImports(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := h.store.ListImports(c.Request.Context(), pid, ownSpansOnly(c), pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]importJSON, len(rows))
	for i := range rows {
		out[i] = importView(&rows[i])
	}
	list(c, out, next)
}

// rawInMemory is how much of a raw body is kept in memory; larger bodies
// are spooled to a temporary file (zips need random access anyway).
const rawInMemory = 1 << 20

// importSource turns the request body into an item stream.
func (h *Handler) importSource(c *gin.Context, format string) (ingest.Stream, func(), error) {
	noop := func() {}
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt == "multipart/form-data" {
		if err := c.Request.ParseMultipartForm(rawInMemory); err != nil { // larger parts go to temporary files
			if isMaxBytes(err) || errors.As(err, new(*bodyTimeoutError)) {
				return nil, noop, err
			}
			return nil, noop, fieldErr("file", "cannot read the multipart upload: "+err.Error())
		}
		form := c.Request.MultipartForm
		cleanup := func() { form.RemoveAll() }
		files := form.File["file"]
		if len(files) == 0 {
			return nil, cleanup, fieldErr("file", "upload the file(s) in the multipart field \"file\"")
		}
		inputs := make([]ingest.Input, len(files))
		for i, fh := range files {
			inputs[i] = ingest.Input{Name: path.Base(strings.ReplaceAll(fh.Filename, `\`, "/")), Size: fh.Size,
				Open: func() (io.ReadCloser, error) { return fh.Open() }}
		}
		return ingest.Parse(inputs, format, h.cfg.Import), cleanup, nil
	}
	head, err := io.ReadAll(io.LimitReader(c.Request.Body, rawInMemory+1))
	if err != nil {
		return nil, noop, err
	}
	if u, ok := urlRequest(mt, head); ok {
		// Fetch before the import starts (and holds the writer in chunks), so a slow
		// site never holds the database's single writer.
		it, err := ingest.NewFetcher(h.cfg.Import.AllowHosts).Fetch(c.Request.Context(), u)
		return func(yield func(*ingest.Item) error) error {
			if err != nil {
				return err
			}
			return yield(it)
		}, noop, nil
	}
	name := "body" + extFor(mt)
	if len(head) <= rawInMemory {
		return ingest.Parse([]ingest.Input{ingest.BytesInput(name, head)}, format, h.cfg.Import), noop, nil
	}
	in, cleanup, err := spoolBody(name, head, c.Request.Body)
	if err != nil {
		return nil, cleanup, err
	}
	return ingest.Parse([]ingest.Input{in}, format, h.cfg.Import), cleanup, nil
}

// spoolBody writes head and the rest of a raw body to a temporary file.
// The input reads the file through io.ReaderAt, so a zip is opened in
// place: wrapped as a plain reader, the zip reader read it all into memory
// (553 MB for a 190 MiB zip, issue 12).
func spoolBody(name string, head []byte, rest io.Reader) (ingest.Input, func(), error) {
	tmp, err := os.CreateTemp("", "slant-import-*")
	if err != nil {
		return ingest.Input{}, func() {}, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := tmp.Write(head); err != nil {
		return ingest.Input{}, cleanup, err
	}
	size, err := io.Copy(tmp, rest)
	if err != nil {
		return ingest.Input{}, cleanup, err
	}
	return ingest.ReaderAtInput(name, tmp, size+int64(len(head))), cleanup, nil
}

// urlRequest recognises {"url": "https://..."} (an object with a url and
// no text, which would make it an article).
func urlRequest(mt string, body []byte) (string, bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || (mt != "application/json" && mt != "") {
		return "", false
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(b, &req) != nil {
		return "", false
	}
	raw, ok := req["url"]
	if _, hasText := req["text"]; !ok || hasText || len(req) != 1 {
		return "", false
	}
	var u string
	if json.Unmarshal(raw, &u) != nil {
		return "", false
	}
	return u, true
}

func extFor(mt string) string {
	switch mt {
	case "application/json":
		return ".json"
	case "application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return ".jsonl"
	case "text/csv":
		return ".csv"
	case "text/html", "application/xhtml+xml":
		return ".html"
	case "application/zip", "application/x-zip-compressed":
		return ".zip"
	case "text/plain":
		return ".txt"
	}
	return ""
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// importError maps import limit errors to 413; everything else goes
// through the one error mapper unchanged.
func importError(err error) error {
	var le *ingest.LimitError
	if errors.As(err, &le) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: le.Error() + "; nothing was stored",
			Extra: map[string]any{"problems": []ingest.Problem{le.Problem}}}
	}
	if isMaxBytes(err) {
		return err
	}
	var p *ingest.Problem
	if errors.As(err, &p) {
		return ingest.Failed(p.Error()+"; nothing was stored", []ingest.Problem{*p})
	}
	return err
}
