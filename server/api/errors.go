package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Error is the one error shape of the API:
// {"error": {"status", "code", "message", "fields", ...extra}}.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	Extra   map[string]any
}

func (e *Error) Error() string { return e.Message }

func (e *Error) body() gin.H {
	obj := gin.H{}
	for k, v := range e.Extra {
		obj[k] = v
	}
	fields := e.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	obj["status"], obj["code"], obj["message"], obj["fields"] = e.Status, e.Code, e.Message, fields
	return gin.H{"error": obj}
}

func errf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func fieldErr(field, problem string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: field + ": " + problem, Fields: map[string]string{field: problem}}
}

var (
	errUnauthorized = errf(http.StatusUnauthorized, "unauthorized", "authentication required: send Authorization: Bearer <token> or log in")
)

// fail maps any error to the JSON error shape and aborts the request.
// This is the only place where Go errors become HTTP statuses.
func fail(c *gin.Context, err error) {
	e := toAPIError(err)
	if e.Status >= 500 {
		slog.ErrorContext(c.Request.Context(), "request failed", "err", err, "request_id", c.GetString(ctxRequestID),
			"method", c.Request.Method, "path", c.Request.URL.Path)
	}
	c.AbortWithStatusJSON(e.Status, e.body())
}

func toAPIError(err error) *Error {
	var ae *Error
	var ve *models.ValidationError
	var nf *models.NotFoundError
	var ce *models.ConflictError
	var tle *models.TooLargeError
	var mbe *http.MaxBytesError
	var bte *bodyTimeoutError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return errf(http.StatusRequestEntityTooLarge, "too_large", "request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	case errors.As(err, &tle):
		return errf(http.StatusRequestEntityTooLarge, "too_large", tle.Error())
	case errors.As(err, &bte):
		return errf(http.StatusRequestTimeout, "request_timeout", bte.Error())
	case errors.As(err, &ve):
		code := ve.Code
		if code == "" {
			code = "validation_failed"
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: ve.Error(), Fields: ve.Fields, Extra: ve.Extra}
	case errors.As(err, &nf):
		return errf(http.StatusNotFound, "not_found", nf.Error())
	case errors.Is(err, models.ErrNotFound):
		return errf(http.StatusNotFound, "not_found", "not found")
	case errors.As(err, &ce):
		return errf(http.StatusConflict, "conflict", ce.Error())
	case errors.Is(err, models.ErrConflict):
		return errf(http.StatusConflict, "conflict", "conflict")
	case errors.Is(err, context.Canceled):
		return errf(499, "canceled", "request canceled")
	default:
		return errf(http.StatusInternalServerError, "internal", "internal error; see the server log")
	}
}

// decodeJSON reads a JSON body into v strictly: unknown fields, wrong
// types, trailing data and invalid UTF-8 (including lone surrogate
// escapes, which encoding/json would silently turn into U+FFFD) are
// errors, never silent changes.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

// decodeArrayOr decodes a body that may be a JSON array (into arr) or a
// single object (into obj), strictly, and says which it was.
func decodeArrayOr(c *gin.Context, arr, obj any) (isArray bool, err error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return false, err
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return true, decodeBytes(body, arr)
	}
	return false, decodeBytes(body, obj)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errf(http.StatusBadRequest, "invalid_json", "request body is empty; expected JSON")
	}
	if !utf8.Valid(body) {
		return errf(http.StatusBadRequest, "invalid_json", "request body is not valid UTF-8")
	}
	if models.HasLoneSurrogateEscape(body) {
		return errf(http.StatusBadRequest, "invalid_json", "request body contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff); text must be valid Unicode")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errf(http.StatusBadRequest, "invalid_json", "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errf(http.StatusBadRequest, "invalid_json", "malformed JSON at byte "+strconv.FormatInt(se.Offset, 10)+": "+se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errf(http.StatusBadRequest, "invalid_json", "malformed JSON: unexpected end of input")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return fieldErr(field, "must be "+typeName(te.Type)+", not "+te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return fieldErr(name, "unknown field")
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return errf(http.StatusBadRequest, "invalid_json", "malformed JSON: "+err.Error())
}

func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	}
	return t.String()
}
