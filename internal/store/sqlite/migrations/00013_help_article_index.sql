-- +goose Up
-- The search index holds one row per article instead of one per section:
-- a word common to a whole Help Center then has a fifth of the postings to
-- walk, which is most of what a search costs. Search picks the section to
-- open and cuts the snippet itself (helpcenter's search.go). Prefixes up
-- to five characters are indexed, so a half-typed word is one lookup.
-- rowid is the article's rowid in help_articles.
DROP TABLE help_fts;
CREATE VIRTUAL TABLE help_fts USING fts5(
    title, headings, keywords, body,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4 5'
);
INSERT INTO help_fts (rowid, title, headings, keywords, body)
    SELECT a.rowid, a.title,
        COALESCE((SELECT group_concat(s.heading, ' ' ORDER BY s.position) FROM help_sections s WHERE s.article_id = a.id), ''),
        a.keywords,
        COALESCE((SELECT group_concat(s.body, char(10) ORDER BY s.position) FROM help_sections s WHERE s.article_id = a.id), '')
    FROM help_articles a;

-- +goose Down
DROP TABLE help_fts;
CREATE VIRTUAL TABLE help_fts USING fts5(
    title, heading, keywords, body,
    article_id UNINDEXED, position UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO help_fts (rowid, title, heading, keywords, body, article_id, position)
    SELECT s.rowid, a.title, s.heading, a.keywords, s.body, s.article_id, s.position
    FROM help_sections s JOIN help_articles a ON a.id = s.article_id;
