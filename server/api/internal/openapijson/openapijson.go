// Package openapijson turns the hand-written openapi.yaml into the JSON
// document the server embeds. It is used by `go generate` and by the
// tests only, so the server binary does not carry a YAML parser or an
// OpenAPI validator.
package openapijson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Load parses and validates an OpenAPI 3 document.
func Load(yaml []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(yaml)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return doc, nil
}

// Convert validates the YAML document and returns it as indented JSON
// with a final newline (keys sorted, so the output is stable).
func Convert(yaml []byte) ([]byte, error) {
	doc, err := Load(yaml)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
