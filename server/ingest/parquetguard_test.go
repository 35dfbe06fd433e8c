package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// evilParquet is the 37-byte file of issue 12: a footer whose row-group
// list declares 2^31-1 structs made the Parquet library allocate ~200 GB
// (a fatal out-of-memory that recover() cannot catch).
func evilParquet() []byte {
	m := append([]byte{0x15, 2, 0x19, 0xFC, 255, 255, 255, 255, 7}, make([]byte, 16)...)
	out := append([]byte("PAR1"), m...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(m)))
	return append(out, "PAR1"...)
}

// A tiny Thrift compact-protocol writer for hand-made footers.
type tf struct {
	id  int16
	typ byte
	val []byte
}

func tStruct(fields ...tf) []byte {
	var b []byte
	var last int16
	for _, f := range fields {
		if d := f.id - last; d > 0 && d <= 15 {
			b = append(b, byte(d)<<4|f.typ)
		} else {
			b = append(b, f.typ)
			b = binary.AppendUvarint(b, zigzag(int64(f.id)))
		}
		last = f.id
		b = append(b, f.val...)
	}
	return append(b, ctStop)
}

func zigzag(v int64) uint64                { return uint64(v<<1) ^ uint64(v>>63) }
func tInt(v int64) []byte                  { return binary.AppendUvarint(nil, zigzag(v)) }
func tBin(s string) []byte                 { return append(binary.AppendUvarint(nil, uint64(len(s))), s...) }
func fI32(id int16, v int64) tf            { return tf{id, ctI32, tInt(v)} }
func fI64(id int16, v int64) tf            { return tf{id, ctI64, tInt(v)} }
func fStr(id int16, s string) tf           { return tf{id, ctBinary, tBin(s)} }
func fSt(id int16, fs ...tf) tf            { return tf{id, ctStruct, tStruct(fs...)} }
func fList(id int16, l []byte) tf          { return tf{id, ctList, l} }
func fRaw(id int16, typ byte, v []byte) tf { return tf{id, typ, v} }

