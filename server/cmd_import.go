package main

import (
	"errors"
	"io"
)

// cmdImport is replaced by the import pipeline (issue 4).
func cmdImport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("import is not built yet")
}

// cmdSources is replaced by the import pipeline (issue 4).
func cmdSources(args []string, stdout, stderr io.Writer) error {
	return errors.New("sources import is not built yet")
}
