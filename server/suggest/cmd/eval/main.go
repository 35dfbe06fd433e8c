// Command eval scores the suggester against its hand-marked evaluation
// set (make eval).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"slant/server/suggest"
)

func main() {
	dir := flag.String("dir", "server/suggest/testdata", "directory of marked articles")
	flag.Parse()
	for _, set := range []struct{ name, dir string }{
		{"development set (read while the rules were written: in-sample)", *dir},
		{"held-out set (written after the rules, never tuned on)", filepath.Join(*dir, "heldout")},
	} {
		arts, err := suggest.LoadGold(set.dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "eval:", err)
			os.Exit(1)
		}
		t0 := time.Now()
		scores := suggest.Evaluate(arts)
		fmt.Printf("## %s: %d articles, %s\n\n", set.name, len(arts), time.Since(t0).Round(time.Millisecond))
		suggest.WriteTable(os.Stdout, scores)
		fmt.Println()
	}
}
