package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"slant/models"
	"slant/server/api"
)

const inviteUsage = "usage: slant invite --project ID [--role annotator|curator|manager] [--expires 72h] [--public-url URL]"

// cmdInvite makes a single-use invitation link, as a project's managers
// do through the API, and prints it. The secret is printed once; only its
// hash is stored.
func cmdInvite(args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("invite")
	project := fs.Int64("project", 0, "project id")
	role := fs.String("role", models.MemberAnnotator, "the role the invitee gets: annotator, curator or manager")
	expires := fs.Duration("expires", api.DefaultInviteHours*time.Hour, "how long the link works (at most 720h)")
	publicURL := fs.String("public-url", env("SLANT_PUBLIC_URL", ""), "the URL users open (env SLANT_PUBLIC_URL); default http://ADDR of slant serve")
	addr := fs.String("addr", env("SLANT_ADDR", "127.0.0.1:8080"), "the address slant serve listens on, for the link when --public-url is not set (env SLANT_ADDR)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *project <= 0 {
		return errors.New(inviteUsage)
	}
	if *expires <= 0 || *expires > api.MaxInviteHours*time.Hour {
		return fmt.Errorf("--expires must be more than 0 and at most %dh", api.MaxInviteHours)
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	inv, secret, err := store.CreateInvite(context.Background(), *project, *role, 0, time.Now().Add(*expires))
	if err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%w\n%s", err, inviteUsage)
		}
		return fmt.Errorf("project %d: %w", *project, err)
	}
	base := strings.TrimRight(*publicURL, "/")
	if base == "" {
		base = "http://" + *addr
	}
	fmt.Fprintf(stdout, "%s/#/invite/%s\n", base, secret)
	fmt.Fprintf(stderr, "single use, as %s of project %d, until %s\n", inv.Role, inv.ProjectID, inv.ExpiresAt.Format(time.RFC3339))
	return nil
}
