package models

// Full-text search on PostgreSQL: a tsvector per article (title weighted
// A, text D) and per span (quote, note, speaker), kept by triggers in the
// writing transaction like FTS5's, with the 'simple' configuration over
// unaccent()ed text: no stemming, accents folded, which is what FTS5's
// unicode61 tokenizer with remove_diacritics does on SQLite.

var pgSearchDDL = []string{
	`CREATE EXTENSION IF NOT EXISTS unaccent`,
	// unaccent() is only STABLE (its dictionary could change); slant's use
	// of it is fixed, so this wrapper may be used in indexes and triggers
	`CREATE FUNCTION slant_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
		AS $$ SELECT unaccent('unaccent'::regdictionary, t) $$`,
	`CREATE FUNCTION slant_tsv(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
		AS $$ SELECT to_tsvector('simple'::regconfig, slant_unaccent(t)) $$`,
	`CREATE TABLE articles_search (
		article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
		doc tsvector NOT NULL)`,
	`CREATE INDEX idx_articles_search ON articles_search USING gin (doc)`,
	`CREATE FUNCTION trg_articles_search() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO articles_search (article_id, doc)
		VALUES (NEW.id, setweight(slant_tsv(NEW.title), 'A') || setweight(slant_tsv(NEW.text), 'D'))
		ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER trg_articles_search AFTER INSERT OR UPDATE OF title, text ON articles
		FOR EACH ROW EXECUTE FUNCTION trg_articles_search()`,
	`CREATE TABLE annotations_search (
		annotation_id BIGINT PRIMARY KEY REFERENCES annotations(id) ON DELETE CASCADE,
		doc tsvector NOT NULL)`,
	`CREATE INDEX idx_annotations_search ON annotations_search USING gin (doc)`,
	`CREATE FUNCTION trg_annotations_search() RETURNS trigger LANGUAGE plpgsql AS $$
	DECLARE speaker text := '';
	BEGIN
		IF NEW.layer = 'suggestion' THEN
			RETURN NULL;
		END IF;
		BEGIN
			speaker := COALESCE(NEW.attributes::jsonb ->> 'speaker', '');
		EXCEPTION WHEN others THEN
			speaker := '';
		END;
		INSERT INTO annotations_search (annotation_id, doc)
		VALUES (NEW.id, slant_tsv(NEW.quote) || slant_tsv(NEW.note) || slant_tsv(speaker))
		ON CONFLICT (annotation_id) DO UPDATE SET doc = excluded.doc;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER trg_annotations_search AFTER INSERT OR UPDATE OF quote, note, attributes ON annotations
		FOR EACH ROW EXECUTE FUNCTION trg_annotations_search()`,
}
