// Package helpcenter is HotDash's Help Center: operator articles written in
// markdown with YAML front matter, rendered to safe HTML, stored in the
// database, searched with the engine's own full-text search, and linked to
// from product surfaces by topic id (/help?topic=<id>).
//
// An article's id and the explicit ids of its sections ({#id} after a
// heading) are topic ids, unique across the Help Center. Every heading is a
// section: the unit the search index holds, so a result links straight to
// the section that matched. Markdown is rendered by goldmark (GitHub
// flavour) without raw HTML, and the result is sanitised again with
// bluemonday, so an article can never carry script into a page.
//
// Search sits behind the Index interface: SQLite uses FTS5 (bm25, title
// weighted over headings and keywords over body), PostgreSQL a weighted
// tsvector under a GIN index (ts_rank). Queries are never passed to either
// engine's query language: Terms splits whatever a person typed into plain
// words, and each index builds its own query from those, so no text can make
// a search fail.
//
// HotDash ships its own articles (content/*.md, embedded); LoadShipped
// writes them at start, leaving any article an editor has changed since.
// Editors create and edit articles (optimistic concurrency on version) or
// import a folder of them; each change is recorded in the Decision Log.
// Searches that found nothing, and "was this helpful?" votes, are kept for
// managers (Gaps). Runbooks carry an owner and a review-by date and are
// stale the day after it.
package helpcenter
