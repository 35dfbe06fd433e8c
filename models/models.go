// Package models holds slant's data model and the Store, the only place
// that talks SQL. It imports nothing else of slant's.
package models

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Ownership kinds of an outlet.
const (
	OwnershipStateControlled = "state_controlled"
	OwnershipStateFunded     = "state_funded"
	OwnershipPublicService   = "public_service"
	OwnershipPrivate         = "private"
	OwnershipUnknown         = "unknown"
)

// Ownerships lists the allowed ownership values in display order.
var Ownerships = []string{OwnershipStateControlled, OwnershipStateFunded, OwnershipPublicService, OwnershipPrivate, OwnershipUnknown}

// Roles.
const (
	RoleAdmin     = "admin"
	RoleAnnotator = "annotator"
)

// Annotation origins. Model predictions use "model:<name>".
const (
	OriginHuman  = "human"
	OriginImport = "import"
)

// Span layers, and the layer choices of lists and exports.
const (
	LayerAnnotator = "annotator"
	LayerGold      = "gold"
	// LayersAnnotators (the default) lists annotators' spans,
	// LayersAll both layers.
	LayersAnnotators = "annotators"
	LayersAll        = "all"
	// GoldUserName is the system user that owns gold spans: the
	// parentheses keep it out of reach of user names (userNameRe).
	GoldUserName = "(gold)"
)

// notSystemUser keeps system users (the gold layer's "(gold)", and any
// later one: their names start with "(", which userNameRe refuses) out of
// user lists, counts, lookups and logins.
const notSystemUser = "users.name NOT LIKE '(%'"

type Project struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	Description string
	Blind       bool // annotators see only their own spans
	// AnnotatorsPerArticle is k: how many annotators AutoAssign gives
	// each article (1..MaxAnnotatorsPerArticle).
	AnnotatorsPerArticle int `gorm:"default:1"`
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

type Label struct {
	ID          int64 `gorm:"primaryKey"`
	ProjectID   int64
	Key         string
	Name        string
	Color       string
	Hotkey      string
	Description string
	SortOrder   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type Source struct {
	ID        int64 `gorm:"primaryKey"`
	Domain    string
	Name      string
	Country   string
	Ownership string
	Notes     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

type Article struct {
	ID          int64 `gorm:"primaryKey"`
	ProjectID   int64
	SourceID    *int64
	ExternalID  *string
	URL         string
	Title       string
	Author      string
	PublishedAt *time.Time
	Language    string
	Text        string
	TextSHA256  string `gorm:"column:text_sha256"`
	Length      int
	Metadata    JSONMap
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type Annotation struct {
	ID         int64 `gorm:"primaryKey"`
	ProjectID  int64 // denormalised from the article for project-wide lists and export
	ArticleID  int64
	LabelID    int64
	UserID     int64
	Start      int
	End        int
	Quote      string
	Note       string
	Attributes JSONMap
	Origin     string
	ClientID   *string // caller's id for idempotent bulk pushes, unique in the project
	// Layer is LayerAnnotator (an annotator's own work) or LayerGold (a
	// curator's decision; then UserID is the "(gold)" system user,
	// DecidedBy the curator and Provenance the spans it came from).
	Layer      string
	DecidedBy  *int64
	Provenance JSONMap
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

type User struct {
	ID                int64 `gorm:"primaryKey"`
	Name              string
	Role              string
	PasswordHash      string
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

type Token struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// Session is a browser login. The cookie carries a random secret; only its
// SHA-256 is stored, with the CSRF token that state-changing requests echo.
type Session struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Hash      string
	CSRFToken string `gorm:"column:csrf_token"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

// ArticleDone records that a user finished an article.
type ArticleDone struct {
	UserID    int64 `gorm:"primaryKey"`
	ArticleID int64 `gorm:"primaryKey"`
	CreatedAt time.Time
}

func (ArticleDone) TableName() string { return "article_done" }

// AllModels lists every gorm model, for the migration test.
func AllModels() []any {
	return []any{&Project{}, &Label{}, &Source{}, &Article{}, &Annotation{}, &User{}, &Token{}, &Session{}, &ArticleDone{}, &Invite{}}
}

// JSONMap is a JSON object stored as TEXT. Numbers keep their exact digits.
type JSONMap map[string]any

func (m JSONMap) Value() (driver.Value, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]any(m))
	return string(b), err
}

func (m *JSONMap) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		*m = JSONMap{}
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("JSONMap: cannot scan %T", v)
	}
	out := JSONMap{}
	if len(b) > 0 && string(b) != "{}" { // the common case needs no decoder
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return err
		}
	}
	*m = out
	return nil
}

// Domain errors. Handlers map them to HTTP statuses in one place.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
	ErrTooNew   = errors.New("database schema is newer than this binary")
)

// ValidationError is an ErrInvalid with per-field messages.
type ValidationError struct {
	Code    string            // machine code, "validation_failed" unless more specific
	Message string            // human summary
	Fields  map[string]string // field -> problem
	Extra   map[string]any    // extra members of the error object (e.g. "actual")
}

func (e *ValidationError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return "validation failed"
}

func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds a ValidationError for one field.
func Invalid(field, problem string) *ValidationError {
	return &ValidationError{Code: "validation_failed", Message: field + ": " + problem, Fields: map[string]string{field: problem}}
}

// ConflictError is an ErrConflict with a message saying what collided.
type ConflictError struct{ Message string }

// TooLargeError is a request over one of the store's size limits (413).
type TooLargeError struct{ Message string }

func (e *TooLargeError) Error() string { return e.Message }

func (e *ConflictError) Error() string        { return e.Message }
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// NotFoundError is an ErrNotFound naming what was missing.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string        { return e.What + " not found" }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

func notFound(what string) error { return &NotFoundError{What: what} }
