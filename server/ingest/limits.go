// Package ingest holds slant's importers: one file per input format, each
// a pure parser producing articles (and, for labelled corpora, spans).
// The store does the all-or-nothing write.
package ingest

// Limits bound what one import may bring in. All are configurable from
// the command line; exceeding one is a clear error, never a truncation.
type Limits struct {
	MaxUploadBytes int64    // largest upload accepted by POST …/import
	MaxArticles    int      // most articles in one import
	MaxTextBytes   int      // largest article text
	AllowHosts     []string // URL import: hosts allowed although they resolve to private/loopback addresses

	MaxZipEntries    int   // most files in one zip (0: DefaultMaxZipEntries)
	MaxUnzippedBytes int64 // most bytes all entries of the zips of one import may expand to (0: DefaultMaxUnzippedBytes)
}

// Zip defaults, used when the fields are left at zero.
const (
	DefaultMaxZipEntries    = 20_000
	DefaultMaxUnzippedBytes = 1 << 30
)

// DefaultLimits are the limits used when none are configured.
func DefaultLimits() Limits {
	return Limits{MaxUploadBytes: 256 << 20, MaxArticles: 200_000, MaxTextBytes: 5 << 20,
		MaxZipEntries: DefaultMaxZipEntries, MaxUnzippedBytes: DefaultMaxUnzippedBytes}
}

func (l Limits) zipEntries() int {
	if l.MaxZipEntries > 0 {
		return l.MaxZipEntries
	}
	return DefaultMaxZipEntries
}

func (l Limits) unzippedBytes() int64 {
	if l.MaxUnzippedBytes > 0 {
		return l.MaxUnzippedBytes
	}
	return DefaultMaxUnzippedBytes
}

// maxWholeFile bounds formats read whole (text, HTML, crawl dumps, PTC):
// one article each, so a few times the text limit is plenty.
func (l Limits) maxWholeFile() int64 {
	if l.MaxTextBytes > 0 {
		return 4*int64(l.MaxTextBytes) + 1<<20
	}
	return 64 << 20
}

// maxLine bounds one JSON line or CSV record.
func (l Limits) maxLine() int { return int(l.maxWholeFile()) }
