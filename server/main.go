// Command slant serves the annotation API and UI, and manages users,
// tokens, exports and backups of its database: a SQLite file, or a
// PostgreSQL database that several servers may share.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"slant/frontend"
	"slant/models"
	"slant/seeds"
	"slant/server/api"
	"slant/server/export"
	"slant/server/ingest"
)

const usage = `slant — source-bias and framing annotation

Usage:
  slant serve  [--db FILE] [--addr HOST:PORT] [--demo] [--public-url URL] [--allowed-hosts H,...] [--trusted-proxies CIDR,...]
  slant user add NAME --role admin|annotator [--db FILE]     (password on stdin)
  slant user list | disable NAME | enable NAME | role NAME admin|annotator | delete NAME | revoke-tokens NAME
  slant member list --project ID | add --project ID NAME [annotator|curator|manager] | remove --project ID NAME
  slant invite --project ID [--role annotator|curator|manager] [--expires 72h] [--public-url URL]  (prints a single-use link)
  slant token create --user NAME [--name LABEL] [--db FILE]  (prints the token only)
  slant export --project ID [--format csv|jsonl|doccano|w3c|ptc|parquet|xlsx] [--raw] [--bom] [-o FILE] [--label KEY] [--annotator NAME] [--source DOMAIN] [--origin O]
  slant import --project ID [--format F] [--create-labels] [--strict] [--dry-run] [--user NAME] [--json] FILE|DIR|-...
  slant sources import FILE | slant sources list [--ownership O]
  slant backup FILE [--db FILE]                              (PostgreSQL: runs pg_dump)
  slant migrate-db --from FILE --to postgres://...          (copies a SQLite database into an empty PostgreSQL one)
  slant version

Every command takes --db (env SLANT_DB, default ./data/slant.db): a SQLite
file, or a postgres:// URL (its password best in PGPASSWORD or ~/.pgpass).
`

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "slant:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return cmdServe(rest, stderr)
	case "user":
		if len(rest) > 0 && rest[0] == "add" {
			return cmdUserAdd(rest[1:], stdin, stdout, stderr)
		}
		return cmdUser(rest, stdout)
	case "member":
		return cmdMember(rest, stdout)
	case "invite":
		return cmdInvite(rest, stdout, stderr)
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return errors.New("usage: slant token create --user NAME [--name LABEL]")
		}
		return cmdTokenCreate(rest[1:], stdout)
	case "export":
		return cmdExport(rest, stdout)
	case "import":
		return cmdImport(rest, stdin, stdout, stderr)
	case "sources":
		return cmdSources(rest, stdout, stderr)
	case "backup":
		return cmdBackup(rest, stdout)
	case "migrate-db":
		return cmdMigrateDB(rest, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "slant %s (schema %d)\n", Version, models.LatestVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// env returns the SLANT_* environment value or def.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envBool(key string) bool {
	b, _ := strconv.ParseBool(env(key, "false"))
	return b
}

