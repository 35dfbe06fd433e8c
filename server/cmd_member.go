package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"slant/models"
)

const memberUsage = "usage: slant member list --project ID | add --project ID NAME [annotator|curator|manager] | remove --project ID NAME"

// cmdMember manages project membership, as a project's managers do
// through the API.
func cmdMember(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(memberUsage)
	}
	sub := args[0]
	fs, dbPath := newFlags("member " + sub)
	project := fs.Int64("project", 0, "project id")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string][2]int{"list": {0, 0}, "add": {1, 2}, "remove": {1, 1}}
	n, ok := want[sub]
	if !ok || len(pos) < n[0] || len(pos) > n[1] || *project <= 0 {
		return errors.New(memberUsage)
	}
	store, err := models.Open(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	if sub == "list" {
		ms, err := store.ListMembers(ctx, *project)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tNAME\tROLE")
		for _, m := range ms {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.UserID, m.Name, m.Role)
		}
		return tw.Flush()
	}
	u, err := store.UserByName(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("user %q: %w", pos[0], err)
	}
	if sub == "remove" {
		if err := store.RemoveMember(ctx, *project, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %q from project %d\n", u.Name, *project)
		return reassign(ctx, store, *project, stdout)
	}
	role := models.MemberAnnotator
	if len(pos) == 2 {
		role = pos[1]
	}
	m, created, err := store.SetMember(ctx, *project, u.ID, role)
	if err != nil {
		return err
	}
	verb := "changed"
	if created {
		verb = "added"
	}
	fmt.Fprintf(stdout, "%s %q as %s of project %s\n", verb, m.Name, m.Role, strconv.FormatInt(*project, 10))
	return reassign(ctx, store, *project, stdout)
}

// reassign runs an assignment round after a membership change in a
// project that assigns articles, as the API does.
func reassign(ctx context.Context, store *models.Store, projectID int64, stdout io.Writer) error {
	uses, err := store.HasAssignments(ctx, projectID)
	if err != nil || !uses {
		return err
	}
	n, err := store.AutoAssign(ctx, projectID)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "assigned %d article slot(s)\n", n)
	}
	return nil
}
