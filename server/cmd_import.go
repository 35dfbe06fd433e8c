package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"slant/models"
	"slant/seeds"
	"slant/server/export"
	"slant/server/ingest"
)

const importUsage = `usage: slant import --project ID [--format auto] [--create-labels] [--strict] [--dry-run]
                    [--user NAME] [--json] [--db FILE] FILE|DIR|- ...`

// cmdImport imports files (a directory is read recursively, "-" is
// standard input) into a project and prints the report. The import is
// written in short chunks and published at the end in one step, so
// readers see all of it or none. A progress bar is shown only when
// stderr is a terminal.
func cmdImport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("import")
	project := fs.Int64("project", 0, "project id")
	format := fs.String("format", "auto", "input format: "+strings.Join(ingest.Formats, ", "))
	createLabels := fs.Bool("create-labels", false, "create labels the project does not have")
	strict := fs.Bool("strict", false, "reject the whole import on any problem")
	dryRun := fs.Bool("dry-run", false, "report what would be imported; store nothing")
	userName := fs.String("user", "", "annotator of imported spans (default: the first admin)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limits := ingest.DefaultLimits()
	fs.IntVar(&limits.MaxArticles, "max-articles", limits.MaxArticles, "most articles in one import")
	fs.IntVar(&limits.MaxTextBytes, "max-text", limits.MaxTextBytes, "largest article text in bytes")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *project <= 0 || len(paths) == 0 {
		//lint:ignore ST1005 the usage text is the message
		return errors.New(importUsage)
	}
	if !slices.Contains(ingest.Formats, *format) {
		return fmt.Errorf("unknown format %q (%s)", *format, strings.Join(ingest.Formats, ", "))
	}
	inputs, cleanup, err := cliInputs(paths, stdin)
	defer cleanup()
	if err != nil {
		return err
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	// Ctrl-C stops the import; its chunks are never published and are removed
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	user, err := importUser(ctx, store, *userName)
	if err != nil {
		return err
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		inputs = withProgress(inputs, stderr)
	}
	opts := ingest.Options{ProjectID: *project, UserID: user.ID, CreateLabels: *createLabels, OtherAnnotators: true, // the database's owner
		Strict: *strict, DryRun: *dryRun, MaxArticles: limits.MaxArticles, MaxTextBytes: limits.MaxTextBytes}
	if serverRunning(*dbPath) {
		// the server's saves can only poll for the database lock from
		// another process: leave them a gap after every chunk
		opts.Pause = models.ImportChunk
		fmt.Fprintln(stderr, "slant serve is using this database: the import pauses between chunks so that annotators' saves get through.\nImporting through the server (the Import page or POST /api/v1/projects/ID/import) avoids the pauses.")
	}
	rep, err := ingest.Run(ctx, store, opts, ingest.Parse(inputs, *format, limits))
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("import interrupted; nothing was stored")
		}
		var b strings.Builder
		b.WriteString(err.Error())
		for i, p := range ingest.ProblemsOf(err) {
			if i == 20 {
				b.WriteString("\n  ...")
				break
			}
			b.WriteString("\n  " + p.Error())
		}
		return errors.New(b.String())
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	verb := "imported"
	if rep.DryRun {
		verb = "dry run (nothing stored): would import"
	}
	fmt.Fprintf(stdout, "%s %d article(s), skipped %d duplicate(s); %d span(s) created, %d already present\n",
		verb, rep.ArticlesCreated, rep.ArticlesSkipped, rep.SpansCreated, rep.SpansSkipped)
	if len(rep.LabelsCreated) > 0 {
		fmt.Fprintf(stdout, "labels created: %s\n", strings.Join(rep.LabelsCreated, ", "))
	}
	if rep.ProblemCount > 0 {
		fmt.Fprintf(stdout, "%d problem(s):\n", rep.ProblemCount)
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  %s\n", p.Error())
		}
	}
	return nil
}

// cliInputs expands directories and spools standard input to a file
// (parsers may open an input twice: once to sniff it).
func cliInputs(paths []string, stdin io.Reader) ([]ingest.Input, func(), error) {
	var inputs []ingest.Input
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, p := range paths {
		if p == "-" {
			tmp, err := os.CreateTemp("", "slant-stdin-*")
			if err != nil {
				return nil, cleanup, err
			}
			temps = append(temps, tmp.Name())
			_, err = io.Copy(tmp, stdin)
			tmp.Close()
			if err != nil {
				return nil, cleanup, err
			}
			in, err := ingest.FileInput(tmp.Name())
			if err != nil {
				return nil, cleanup, err
			}
			in.Name = "stdin"
			inputs = append(inputs, in)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, cleanup, err
		}
		if !st.IsDir() {
			in, err := ingest.FileInput(p)
			if err != nil {
				return nil, cleanup, err
			}
			inputs = append(inputs, in)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			in, err := ingest.FileInput(path)
			if err == nil {
				inputs = append(inputs, in)
			}
			return err
		})
		if err != nil {
			return nil, cleanup, err
		}
	}
	return inputs, cleanup, nil
}

