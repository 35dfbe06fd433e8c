// Package frontend embeds slant's web UI: hand-written ES modules and CSS,
// no build step, served by the same binary as the API.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the UI files rooted at static/.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}