func tList(typ byte, elems ...[]byte) []byte {
	var b []byte
	if len(elems) < 15 {
		b = append(b, byte(len(elems))<<4|typ)
	} else {
		b = append(b, 0xF0|typ)
		b = binary.AppendUvarint(b, uint64(len(elems)))
	}
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

// handParquet builds a one-column, one-page Parquet file; tweak changes
// the numbers before they are written.
type handFile struct {
	uncompressed, compressed, numValues int64 // page header
	chunkCompressed, dataOffset         int64 // column metadata (-1: computed)
	colIndexOffset, colIndexLength      int64
	pageStats                           []byte // a Statistics max_value in the data page header
	extraFooter                         []tf   // more FileMetaData fields
	footerLen                           int64
}

func (h handFile) bytes() []byte {
	page := bytes.Repeat([]byte{1, 0, 0, 0, 0, 0, 0, 0}, 2) // two INT64 values, PLAIN
	if h.uncompressed < 0 {
		h.uncompressed = int64(len(page))
	}
	if h.compressed < 0 {
		h.compressed = int64(len(page))
	}
	dph := []tf{fI32(1, h.numValues), fI32(2, 0), fI32(3, 3), fI32(4, 3)}
	if h.pageStats != nil {
		dph = append(dph, fSt(5, fRaw(5, ctBinary, h.pageStats)))
	}
	header := tStruct(fI32(1, 0), fI32(2, h.uncompressed), fI32(3, h.compressed), fSt(5, dph...))
	if h.chunkCompressed < 0 {
		h.chunkCompressed = int64(len(header) + len(page))
	}
	if h.dataOffset < 0 {
		h.dataOffset = 4
	}
	chunk := []tf{fI64(2, 4), fSt(3, fI32(1, 2), fList(2, tList(ctI32, tInt(0))), fList(3, tList(ctBinary, tBin("start"))),
		fI32(4, 0), fI64(5, 2), fI64(6, h.chunkCompressed), fI64(7, h.chunkCompressed), fI64(9, h.dataOffset))}
	if h.colIndexOffset != 0 {
		chunk = append(chunk, fI64(6, h.colIndexOffset), fI32(7, h.colIndexLength))
	}
	fields := []tf{
		fI32(1, 1),
		fList(2, tList(ctStruct, tStruct(fStr(4, "schema"), fI32(5, 1)), tStruct(fI32(1, 2), fI32(3, 0), fStr(4, "start")))),
		fI64(3, 2),
		fList(4, tList(ctStruct, tStruct(fList(1, tList(ctStruct, tStruct(chunk...))), fI64(2, 16), fI64(3, 2)))),
	}
	footer := tStruct(append(fields, h.extraFooter...)...)
	out := append([]byte("PAR1"), header...)
	out = append(out, page...)
	out = append(out, footer...)
	if h.footerLen == 0 {
		h.footerLen = int64(len(footer))
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(h.footerLen))
	return append(out, "PAR1"...)
}

func goodHand() handFile {
	return handFile{uncompressed: -1, compressed: -1, numValues: 2, chunkCompressed: -1, dataOffset: -1}
}

func TestParquetGuardRefusesDeclaredSizesTheBytesCannotBack(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits()
	if err := checkParquet(goodHand().bytes(), lim.unzippedBytes()); err != nil {
		t.Fatalf("hand-made good file refused: %v", err)
	}
	nested := tList(ctI32, tInt(1))
	for range 40 {
		nested = tList(ctList, nested)
	}
	manyStructs := make([][]byte, 100_000) // 100 kB of empty structs: ~100 MB decoded
	for i := range manyStructs {
		manyStructs[i] = []byte{ctStop}
	}
	hugeString := append(binary.AppendUvarint(nil, 1<<40), "short"...)
	hugeMap := append(binary.AppendUvarint(nil, 1<<30), ctI32<<4|ctI32, 2, 2)
	with := func(f func(*handFile)) []byte {
		h := goodHand()
		f(&h)
		return h.bytes()
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"issue 12's 37 bytes", evilParquet(), "declares 2147483647 elements"},
		{"footer longer than the file", with(func(h *handFile) { h.footerLen = 1<<32 - 1 }), "footer claims 4294967295 bytes"},
		{"string longer than the footer", with(func(h *handFile) { h.extraFooter = []tf{fRaw(6, ctBinary, hugeString)} }), "declares 1099511627776 elements"},
		{"map larger than the footer", with(func(h *handFile) { h.extraFooter = []tf{fRaw(99, ctMap, hugeMap)} }), "declares 1073741824 elements"},
		{"lists nested 41 deep", with(func(h *handFile) { h.extraFooter = []tf{fList(99, nested)} }), "nested more than"},
		{"small footer, huge decoded form", with(func(h *handFile) { h.extraFooter = []tf{fList(99, tList(ctStruct, manyStructs...))} }), "more structure than"},
		{"encrypted", with(func(h *handFile) { h.extraFooter = []tf{fSt(8, fSt(1))} }), "encrypted"},
		{"column chunk past the data", with(func(h *handFile) { h.chunkCompressed = 1 << 40 }), "outside the file's data"},
		{"column chunk before the data", with(func(h *handFile) { h.dataOffset = 0 }), "outside the file's data"},
		{"column index past the data", with(func(h *handFile) { h.colIndexOffset, h.colIndexLength = 4, 1<<31-1 }), "index or bloom filter"},
		{"page larger than its chunk", with(func(h *handFile) { h.compressed = 1<<31 - 1 }), "claims 2147483647 bytes"},
		{"page expanding to 2 GB", with(func(h *handFile) { h.uncompressed = 1<<31 - 1 }), "expand to 2147483647 bytes"},
		{"page of 2^31 values", with(func(h *handFile) { h.numValues = 1<<31 - 1 }), "claims 2147483647 values"},
		{"negative values", with(func(h *handFile) { h.numValues = -5 }), "claims -5 values"},
	}
	for _, c := range cases {
		err := checkParquet(c.data, lim.unzippedBytes())
		var ep errParquet
		if !errors.As(err, &ep) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// a page header longer than the first window (64 KiB) is read whole
	long := tBin(strings.Repeat("z", 300<<10))
	if err := checkParquet(with(func(h *handFile) { h.pageStats = long }), lim.unzippedBytes()); err != nil {
		t.Errorf("page header of 300 KiB: %v", err)
	}
	// but one declaring more bytes than its column chunk holds is refused
	if err := checkParquet(with(func(h *handFile) { h.pageStats = append(binary.AppendUvarint(nil, 1<<30), "zz"...) }), lim.unzippedBytes()); err == nil || !strings.Contains(err.Error(), "declares 1073741824 elements") {
		t.Errorf("page statistics longer than the chunk: %v", err)
	}
	// a file whose pages expand past the import's budget
	if err := checkParquet(with(func(h *handFile) { h.uncompressed = 1 << 20 }), 1<<19); err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Errorf("unzipped budget: %v", err)
	}
	// every truncation of the good file is refused, never a panic
	good := goodHand().bytes()
	for n := range len(good) {
		if checkParquet(good[:n], lim.unzippedBytes()) == nil {
			t.Errorf("truncated to %d bytes: accepted", n)
		}
	}
}

