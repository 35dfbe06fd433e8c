package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/server/export"
)

func TestParquetSpansAndBadFiles(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := export.NewParquet(&buf)
	ext := "e1"
	now := time.Now()
	w.Row(&models.ExportRow{ExternalID: &ext, Label: "opinion", Start: 1, End: 3, Text: "👩‍🔬", Note: "n",
		Attributes: models.JSONMap{"speaker": "S"}, CreatedAt: now, UpdatedAt: now})
	w.Row(&models.ExportRow{Label: "opinion", Start: 0, End: 1, Text: "x", CreatedAt: now, UpdatedAt: now})
	w.End()
	var items []*Item
	err := Parse([]Input{BytesInput("spans.parquet", buf.Bytes())}, "auto", DefaultLimits())(func(it *Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].ExternalRef != "e1" || *items[0].Spans[0].Text != "👩‍🔬" || items[0].Spans[0].Attributes["speaker"] != "S" {
		t.Fatalf("items %+v", items[0])
	}
	if len(items[1].Problems) != 1 || items[1].Problems[0].Field != "external_id" {
		t.Fatalf("row without external_id: %+v", items[1])
	}
	// A truncated or fake Parquet file is a clear problem, never a panic.
	for _, bad := range [][]byte{append([]byte("PAR1garbage"), []byte("PAR1")...), buf.Bytes()[:buf.Len()/2]} {
		err := Parse([]Input{BytesInput("bad.parquet", bad)}, "parquet", DefaultLimits())(func(*Item) error { return nil })
		var p *Problem
		if !errors.As(err, &p) || !strings.Contains(p.Message, "Parquet") {
			t.Fatalf("bad parquet: %v", err)
		}
	}
}
