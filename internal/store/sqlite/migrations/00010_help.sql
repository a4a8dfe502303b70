-- +goose Up
-- The Help Center: articles (shipped with HotDash or written by editors),
-- their sections (the unit search finds and links to), what people searched
-- for and how many results they got, and "was this helpful?" votes.
CREATE TABLE help_articles (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    keywords      TEXT NOT NULL,
    body          TEXT NOT NULL,
    html          TEXT NOT NULL,
    runbook       BOOLEAN NOT NULL,
    owner         TEXT NOT NULL,
    review_by     TIMESTAMP,
    source        TEXT NOT NULL,
    shipped_hash  TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    updated_by    TEXT NOT NULL,
    version       INTEGER NOT NULL
);

CREATE TABLE help_sections (
    article_id  TEXT NOT NULL REFERENCES help_articles (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    anchor      TEXT NOT NULL,
    heading     TEXT NOT NULL,
    level       INTEGER NOT NULL,
    explicit    BOOLEAN NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (article_id, position)
);
-- Explicit section ids are topic ids: unique across the Help Center.
CREATE UNIQUE INDEX help_sections_topic ON help_sections (anchor) WHERE explicit;

-- The search index: one row per section. Title outweighs heading and
-- keywords, which outweigh the body (see helpcenter's ranking).
CREATE VIRTUAL TABLE help_fts USING fts5(
    title, heading, keywords, body,
    article_id UNINDEXED, position UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TABLE help_searches (
    id       INTEGER PRIMARY KEY,
    query    TEXT NOT NULL,
    results  INTEGER NOT NULL,
    at       TIMESTAMP NOT NULL,
    actor    TEXT NOT NULL
);
CREATE INDEX help_searches_at ON help_searches (at);

CREATE TABLE help_feedback (
    id          INTEGER PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES help_articles (id) ON DELETE CASCADE,
    helpful     BOOLEAN NOT NULL,
    comment     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX help_feedback_at ON help_feedback (at);

-- +goose Down
DROP TABLE help_feedback;
DROP TABLE help_searches;
DROP TABLE help_fts;
DROP TABLE help_sections;
DROP TABLE help_articles;
