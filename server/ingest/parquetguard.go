package ingest

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Parquet guard. A Parquet file's footer is Thrift (compact protocol)
// whose list, string and binary lengths the Parquet library trusts: 37
// bytes declaring a list of 2^31 structs made it allocate ~200 GB, a fatal
// error that no recover() catches. So before the library sees a file,
// checkParquet walks its footer and every page header with a decoder of
// our own that allocates nothing per element, and refuses any declared
// size that the bytes actually present cannot back:
//
//   - the footer length must fit in the file, and be at most parquetMaxFooter;
//   - a list, set, map, string or binary may not declare more elements or
//     bytes than remain in the footer (each element takes at least a byte),
//     nesting is at most parquetMaxDepth deep, and the library's decoded
//     form is estimated (a generous size per element) and capped;
//   - every column chunk, page index and bloom filter must lie inside the
//     file, and every page inside its column chunk;
//   - one page may expand to at most parquetMaxPageBytes and hold at most
//     parquetMaxPageValues values (the library sizes its buffers by these),
//     and all pages together to at most the import's unzipped-bytes limit,
//     the same budget a zip gets.
//
// Encrypted files are refused (an import has no keys).

const (
	parquetMaxFooter     = 16 << 20
	parquetMaxDepth      = 16
	parquetFooterBudget  = 64 << 20 // estimated memory of the library's decoded footer
	parquetStructCost    = 1024     // per struct in a list: format.ColumnChunk is 560 bytes, plus the library's wrappers
	parquetScalarCost    = 32       // per other list element
	parquetMaxPageBytes  = 64 << 20
	parquetMaxPageValues = 1 << 21
	parquetPageBudget    = 1 << 20  // decoded memory of one page header (statistics included)
	parquetMaxHeader     = 16 << 20 // bytes of one page header (its statistics may hold long values)
	parquetHeaderWindow  = 64 << 10 // first read of a page header; grown while too short
)

// Thrift compact protocol type codes.
const (
	ctStop   = 0
	ctTrue   = 1
	ctFalse  = 2
	ctByte   = 3
	ctI16    = 4
	ctI32    = 5
	ctI64    = 6
	ctDouble = 7
	ctBinary = 8
	ctList   = 9
	ctSet    = 10
	ctMap    = 11
	ctStruct = 12
	ctUUID   = 13
)

// errParquet is a refusal by the guard; its text is the problem shown.
type errParquet string

func (e errParquet) Error() string { return string(e) }

func badParquet(format string, args ...any) error { return errParquet(fmt.Sprintf(format, args...)) }

// compactReader walks Thrift compact-protocol bytes without building them.
type compactReader struct {
	b      []byte
	pos    int
	depth  int
	cost   int64 // estimated bytes the library would allocate for what was walked
	budget int64
	what   string // "footer" or "page header", for messages
	short  bool   // a read or a declared length ran past the end of b
}

func (r *compactReader) left() int { return len(r.b) - r.pos }

func (r *compactReader) malformed(why string) error {
	return badParquet("malformed %s at byte %d: %s", r.what, r.pos, why)
}

func (r *compactReader) readByte() (byte, error) {
	if r.pos >= len(r.b) {
		r.short = true
		return 0, r.malformed("ends early")
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *compactReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		if n == 0 {
			r.short = true
			return 0, r.malformed("ends early")
		}
		return 0, r.malformed("integer too long")
	}
	r.pos += n
	return v, nil
}