// Every path reaches the guard before the library: the file is a
// clear problem, not a crashed process (before the guard, this test
// killed the test binary with "fatal error: runtime: out of memory").
func TestParquetEvilFooterIsAProblemNotACrash(t *testing.T) {
	t.Parallel()
	zipped := zipOf(t, map[string]string{"spans.parquet": string(evilParquet())})
	for _, in := range []struct {
		input  Input
		format string
	}{
		{BytesInput("body", evilParquet()), "auto"},
		{BytesInput("x.parquet", evilParquet()), "parquet"},
		{BytesInput("upload.zip", zipped), "auto"},
		{BytesInput("body", zipped), "auto"},
	} {
		err := Parse([]Input{in.input}, in.format, DefaultLimits())(func(*Item) error { return nil })
		var p *Problem
		if !errors.As(err, &p) || !strings.Contains(p.Message, "cannot read Parquet") || !strings.Contains(p.Message, "declares 2147483647 elements") {
			t.Fatalf("%s: %v", in.input.Name, err)
		}
	}
}

// Files the library writes with every feature a real export may use (row
// groups, dictionaries, compression, small pages, nulls, page indexes,
// bloom filters) pass the guard and import in full.
func TestParquetGuardAcceptsRealFiles(t *testing.T) {
	t.Parallel()
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Zstd, &parquet.Gzip} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[parquetSpanRow](&buf, parquet.Compression(codec), parquet.MaxRowsPerRowGroup(700),
			parquet.PageBufferSize(2048), parquet.BloomFilters(parquet.SplitBlockFilter(10, "label")))
		rows := make([]parquetSpanRow, 3000)
		for i := range rows {
			ext := fmt.Sprintf("e%d", i%17)
			rows[i] = parquetSpanRow{Label: []string{"opinion", "fact"}[i%2], Start: int64(i), End: int64(i + 3), Text: "abc", Note: strings.Repeat("n", i%50)}
			if i%5 != 0 {
				rows[i].ExternalID = &ext
			}
		}
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := checkParquet(buf.Bytes(), DefaultLimits().unzippedBytes()); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		n := 0
		err := Parse([]Input{BytesInput("spans.parquet", buf.Bytes())}, "auto", DefaultLimits())(func(*Item) error {
			n++
			return nil
		})
		if err != nil || n != len(rows) {
			t.Fatalf("%s: %d rows, %v", codec, n, err)
		}
	}
}

// A Parquet input that offers io.ReaderAt (spooled bodies, multipart
// parts, files) is read in place: only the detection peek (64 KiB) reads
// it sequentially. Without ReaderAt (a zip entry) it is read whole.
func TestParquetIsReadInPlace(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetSpanRow](&buf, parquet.Compression(&parquet.Uncompressed))
	rows := make([]parquetSpanRow, 20_000)
	ext := "e1"
	for i := range rows {
		rows[i] = parquetSpanRow{ExternalID: &ext, Label: "opinion", Start: int64(i), End: int64(i + 1), Text: fmt.Sprintf("%0100d", i)}
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, hide := range []bool{false, true} {
		c := &countingReaderAt{ra: bytes.NewReader(data), size: int64(len(data))}
		n := 0
		err := Parse([]Input{c.input("spans.parquet", hide)}, "auto", DefaultLimits())(func(*Item) error {
			n++
			return nil
		})
		if err != nil || n != len(rows) {
			t.Fatalf("hide=%v: %d rows, %v", hide, n, err)
		}
		if !hide && c.read > 64<<10+4 { // the detection peek, and the zip sniff's 4 bytes
			t.Errorf("%d of %d bytes read sequentially through a ReaderAt input", c.read, len(data))
		}
		if hide && c.read < int64(len(data)) {
			t.Errorf("plain reader: %d of %d bytes read", c.read, len(data))
		}
	}
}
