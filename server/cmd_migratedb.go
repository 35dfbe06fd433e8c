package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"slant/models"
)

// cmdMigrateDB copies a SQLite database into an empty PostgreSQL
// database (models.CopyDatabase), then compares every table on both sides
// and prints what it found per table. The SQLite file is migrated to this
// binary's schema version first, as any command would; the PostgreSQL
// database is created at the same version.
func cmdMigrateDB(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-db", flag.ContinueOnError)
	from := fs.String("from", "", "the SQLite database file to copy")
	to := fs.String("to", env("SLANT_DB", ""), "the postgres:// URL of an empty database (env SLANT_DB; the password best in PGPASSWORD or ~/.pgpass)")
	if pos, err := parseInterleaved(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return errors.New("usage: slant migrate-db --from FILE --to postgres://URL")
	}
	switch {
	case *from == "" || *to == "":
		return errors.New("usage: slant migrate-db --from FILE --to postgres://URL")
	case models.IsPostgresDSN(*from):
		return errors.New("--from is the SQLite file to copy; --to names the PostgreSQL database")
	case !models.IsPostgresDSN(*to):
		return errors.New("--to must be a postgres:// URL")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if serverRunning(*from) {
		return errors.New("slant serve is using " + *from + "; stop it first, so that nothing changes during the copy")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := models.Open(*from)
	if err != nil {
		return fmt.Errorf("open %s: %w", *from, err)
	}
	defer src.Close()
	dst, err := models.Open(*to)
	if err != nil {
		return fmt.Errorf("open %s: %w", displayDB(*to), err)
	}
	defer dst.Close()
	fmt.Fprintf(stderr, "copying %s into %s ...\n", *from, displayDB(*to))
	if _, err := models.CopyDatabase(ctx, src, dst); err != nil {
		return fmt.Errorf("copy (nothing was written): %w", err)
	}
	fmt.Fprintln(stderr, "copied; comparing every table ...")
	report, err := models.CompareDatabases(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tSQLITE ROWS\tPOSTGRESQL ROWS\tCONTENT")
	bad := 0
	for _, t := range report {
		switch {
		case t.Note != "":
			fmt.Fprintf(tw, "%s\t-\t-\t%s\n", t.Table, t.Note)
		case t.Equal():
			fmt.Fprintf(tw, "%s\t%d\t%d\tequal (sha256 %.12s)\n", t.Table, t.SourceRows, t.TargetRows, t.SourceHash)
		default:
			bad++
			fmt.Fprintf(tw, "%s\t%d\t%d\tDIFFERENT (%.12s vs %.12s)\n", t.Table, t.SourceRows, t.TargetRows, t.SourceHash, t.TargetHash)
		}
	}
	tw.Flush()
	if bad > 0 {
		return fmt.Errorf("%d table(s) differ after the copy; do not use the PostgreSQL database", bad)
	}
	fmt.Fprintf(stdout, "every table compared equal; start slant with --db %s\n", displayDB(*to))
	return nil
}
