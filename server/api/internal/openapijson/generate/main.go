// Command generate writes openapi.json from openapi.yaml:
//
//	go run ./internal/openapijson/generate openapi.yaml openapi.json
//
// It is run by `go generate ./server/api/`.
package main

import (
	"fmt"
	"os"

	"slant/server/api/internal/openapijson"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: generate IN.yaml OUT.json")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := openapijson.Convert(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
