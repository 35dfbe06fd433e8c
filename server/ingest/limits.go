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
}

// DefaultLimits are the limits used when none are configured.
func DefaultLimits() Limits {
	return Limits{MaxUploadBytes: 256 << 20, MaxArticles: 200_000, MaxTextBytes: 5 << 20}
}