// i64 reads a zigzag varint.
func (r *compactReader) i64() (int64, error) {
	u, err := r.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (r *compactReader) i32() (int32, error) {
	v, err := r.i64()
	if err != nil {
		return 0, err
	}
	if v != int64(int32(v)) {
		return 0, r.malformed("32-bit integer out of range")
	}
	return int32(v), nil
}

func (r *compactReader) spend(n int64) error {
	r.cost += n
	if r.cost > r.budget {
		return badParquet("%s declares more structure than this server decodes (over %d MiB in memory); refusing the file", r.what, r.budget>>20)
	}
	return nil
}

// count reads a declared element count and checks that the bytes left can
// hold that many elements of at least minSize bytes each.
func (r *compactReader) count(n uint64, minSize int) (int, error) {
	if n > uint64(r.left()/minSize) {
		r.short = true
		return 0, badParquet("malformed %s: declares %d elements at byte %d but only %d bytes remain; refusing the file", r.what, n, r.pos, r.left())
	}
	return int(n), nil
}

func (r *compactReader) enter() error {
	r.depth++
	if r.depth > parquetMaxDepth {
		return badParquet("malformed %s: nested more than %d deep; refusing the file", r.what, parquetMaxDepth)
	}
	return nil
}

// readStruct calls field for each field of a struct; field must consume
// the value (read it, or r.skip(typ)).
func (r *compactReader) readStruct(field func(id int16, typ byte) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	var last int16
	for {
		h, err := r.readByte()
		if err != nil {
			return err
		}
		if h == ctStop {
			return nil
		}
		typ, id := h&0x0f, last+int16(h>>4)
		if h>>4 == 0 {
			v, err := r.i64()
			if err != nil {
				return err
			}
			if v != int64(int16(v)) {
				return r.malformed("field id out of range")
			}
			id = int16(v)
		}
		last = id
		if err := field(id, typ); err != nil {
			return err
		}
	}
}

// minSize is the fewest bytes an element of type typ takes in a list.
func minSize(typ byte) int {
	switch typ {
	case ctDouble:
		return 8
	case ctUUID:
		return 16
	}
	return 1
}

func elemCost(typ byte) int64 {
	if typ == ctStruct {
		return parquetStructCost
	}
	return parquetScalarCost
}

// readList calls elem for each element of a list or set.
func (r *compactReader) readList(elem func(typ byte) error) error {
	h, err := r.readByte()
	if err != nil {
		return err
	}
	typ, n := h&0x0f, uint64(h>>4)
	if n == 15 {
		if n, err = r.uvarint(); err != nil {
			return err
		}
	}
	if typ == ctStop || typ > ctUUID {
		return r.malformed(fmt.Sprintf("unknown element type %d", typ))
	}
	cnt, err := r.count(n, minSize(typ))
	if err != nil {
		return err
	}
	if err := r.spend(int64(cnt) * elemCost(typ)); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	for range cnt {
		if err := elem(typ); err != nil {
			return err
		}
	}
	return nil
}

// skip consumes a field's value of type typ.
func (r *compactReader) skip(typ byte) error { return r.skipValue(typ, false) }

// skipValue consumes one value; inside lists and maps a boolean takes a
// byte, as a field it lives in the type code.
func (r *compactReader) skipValue(typ byte, element bool) error {
	switch typ {
	case ctTrue, ctFalse:
		if element {
			_, err := r.readByte()
			return err
		}
		return nil
	case ctByte:
		_, err := r.readByte()
		return err
	case ctI16, ctI32, ctI64:
		_, err := r.uvarint()
		return err
	case ctDouble, ctUUID:
		n := minSize(typ)
		if r.left() < n {
			r.short = true
			return r.malformed("ends early")
		}
		r.pos += n
		return nil
	case ctBinary:
		_, err := r.binary()
		return err
	case ctList, ctSet:
		return r.readList(func(t byte) error { return r.skipValue(t, true) })
	case ctMap:
		return r.skipMap()
	case ctStruct:
		return r.readStruct(func(_ int16, t byte) error { return r.skip(t) })
	}
	return r.malformed(fmt.Sprintf("unknown type %d", typ))
}

// binary returns a string or binary value (aliasing the input).
func (r *compactReader) binary() ([]byte, error) {
	u, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	n, err := r.count(u, 1)
	if err != nil {
		return nil, err
	}
	if err := r.spend(int64(n) + parquetScalarCost); err != nil {
		return nil, err
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *compactReader) skipMap() error {
	u, err := r.uvarint()
	if err != nil {
		return err
	}
	if u == 0 {
		return nil
	}
	h, err := r.readByte()
	if err != nil {
		return err
	}
	kt, vt := h>>4, h&0x0f
	if kt == ctStop || kt > ctUUID || vt == ctStop || vt > ctUUID {
		return r.malformed("unknown map element type")
	}
	n, err := r.count(u, minSize(kt)+minSize(vt))
	if err != nil {
		return err
	}
	if err := r.spend(int64(n) * (elemCost(kt) + elemCost(vt))); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	for range n {
		if err := r.skipValue(kt, true); err != nil {
			return err
		}
		if err := r.skipValue(vt, true); err != nil {
			return err
		}
	}
	return nil
}

// int reads an integer field, checking its wire type.
func (r *compactReader) int(typ byte, name string) (int64, error) {
	switch typ {
	case ctI32:
		v, err := r.i32()
		return int64(v), err
	case ctI64:
		return r.i64()
	}
	return 0, r.malformed(name + " is not an integer")
}

// parquetChunk is what the guard keeps of a column chunk's metadata.
type parquetChunk struct {
	dataOffset, dictOffset, compressed int64
	indexes                            [][2]int64 // column index, offset index, bloom filter: offset, length
	encrypted                          bool
}

// checkParquet validates data, a whole Parquet file, as described above.
func checkParquet(data []byte, maxUnzipped int64) error {
	return checkParquetAt(bytesReaderAt(data), int64(len(data)), maxUnzipped)
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// checkParquetAt validates the size bytes of ra as a Parquet file, reading
// the footer (at most parquetMaxFooter bytes) and then each page header in
// a small window. It returns nil or an errParquet whose text explains the
// refusal.
func checkParquetAt(ra io.ReaderAt, size int64, maxUnzipped int64) error {
	if size < 12 {
		return badParquet("not a Parquet file")
	}
	var head, tail [8]byte
	if _, err := ra.ReadAt(head[:4], 0); err != nil {
		return badParquet("cannot read the file: %v", err)
	}
	if _, err := ra.ReadAt(tail[:], size-8); err != nil {
		return badParquet("cannot read the file: %v", err)
	}
	if string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return badParquet("not a Parquet file")
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen > size-12 {
		return badParquet("the footer claims %d bytes but the file has only %d; refusing the file", footerLen, size)
	}
	if footerLen > parquetMaxFooter {
		return badParquet("the footer is %d bytes, more than the %d this server reads; refusing the file", footerLen, parquetMaxFooter)
	}
	dataEnd := size - 8 - footerLen // pages and indexes lie in [4, dataEnd)
	footer := make([]byte, footerLen)
	if _, err := ra.ReadAt(footer, dataEnd); err != nil {
		return badParquet("cannot read the footer: %v", err)
	}
	r := &compactReader{b: footer, budget: parquetFooterBudget, what: "footer"}
	var chunks []parquetChunk
	schemaLen, numChildren := 0, int64(0)
	encrypted := false
	err := r.readStruct(func(id int16, typ byte) error {
		switch {
		case id == 2 && typ == ctList: // schema
			return r.readList(func(t byte) error {
				schemaLen++
				if t != ctStruct {
					return r.skipValue(t, true)
				}
				return r.readStruct(func(id int16, typ byte) error {
					if id != 5 { // num_children
						return r.skip(typ)
					}
					n, err := r.int(typ, "num_children")
					if n < 0 && err == nil {
						err = r.malformed("negative num_children")
					}
					numChildren += n
					return err
				})
			})
		case id == 4 && typ == ctList: // row_groups
			return r.readList(func(t byte) error {
				if t != ctStruct {
					return r.malformed("a row group is not a struct")
				}
				return r.readStruct(func(id int16, typ byte) error {
					if id == 3 { // num_rows
						n, err := r.int(typ, "num_rows")
						if n < 0 && err == nil {
							err = r.malformed("negative num_rows")
						}
						return err
					}
					if id != 1 || typ != ctList { // columns
						return r.skip(typ)
					}
					return r.readList(func(t byte) error {
						if t != ctStruct {
							return r.malformed("a column chunk is not a struct")
						}
						c, err := r.columnChunk()
						chunks = append(chunks, c)
						return err
					})
				})
			})
		case id == 8: // encryption_algorithm (plaintext footer of an encrypted file)
			encrypted = true
		}
		return r.skip(typ)
	})
	if err != nil {
		return err
	}
	if r.pos != len(r.b) {
		return badParquet("malformed footer: %d bytes after its end; refusing the file", len(r.b)-r.pos)
	}
	if schemaLen == 0 {
		return badParquet("the footer has no schema")
	}
	if numChildren > int64(schemaLen) {
		return badParquet("malformed footer: the schema's groups claim %d children among %d elements; refusing the file", numChildren, schemaLen)
	}
	if encrypted {
		return badParquet("encrypted Parquet files cannot be imported")
	}
	pages := pageWalk{ra: ra, maxUnzipped: maxUnzipped}
	for i, c := range chunks {
		if c.encrypted {
			return badParquet("encrypted Parquet files cannot be imported")
		}
		base := c.dataOffset
		if c.dictOffset != 0 {
			base = c.dictOffset
		}
		if base < 4 || c.compressed < 0 || c.compressed > dataEnd-base {
			return badParquet("column chunk %d claims bytes [%d, +%d) outside the file's data (%d bytes); refusing the file", i, base, c.compressed, dataEnd)
		}
		for _, ix := range c.indexes {
			if ix[0] != 0 && (ix[0] < 4 || ix[1] < 0 || ix[1] > dataEnd-ix[0]) {
				return badParquet("column chunk %d has an index or bloom filter at [%d, +%d) outside the file's data; refusing the file", i, ix[0], ix[1])
			}
		}
		if err := pages.chunk(i, base, base+c.compressed); err != nil {
			return err
		}
	}
	return nil
}

// columnChunk reads a ColumnChunk struct, keeping its offsets and sizes.
func (r *compactReader) columnChunk() (parquetChunk, error) {
	var c parquetChunk
	var colIndex, offIndex, bloom [2]int64
	err := r.readStruct(func(id int16, typ byte) error {
		var err error
		switch id {
		case 3: // meta_data
			if typ != ctStruct {
				return r.malformed("column metadata is not a struct")
			}
			return r.readStruct(func(id int16, typ byte) error {
				var err error
				switch id {
				case 7:
					c.compressed, err = r.int(typ, "total_compressed_size")
				case 9:
					c.dataOffset, err = r.int(typ, "data_page_offset")
				case 11:
					c.dictOffset, err = r.int(typ, "dictionary_page_offset")
				case 14:
					bloom[0], err = r.int(typ, "bloom_filter_offset")
				case 15:
					bloom[1], err = r.int(typ, "bloom_filter_length")
				default:
					err = r.skip(typ)
				}
				return err
			})
		case 4:
			offIndex[0], err = r.int(typ, "offset_index_offset")
		case 5:
			offIndex[1], err = r.int(typ, "offset_index_length")
		case 6:
			colIndex[0], err = r.int(typ, "column_index_offset")
		case 7:
			colIndex[1], err = r.int(typ, "column_index_length")
		case 8, 9: // crypto_metadata, encrypted_column_metadata
			c.encrypted = true
			err = r.skip(typ)
		default:
			err = r.skip(typ)
		}
		return err
	})
	c.indexes = [][2]int64{colIndex, offIndex, bloom}
	return c, err
}

// pageWalk checks the page headers of column chunks.
type pageWalk struct {
	ra          io.ReaderAt
	buf         []byte
	maxUnzipped int64
	unzipped    int64
}

func (w *pageWalk) chunk(i int, pos, end int64) error {
	for pos < end {
		// read the header through a window, grown while it cuts the header short
		win := min(end-pos, parquetHeaderWindow)
		var r *compactReader
		var uncompressed, compressed int64
		var values []int64
		for {
			if int64(cap(w.buf)) < win {
				w.buf = make([]byte, win)
			}
			b := w.buf[:win]
			if _, err := w.ra.ReadAt(b, pos); err != nil {
				return badParquet("cannot read column chunk %d: %v", i, err)
			}
			r = &compactReader{b: b, budget: parquetPageBudget, what: "page header"}
			var err error
			uncompressed, compressed, values, err = r.pageHeader()
			if err == nil {
				break
			}
			if limit := min(end-pos, parquetMaxHeader); r.short && win < limit {
				win = min(win*4, limit)
				continue
			}
			return fmt.Errorf("column chunk %d: %w", i, err)
		}
		pos += int64(r.pos)
		switch {
		case compressed < 0 || uncompressed < 0:
			return badParquet("column chunk %d: a page header at byte %d has no valid page sizes; refusing the file", i, pos)
		case compressed > end-pos:
			return badParquet("column chunk %d: a page at byte %d claims %d bytes but its column chunk has only %d left; refusing the file", i, pos, compressed, end-pos)
		case uncompressed > parquetMaxPageBytes:
			return badParquet("column chunk %d: a page at byte %d claims to expand to %d bytes, more than the %d this server reads; refusing the file", i, pos, uncompressed, parquetMaxPageBytes)
		}
		for _, v := range values {
			if v < 0 || v > parquetMaxPageValues {
				return badParquet("column chunk %d: a page at byte %d claims %d values, more than the %d this server reads; refusing the file", i, pos, v, parquetMaxPageValues)
			}
		}
		w.unzipped += uncompressed
		if w.unzipped > w.maxUnzipped {
			return badParquet("the file's pages expand to more than %d bytes; refusing the file", w.maxUnzipped)
		}
		pos += compressed
	}
	return nil
}

// pageHeader reads a PageHeader: its sizes (-1 when absent), and the
// num_values of whichever page header it holds with v2's other counts.
func (r *compactReader) pageHeader() (uncompressed, compressed int64, values []int64, err error) {
	uncompressed, compressed = -1, -1
	err = r.readStruct(func(id int16, typ byte) error {
		var err error
		switch id {
		case 2:
			uncompressed, err = r.int(typ, "uncompressed_page_size")
		case 3:
			compressed, err = r.int(typ, "compressed_page_size")
		case 5, 7, 8: // data_page_header, dictionary_page_header, data_page_header_v2
			if typ != ctStruct {
				return r.malformed("page header part is not a struct")
			}
			return r.readStruct(func(fid int16, typ byte) error {
				// num_values (all three); v2's num_nulls, num_rows and level lengths
				if fid == 1 || (id == 8 && (fid == 2 || fid == 3 || fid == 5 || fid == 6)) {
					v, err := r.int(typ, "a page count")
					values = append(values, v)
					return err
				}
				return r.skip(typ)
			})
		default:
			err = r.skip(typ)
		}
		return err
	})
	return uncompressed, compressed, values, err
}
