package helpcenter

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hotdash/hotdash/internal/store"
)

// FileError says which file of a folder could not be imported, and why.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string {
	return e.File + ": " + strings.TrimPrefix(e.Err.Error(), "invalid input: ")
}

func (e *FileError) Unwrap() error { return e.Err }

// file is one parsed article file.
type file struct {
	name    string
	article *Article
	hash    string
}

// readFolder parses every *.md file under fsys (sorted by path). The first
// bad file stops it with a FileError naming it.
func (s *Service) readFolder(fsys fs.FS) ([]file, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".md") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read article folder: %w", err)
	}
	sort.Strings(names)
	files, err := s.parseFiles(fsys, names)
	if err != nil {
		return nil, err
	}
	byID := map[string]string{}
	for _, f := range files {
		for _, t := range f.article.topics() {
			if other, ok := byID[t]; ok {
				return nil, &FileError{File: f.name, Err: fmt.Errorf("topic id %s is also used in %s; topic ids must be unique", t, other)}
			}
			byID[t] = f.name
		}
	}
	return files, nil
}

// parseFiles reads, parses and renders the named files on every CPU,
// keeping their order; the first bad file (in name order) is the error.
func (s *Service) parseFiles(fsys fs.FS, names []string) ([]file, error) {
	files := make([]file, len(names))
	errs := make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				files[i], errs[i] = s.parseFile(fsys, names[i])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// parseFile reads, parses and renders one article file.
func (s *Service) parseFile(fsys fs.FS, name string) (file, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return file{}, &FileError{File: name, Err: err}
	}
	d, err := Parse(src)
	if err != nil {
		return file{}, &FileError{File: name, Err: err}
	}
	a, err := s.prepare(d)
	if err != nil {
		return file{}, &FileError{File: name, Err: err}
	}
	sum := sha256.Sum256(src)
	return file{name: name, article: a, hash: hex.EncodeToString(sum[:])}, nil
}

// ImportResult says what an import wrote.
type ImportResult struct {
	// Created and Updated list article ids.
	Created []string
	Updated []string
}

// Import reads every *.md file under fsys (each an article with front
// matter) and writes them all in one transaction: all or nothing. A bad
// file fails the import with a FileError naming it, and nothing is
// written. Imported articles replace any article with the same id (they
// count as edited: shipped content never overwrites them). One Decision
// Log entry lists the ids.
func (s *Service) Import(ctx context.Context, fsys fs.FS, actor string) (ImportResult, error) {
	var res ImportResult
	files, err := s.readFolder(fsys)
	if err != nil {
		return res, err
	}
	if len(files) == 0 {
		return res, errors.New("no article files (*.md) in the folder")
	}
	now := s.clock.Now()
	arts := make([]*Article, len(files))
	ids := make([]string, len(files))
	for i, f := range files {
		arts[i], ids[i] = f.article, f.article.ID
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		cur, _, err := s.versions(ctx, tx, ids)
		if err != nil {
			return err
		}
		existed := map[string]bool{}
		for _, a := range arts {
			a.Source, a.UpdatedAt, a.UpdatedBy, a.Version = SourceEdited, now, actor, cur[a.ID]+1
			if cur[a.ID] != 0 {
				existed[a.ID] = true
				res.Updated = append(res.Updated, a.ID)
			} else {
				res.Created = append(res.Created, a.ID)
			}
		}
		return s.writeBatch(ctx, tx, arts, existed)
	})
	var te *topicError
	if errors.As(err, &te) {
		for _, f := range files {
			if f.article.ID == te.Claimant {
				return ImportResult{}, &FileError{File: f.name, Err: te.fields()}
			}
		}
	}
	if err != nil {
		return ImportResult{}, err
	}
	if err := s.settle(ctx, len(arts)); err != nil {
		return res, err
	}
	return res, s.decide(ctx, actor, "help.import", importRationale(res), "/help")
}

// bulkImport is how many articles make an import large enough to settle
// the index at once.
const bulkImport = 500

// settle readies the index after a large import, whose articles reach it
// in several batches. SQLite's FTS5 keeps each batch as its own segment,
// which every search then reads and merges: optimize merges them into one.
// PostgreSQL's GIN keeps new entries in a pending list that every search
// scans in full until a vacuum merges it, and the planner has no
// statistics on the new rows until autovacuum gathers them (it then joins
// a few sections to their articles by walking every article). After
// 10,000 articles that made searches on PostgreSQL eight times slower for
// the first minute or more. Settling costs a second or two of the import.
func (s *Service) settle(ctx context.Context, imported int) error {
	if imported < bulkImport {
		return nil
	}
	steps := []string{`INSERT INTO help_fts (help_fts) VALUES ('optimize')`}
	if s.db.Engine() == store.Postgres {
		steps = []string{`SELECT gin_clean_pending_list('help_fts_document'::regclass), gin_clean_pending_list('help_fts_head'::regclass)`,
			`ANALYZE help_articles, help_sections, help_fts`}
	}
	for _, q := range steps {
		if _, err := s.db.Write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("settle the help index: %w", err)
		}
	}
	return nil
}

// importRationale names what an import wrote, listing at most 100 ids.
func importRationale(r ImportResult) string {
	list := func(ids []string) string {
		if len(ids) > 100 {
			return strings.Join(ids[:100], ", ") + fmt.Sprintf(" and %d more", len(ids)-100)
		}
		return strings.Join(ids, ", ")
	}
	out := fmt.Sprintf("Imported %d Help Center articles.", len(r.Created)+len(r.Updated))
	if len(r.Created) > 0 {
		out += " Created: " + list(r.Created) + "."
	}
	if len(r.Updated) > 0 {
		out += " Replaced: " + list(r.Updated) + "."
	}
	return out
}

// LoadShipped writes HotDash's own articles: new ones are added, and ones
// still as shipped are updated when the shipped text changed. Articles an
// editor has changed are left alone. It returns how many it wrote. A bad
// shipped file fails it (a test keeps that from reaching a release).
func (s *Service) LoadShipped(ctx context.Context) (int, error) {
	files, err := s.readFolder(s.shipped)
	if err != nil {
		return 0, fmt.Errorf("shipped help content: %w", err)
	}
	now := s.clock.Now()
	written := 0
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		ids := make([]string, len(files))
		for i, f := range files {
			ids[i] = f.article.ID
		}
		cur, sources, err := s.versions(ctx, tx, ids)
		if err != nil {
			return err
		}
		hashes, err := s.shippedHashes(ctx, tx)
		if err != nil {
			return err
		}
		var arts []*Article
		existed := map[string]bool{}
		for _, f := range files {
			id := f.article.ID
			if sources[id] == SourceEdited || (cur[id] != 0 && hashes[id] == f.hash) {
				continue
			}
			a := f.article
			a.Source, a.UpdatedAt, a.UpdatedBy, a.Version, a.shippedHash = SourceShipped, now, "hotdash", cur[id]+1, f.hash
			existed[id] = cur[id] != 0
			arts = append(arts, a)
		}
		written = len(arts)
		if len(arts) == 0 {
			return nil
		}
		return s.writeBatch(ctx, tx, arts, existed)
	})
	return written, err
}

// shippedHashes maps each shipped article to the hash of the file it was
// loaded from.
func (s *Service) shippedHashes(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, shipped_hash FROM help_articles WHERE source = $1`, SourceShipped)
	if err != nil {
		return nil, fmt.Errorf("read shipped help articles: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, h string
		if err := rows.Scan(&id, &h); err != nil {
			return nil, err
		}
		out[id] = h
	}
	return out, rows.Err()
}
