package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"slant/models"
)

func TestParquetTypedColumnsRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewParquet(&buf)
	w.Begin()
	pub := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
	created := time.Date(2026, 11, 28, 12, 0, 0, 123456000, time.UTC)
	ext := "e1"
	const n = 10_000 // crosses the 4,096-row write batches
	for i := 0; i < n; i++ {
		r := &models.ExportRow{AnnotationID: int64(i + 1), Project: "P", ArticleID: 7, Label: "opinion", Start: i, End: i + 2,
			Text: "👩‍🔬x", Attributes: models.JSONMap{"speaker": "Ω"}, CreatedAt: created, UpdatedAt: created, Origin: "human"}
		if i%2 == 0 {
			r.ExternalID, r.PublishedAt = &ext, &pub
		}
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != n {
		t.Fatalf("%d rows", f.NumRows())
	}
	schema := f.Schema().String()
	for _, want := range []string{"int64 start", "int64 end", "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", "optional binary external_id (STRING)", "JSON"} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema lacks %q:\n%s", want, schema)
		}
	}
	rows, err := parquet.Read[parquetRow](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if rows[3].Start != 3 || rows[3].Text != "👩‍🔬x" || rows[3].ExternalID != nil || rows[4].ExternalID == nil ||
		*rows[4].PublishedAt != pub.UnixMicro() || rows[5].CreatedAt != created.UnixMicro() || rows[5].Speaker != "Ω" {
		t.Fatalf("rows read back: %+v %+v", rows[3], rows[4])
	}
}
