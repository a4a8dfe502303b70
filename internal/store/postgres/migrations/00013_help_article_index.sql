-- +goose Up
-- The search index holds one weighted document per article instead of one
-- per section (title A, headings and keywords B, body D): a word common to
-- a whole Help Center then has a fifth of the postings to walk. head is the
-- title, headings and keywords alone, which a search also draws candidates
-- from. Search picks the section to open and cuts the snippet itself.
DROP TABLE help_fts;
CREATE TABLE help_fts (
    article_id  TEXT PRIMARY KEY REFERENCES help_articles (id) ON DELETE CASCADE,
    head        TSVECTOR NOT NULL,
    document    TSVECTOR NOT NULL
);
INSERT INTO help_fts (article_id, head, document)
    SELECT id, head, head || setweight(to_tsvector('english', body), 'D')
    FROM (SELECT a.id,
            setweight(to_tsvector('english', a.title), 'A') ||
            setweight(to_tsvector('english', COALESCE(x.headings, '') || ' ' || a.keywords), 'B') AS head,
            COALESCE(x.body, '') AS body
        FROM help_articles a LEFT JOIN (
            SELECT article_id, string_agg(heading, ' ' ORDER BY position) AS headings,
                string_agg(body, E'\n' ORDER BY position) AS body
            FROM help_sections GROUP BY article_id) x ON x.article_id = a.id) y;
-- fastupdate off: an article is written straight into the index, never
-- into GIN's pending list, which every search would otherwise scan in full
-- until a vacuum merged it (after a large import, for a minute or more).
CREATE INDEX help_fts_document ON help_fts USING GIN (document);
CREATE INDEX help_fts_head ON help_fts USING GIN (head);

-- +goose Down
DROP TABLE help_fts;
CREATE TABLE help_fts (
    article_id  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    head        TSVECTOR NOT NULL,
    document    TSVECTOR NOT NULL,
    PRIMARY KEY (article_id, position),
    FOREIGN KEY (article_id, position) REFERENCES help_sections (article_id, position) ON DELETE CASCADE
);
INSERT INTO help_fts (article_id, position, head, document)
    SELECT article_id, position, head, head || setweight(to_tsvector('english', body), 'D')
    FROM (SELECT s.article_id, s.position, s.body,
            setweight(to_tsvector('english', a.title), 'A') ||
            setweight(to_tsvector('english', s.heading || ' ' || a.keywords), 'B') AS head
        FROM help_sections s JOIN help_articles a ON a.id = s.article_id) x;
CREATE INDEX help_fts_document ON help_fts USING GIN (document);
CREATE INDEX help_fts_head ON help_fts USING GIN (head);
