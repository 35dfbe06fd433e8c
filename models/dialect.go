package models

// SQL that differs between SQLite and PostgreSQL, as small functions of
// the store, so that a query states what it needs once and each dialect
// says how. Everything else is written in the SQL both accept.

// jsonText is the text at key of the JSON text in expr (NULL if absent).
func (s *Store) jsonText(expr, key string) string {
	if s.pg {
		return "(" + expr + ")::jsonb ->> '" + key + "'"
	}
	return "json_extract(" + expr + ", '$." + key + "')"
}

// jsonInt is the integer at key of the JSON text in expr.
func (s *Store) jsonInt(expr, key string) string {
	if s.pg {
		return "((" + expr + ")::jsonb ->> '" + key + "')::bigint"
	}
	return "json_extract(" + expr + ", '$." + key + "')"
}

// jsonObject is the function that builds a JSON object from key, value
// pairs; its result is JSON text on both.
func (s *Store) jsonObject() string {
	if s.pg {
		return "json_build_object"
	}
	return "json_object"
}

// jsonValue embeds the JSON text in expr as JSON (not as a string) in a
// jsonObject.
func (s *Store) jsonValue(expr string) string {
	if s.pg {
		return "(" + expr + ")::json"
	}
	return "json(" + expr + ")"
}

// groupConcat joins expr over a group with sep (a SQL expression).
func (s *Store) groupConcat(expr, sep string) string {
	if s.pg {
		return "string_agg((" + expr + ")::text, " + sep + ")"
	}
	return "group_concat(" + expr + ", " + sep + ")"
}

// charCode is the one-character string with code point n.
func (s *Store) charCode(n string) string {
	if s.pg {
		return "chr(" + n + ")"
	}
	return "char(" + n + ")"
}

// monthOf is "YYYY-MM" of a time column in UTC, NULL for NULL.
func (s *Store) monthOf(col string) string {
	if s.pg {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ")"
}

// baseTable names a table itself, past the read pool's views of it (the
// importer reads its own hidden rows this way).
func (s *Store) baseTable(name string) string {
	if s.pg {
		return "public." + name
	}
	return "main." + name
}

// rfc3339 is a stored UTC time column as RFC 3339 text, as Go's JSON
// encoder writes a UTC time.Time ("2006-01-02T15:04:05.999999999Z").
func (s *Store) rfc3339(col string) string {
	if s.pg {
		return "replace(rtrim(rtrim(to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '0'), '.') || 'Z', '.Z', 'Z')"
	}
	return "replace(replace(" + col + ", ' ', 'T'), '+00:00', 'Z')"
}

// like is the case-insensitive LIKE: SQLite's LIKE folds ASCII case,
// PostgreSQL's does not (ILIKE folds every letter; close enough for the
// title and outlet filters it serves).
func (s *Store) like() string {
	if s.pg {
		return "ILIKE"
	}
	return "LIKE"
}

// IsPostgres reports whether the store runs on PostgreSQL.
func (s *Store) IsPostgres() bool { return s.pg }

// greatest is the larger of two values (SQLite's two-argument max()).
func (s *Store) greatest(a, b string) string {
	if s.pg {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "max(" + a + ", " + b + ")"
}