// newFlags makes a flag set with the common --db flag.
func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	db := fs.String("db", env("SLANT_DB", "./data/slant.db"), "SQLite database file or postgres:// URL (env SLANT_DB)")
	return fs, db
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("user add NAME --role admin") and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdServe(args []string, stderr io.Writer) error {
	fs, dbPath := newFlags("serve")
	addr := fs.String("addr", env("SLANT_ADDR", "127.0.0.1:8080"), "listen address (env SLANT_ADDR); loopback by default")
	demo := fs.Bool("demo", envBool("SLANT_DEMO"), "load the demo project into an empty database (env SLANT_DEMO)")
	maxBody := fs.Int64("max-body", int64(envInt("SLANT_MAX_BODY", api.DefaultMaxBodyBytes)), "largest accepted request body in bytes (env SLANT_MAX_BODY)")
	secure := fs.Bool("secure-cookies", envBool("SLANT_SECURE_COOKIES"), "mark session cookies Secure; set when served over HTTPS (env SLANT_SECURE_COOKIES)")
	limits := ingest.DefaultLimits()
	fs.Int64Var(&limits.MaxUploadBytes, "import-max-bytes", int64(envInt("SLANT_IMPORT_MAX_BYTES", int(limits.MaxUploadBytes))), "largest import upload in bytes (env SLANT_IMPORT_MAX_BYTES)")
	fs.IntVar(&limits.MaxArticles, "import-max-articles", envInt("SLANT_IMPORT_MAX_ARTICLES", limits.MaxArticles), "most articles in one import (env SLANT_IMPORT_MAX_ARTICLES)")
	fs.IntVar(&limits.MaxTextBytes, "import-max-text", envInt("SLANT_IMPORT_MAX_TEXT", limits.MaxTextBytes), "largest article text in bytes (env SLANT_IMPORT_MAX_TEXT)")
	bodyTimeout := fs.Duration("body-timeout", envDuration("SLANT_BODY_TIMEOUT", api.DefaultBodyTimeout), "time a client has to send a request body, else 408 (env SLANT_BODY_TIMEOUT)")
	importChunk := fs.Duration("import-chunk", envDuration("SLANT_IMPORT_CHUNK", models.ImportChunk), "how long an import may hold the database writer before it lets saves in (env SLANT_IMPORT_CHUNK)")
	importTimeout := fs.Duration("import-body-timeout", envDuration("SLANT_IMPORT_BODY_TIMEOUT", api.DefaultImportBodyTimeout), "time a client has to send an import upload, else 408 (env SLANT_IMPORT_BODY_TIMEOUT)")
	allowHosts := fs.String("import-allow-hosts", env("SLANT_IMPORT_ALLOW_HOSTS", ""), "comma-separated hosts URL import may fetch although they are private or loopback (env SLANT_IMPORT_ALLOW_HOSTS)")
	publicURL := fs.String("public-url", env("SLANT_PUBLIC_URL", ""), "the URL users open, e.g. https://slant.example.org; its host is accepted in Host headers (env SLANT_PUBLIC_URL)")
	allowedHosts := fs.String("allowed-hosts", env("SLANT_ALLOWED_HOSTS", ""), "comma-separated more host names to answer to, besides loopback, --public-url and --addr; * for any (env SLANT_ALLOWED_HOSTS)")
	trustedProxies := fs.String("trusted-proxies", env("SLANT_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client (env SLANT_TRUSTED_PROXIES)")
	exportStall := fs.Duration("export-stall-timeout", envDuration("SLANT_EXPORT_STALL_TIMEOUT", api.DefaultExportStallTimeout), "an export whose client reads nothing for this long is cut off (env SLANT_EXPORT_STALL_TIMEOUT)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	hostCfg, err := hostConfig(*addr, *publicURL, *allowedHosts, *trustedProxies)
	if err != nil {
		return err
	}
	if *bodyTimeout <= 0 || *importTimeout <= 0 || *importChunk == 0 || *exportStall <= 0 {
		return errors.New("--body-timeout, --import-body-timeout, --import-chunk and --export-stall-timeout must be positive durations such as 2m, 90s or 25ms")
	}
	for _, h := range strings.Split(*allowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			limits.AllowHosts = append(limits.AllowHosts, h)
		}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, nil)))

	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if *demo {
		res, err := seeds.Load(ctx, store)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if res.Loaded {
			fmt.Fprintf(stderr, "\n  Demo data loaded (project %d).\n  Log in as %q with password %q\n  (printed once; it is not stored anywhere in clear).\n\n",
				res.ProjectID, res.AdminName, res.AdminPassword)
			for _, l := range res.Annotators {
				fmt.Fprintf(stderr, "  Demo annotator %q: password %q (project %d has k = 2, blind)\n", l.Name, l.Password, res.TeamProjectID)
			}
		} else {
			fmt.Fprintln(stderr, "  --demo: the database already has data; nothing loaded.")
		}
	}
	defer holdServeLock(*dbPath)() // SQLite only: on PostgreSQL several servers may run
	// hidden rows of imports that crashed or were interrupted, now and
	// then every minute (a `slant import` may die next to the server)
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if err := store.SweepImports(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("cleaning up unfinished imports", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if err := seeds.EnsureOutlets(ctx, store); err != nil {
		return fmt.Errorf("load outlet list: %w", err)
	}
	if n, err := store.CountUsers(ctx); err == nil && n == 0 {
		fmt.Fprintf(stderr, "\n  No users yet. Create the first admin with:\n    bin/slant user add NAME --role admin --db %s\n  (the password is read from standard input)\n\n", displayDB(*dbPath))
	}

	router, _ := api.New(store, api.Config{MaxBodyBytes: *maxBody, SecureCookies: *secure, UI: frontend.FS(), Import: limits,
		BodyTimeout: *bodyTimeout, ImportBodyTimeout: *importTimeout, ImportChunk: *importChunk,
		PublicURL: hostCfg.PublicURL, AllowedHosts: hostCfg.AllowedHosts, TrustedProxies: hostCfg.TrustedProxies,
		ExportStallTimeout: *exportStall})
	const headerTimeout = 10 * time.Second
	srv := &http.Server{
		Handler:           router,
		ReadHeaderTimeout: headerTimeout,
		// A backstop only: the API sets each body's deadline itself (and
		// answers 408); this must not cut a body off before that.
		ReadTimeout:    headerTimeout + max(*bodyTimeout, *importTimeout),
		WriteTimeout:   30 * time.Minute, // large exports stream for a while
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 1 << 20,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	slog.Info("slant listening", "url", "http://"+ln.Addr().String(), "db", displayDB(*dbPath), "version", Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		slog.Warn("shutdown timed out", "err", err)
	}
	return nil // deferred store.Close checkpoints the WAL
}

// displayDB is the database as it may be shown or logged: a PostgreSQL
// URL without its password.
func displayDB(db string) string { return models.RedactDSN(db) }

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(env(key, "")); err == nil {
		return n
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(key, "")); err == nil {
		return d
	}
	return def
}

func cmdUserAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("user add")
	role := fs.String("role", models.RoleAnnotator, "admin or annotator")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: slant user add NAME --role admin|annotator (password on stdin)")
	}
	password, err := readPassword(stdin, stderr, pos[0])
	if err != nil {
		return err
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateUser(context.Background(), pos[0], *role, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %q (id %d)\n", u.Role, u.Name, u.ID)
	return nil
}

// readPassword reads one line from stdin; on a terminal it prompts and
// does not echo what is typed.
func readPassword(stdin io.Reader, stderr io.Writer, name string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(stderr, "Password for %s: ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cmdTokenCreate(args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("token create")
	user := fs.String("user", "", "user name")
	name := fs.String("name", "cli", "a label for the token")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return errors.New("--user is required")
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	u, err := store.UserByName(ctx, *user)
	if err != nil {
		return fmt.Errorf("user %q: %w", *user, err)
	}
	_, secret, err := store.CreateToken(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

func cmdExport(args []string, stdout io.Writer) (err error) {
	fs, dbPath := newFlags("export")
	project := fs.Int64("project", 0, "project id")
	format := fs.String("format", "csv", "output format: "+strings.Join(export.FormatNames(), ", "))
	raw := fs.Bool("raw", false, "exact cells, no spreadsheet formula protection")
	bom := fs.Bool("bom", false, "csv: start with a UTF-8 byte-order mark, so Excel reads the file as UTF-8")
	out := fs.String("o", "", "output file (default stdout)")
	var f models.AnnotationFilter
	fs.StringVar(&f.Label, "label", "", "only this label key")
	fs.StringVar(&f.Annotator, "annotator", "", "only this annotator")
	fs.StringVar(&f.Source, "source", "", "only this outlet domain")
	fs.StringVar(&f.Origin, "origin", "", "only this origin (human, import, model:NAME)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if *project <= 0 {
		return errors.New("--project is required")
	}
	ef, err := export.Lookup(*format)
	if err != nil {
		return err
	}
	if *bom && ef.Name != "csv" {
		return errors.New("--bom applies to --format csv only")
	}
	f.ProjectID = *project
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	w := stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := file.Close(); err == nil {
				err = cerr
			}
		}()
		w = file
	}
	proj, err := store.GetProject(context.Background(), f.ProjectID)
	if err != nil {
		return err
	}
	ew := ef.New(w, export.Options{Safe: !*raw, BOM: *bom, Project: proj.Name})
	if cl, ok := ew.(io.Closer); ok {
		defer cl.Close() // temporary files of a workbook that never reached End
	}
	if err := ew.Begin(); err != nil {
		return err
	}
	if err := store.ExportAnnotations(context.Background(), f, ew.Row); err != nil {
		return err
	}
	return ew.End()
}

func cmdBackup(args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("backup")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: slant backup FILE")
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(context.Background(), pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", pos[0])
	return nil
}