func importUser(ctx context.Context, store *models.Store, name string) (*models.User, error) {
	if name != "" {
		u, err := store.UserByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w", name, err)
		}
		return u, nil
	}
	users, err := store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Role == models.RoleAdmin {
			return &u, nil
		}
	}
	return nil, errors.New("no admin user yet: create one with `slant user add NAME --role admin`, or pass --user")
}

// withProgress wraps inputs so reading them advances one byte-count bar.
// Zips are left alone: they are read by random access.
func withProgress(inputs []ingest.Input, w io.Writer) []ingest.Input {
	var total int64
	for _, in := range inputs {
		total += max(in.Size, 0)
	}
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(100_000_000),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }), progressbar.OptionClearOnFinish())
	out := make([]ingest.Input, len(inputs))
	for i, in := range inputs {
		out[i] = in
		if strings.HasSuffix(strings.ToLower(in.Name), ".zip") {
			continue
		}
		open := in.Open
		out[i].Open = func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil {
				return nil, err
			}
			return &progressReader{ReadCloser: rc, bar: bar}, nil
		}
	}
	return out
}

type progressReader struct {
	io.ReadCloser
	bar *progressbar.ProgressBar
}

func (r *progressReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.bar.Add(n)
	return n, err
}

const sourcesUsage = `usage: slant sources import FILE [--db FILE]     (JSON array or CSV: domain,name,country,ownership,notes)
       slant sources list [--ownership O] [--db FILE]`

// cmdSources imports outlet profiles (new domains are created, existing
// ones updated) or lists them.
func cmdSources(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(sourcesUsage)
	}
	switch args[0] {
	case "import":
		fs, dbPath := newFlags("sources import")
		pos, err := parseInterleaved(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New(sourcesUsage)
		}
		list, err := readOutlets(pos[0])
		if err != nil {
			return err
		}
		store, err := models.Open(*dbPath)
		if err != nil {
			return err
		}
		defer store.Close()
		created, updated, err := seeds.UpsertOutlets(context.Background(), store, list, true)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d outlet(s) created, %d updated\n", created, updated)
		return nil
	case "list":
		fs, dbPath := newFlags("sources list")
		ownership := fs.String("ownership", "", "only this ownership ("+strings.Join(models.Ownerships, ", ")+")")
		if _, err := parseInterleaved(fs, args[1:]); err != nil {
			return err
		}
		store, err := models.Open(*dbPath)
		if err != nil {
			return err
		}
		defer store.Close()
		fmt.Fprintln(stdout, "domain\tname\tcountry\townership\tnotes")
		pg := models.Page{Limit: models.MaxLimit}
		for {
			rows, next, err := store.ListSources(context.Background(), models.SourceFilter{Ownership: *ownership}, pg)
			if err != nil {
				return err
			}
			for _, s := range rows {
				fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", s.Domain, s.Name, s.Country, s.Ownership, strings.ReplaceAll(s.Notes, "\t", " "))
			}
			if next == nil {
				return nil
			}
			pg.Cursor = *next
		}
	}
	return errors.New(sourcesUsage)
}

// readOutlets reads a JSON array of outlets or a CSV with a header.
func readOutlets(path string) ([]seeds.Outlet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var list []seeds.Outlet
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return list, nil
	}
	recs, err := export.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no outlets (expected a header row and data rows)", path)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["domain"]; !ok {
		return nil, fmt.Errorf("%s: no domain column", path)
	}
	var list []seeds.Outlet
	for n, r := range recs[1:] {
		if len(r) != len(recs[0]) {
			return nil, fmt.Errorf("%s: row %d has %d fields; the header has %d", path, n+2, len(r), len(recs[0]))
		}
		get := func(k string) string {
			if i, ok := col[k]; ok {
				return strings.TrimSpace(r[i])
			}
			return ""
		}
		list = append(list, seeds.Outlet{Domain: get("domain"), Name: get("name"), Country: get("country"), Ownership: get("ownership"), Notes: get("notes")})
	}
	return list, nil
}
