package models

import (
	"context"
	"gorm.io/gorm/clause"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

var countryRe = regexp.MustCompile(`^[A-Z]{2}$`)

// RegistrableDomain reduces a host to its registrable domain
// ("www.news.example.co.uk" -> "example.co.uk"). IP addresses and
// single-label hosts are returned as they are.
func RegistrableDomain(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if strings.Contains(host, "://") { // a URL pasted where a domain was expected
		if u, err := url.Parse(host); err == nil {
			host = u.Host
		}
	}
	if h, port, err := net.SplitHostPort(host); err == nil && strings.Trim(port, "0123456789") == "" {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	host = strings.Trim(host, "[]")
	if host == "" || net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// DomainOfURL returns the registrable domain of an absolute http(s) URL.
func DomainOfURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", Invalid("url", "must be an absolute http or https URL")
	}
	return RegistrableDomain(u.Host), nil
}

func validateSource(src *Source) error {
	src.Domain = RegistrableDomain(src.Domain)
	src.Name = strings.TrimSpace(src.Name)
	src.Country = strings.ToUpper(strings.TrimSpace(src.Country))
	if src.Domain == "" || strings.ContainsAny(src.Domain, "/ ?#@") {
		return Invalid("domain", "must be a domain name such as example.org")
	}
	if src.Country != "" && !countryRe.MatchString(src.Country) {
		return Invalid("country", "must be an ISO 3166-1 alpha-2 code such as NO or BR")
	}
	if src.Ownership == "" {
		src.Ownership = OwnershipUnknown
	}
	if !slices.Contains(Ownerships, src.Ownership) {
		return Invalid("ownership", "must be one of "+strings.Join(Ownerships, ", "))
	}
	if src.Name == "" {
		src.Name = src.Domain
	}
	return nil
}

// CreateSource stores a new outlet profile; its domain must be new.
func (s *Store) CreateSource(ctx context.Context, src *Source) error {
	if err := validateSource(src); err != nil {
		return err
	}
	if err := s.wr(ctx).Create(src).Error; err != nil {
		if isUnique(err) {
			return &ConflictError{Message: "a source with domain " + src.Domain + " already exists"}
		}
		return err
	}
	return nil
}

// GetSource returns one outlet.
func (s *Store) GetSource(ctx context.Context, id int64) (*Source, error) {
	var src Source
	if err := s.rd(ctx).First(&src, id).Error; err != nil {
		return nil, notFoundOr(err, "source")
	}
	return &src, nil
}

// SourceByDomain finds an outlet by (registrable) domain.
func (s *Store) SourceByDomain(ctx context.Context, domain string) (*Source, error) {
	var src Source
	if err := s.rd(ctx).Where("domain = ?", RegistrableDomain(domain)).First(&src).Error; err != nil {
		return nil, notFoundOr(err, "source")
	}
	return &src, nil
}

// SourceFilter narrows ListSources.
type SourceFilter struct {
	Ownership string
	Q         string // substring of name or domain
}

// ListSources lists outlets by id.
func (s *Store) ListSources(ctx context.Context, f SourceFilter, pg Page) ([]Source, *string, error) {
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	q := s.rd(ctx).Model(&Source{}).Order("id").Limit(pg.limit() + 1)
	if after != nil {
		q = q.Where("id > ?", after[0])
	}
	if f.Ownership != "" {
		if !slices.Contains(Ownerships, f.Ownership) {
			return nil, nil, Invalid("ownership", "must be one of "+strings.Join(Ownerships, ", "))
		}
		q = q.Where("ownership = ?", f.Ownership)
	}
	if err := checkSearchText(f.Q); err != nil {
		return nil, nil, err
	}
	if f.Q != "" {
		like := "%" + escapeLike(f.Q) + "%"
		q = q.Where(`(name `+s.like()+` ? ESCAPE '\' OR domain `+s.like()+` ? ESCAPE '\')`, like, like)
	}
	var rows []Source
	if err := q.Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	rows, next := pageOf(rows, pg.limit(), func(r Source) []int64 { return []int64{r.ID} })
	return rows, next, nil
}

// UpdateSource applies patch to outlet id and saves it.
func (s *Store) UpdateSource(ctx context.Context, id int64, patch func(*Source) error) (*Source, error) {
	var out *Source
	err := s.Tx(ctx, func(tx *Store) error {
		src, err := tx.GetSource(ctx, id)
		if err != nil {
			return err
		}
		if err := patch(src); err != nil {
			return err
		}
		if err := validateSource(src); err != nil {
			return err
		}
		if err := tx.wr(ctx).Save(src).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "a source with domain " + src.Domain + " already exists"}
			}
			return err
		}
		out = src
		return nil
	})
	return out, err
}

// ensureSource returns the id of the outlet for domain, creating an
// "unknown" profile when the domain is new. A profile created by an
// import (importID != 0) is tagged with it, so that it goes again if the
// import is not published and nobody has used or edited it. Must run
// inside Tx.
func (s *Store) ensureSource(ctx context.Context, domain string, cache map[string]int64, importID int64) (int64, error) {
	if id, ok := cache[domain]; ok {
		return id, nil
	}
	src, err := s.SourceByDomain(ctx, domain)
	if err == nil {
		// Inside a write transaction an outlet that another, unpublished
		// import created is found too; this article uses it now, so it
		// becomes an ordinary visible outlet (left hidden, the article
		// would answer 404 until that import ended).
		if err := s.wr(ctx).Exec(`UPDATE sources SET import_id = NULL WHERE id = ? AND import_id IS NOT NULL AND import_id <> ?
			AND import_id IN `+hiddenImports, src.ID, importID).Error; err != nil {
			return 0, err
		}
		cache[domain] = src.ID
		return src.ID, nil
	}
	if !isNotFound(err) {
		return 0, err
	}
	src = &Source{Domain: domain, Ownership: OwnershipUnknown}
	if err := validateSource(src); err != nil {
		return 0, err
	}
	// another writer may add the outlet meanwhile: ON CONFLICT leaves the
	// transaction usable (a failed INSERT aborts it on PostgreSQL), and
	// the outlet is then the other's
	res := s.wr(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "domain"}}, DoNothing: true}).Create(src)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 {
		other, err := s.SourceByDomain(ctx, domain)
		if err != nil {
			return 0, err
		}
		cache[domain] = other.ID
		return other.ID, nil
	}
	if importID != 0 {
		if err := s.wr(ctx).Exec(`UPDATE sources SET import_id = ?, updated_at = created_at WHERE id = ?`, importID, src.ID).Error; err != nil {
			return 0, err
		}
	}
	cache[domain] = src.ID
	return src.ID, nil
}

// MaxSearchRunes bounds a q= search text (SQLite refuses LIKE patterns
// past 50,000 bytes with an error that was a 500).
const MaxSearchRunes = 500

// checkSearchText is the one rule on q= search texts: valid UTF-8, no
// control characters (a NUL ended the pattern early, so q=%00 matched
// every title), at most MaxSearchRunes.
func checkSearchText(q string) error {
	if !utf8.ValidString(q) {
		return Invalid("q", "must be valid UTF-8")
	}
	if utf8.RuneCountInString(q) > MaxSearchRunes {
		return Invalid("q", "must be at most "+itoa(MaxSearchRunes)+" characters")
	}
	for _, r := range q {
		if unicode.IsControl(r) {
			return Invalid("q", "must not contain control characters")
		}
	}
	return nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
