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
	"sort"
	"strings"
	"time"
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
	files := make([]file, 0, len(names))
	byID := map[string]string{}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		d, err := Parse(src)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		a, err := s.prepare(d)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		for _, t := range a.topics() {
			if other, ok := byID[t]; ok {
				return nil, &FileError{File: name, Err: fmt.Errorf("topic id %s is also used in %s; topic ids must be unique", t, other)}
			}
			byID[t] = name
		}
		sum := sha256.Sum256(src)
		files = append(files, file{name: name, article: a, hash: hex.EncodeToString(sum[:])})
	}
	return files, nil
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
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		for _, f := range files {
			cur, _, err := s.currentVersion(ctx, tx, f.article.ID)
			if err != nil {
				return err
			}
			a := f.article
			a.Source, a.UpdatedAt, a.UpdatedBy, a.Version = SourceEdited, now, actor, cur+1
			if err := s.write(ctx, tx, a, cur != 0); err != nil {
				return &FileError{File: f.name, Err: err}
			}
			if cur == 0 {
				res.Created = append(res.Created, a.ID)
			} else {
				res.Updated = append(res.Updated, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, s.decide(ctx, actor, "help.import", importRationale(res), "/help")
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
		written = 0
		for _, f := range files {
			n, err := s.loadOne(ctx, tx, f, now)
			if err != nil {
				return &FileError{File: f.name, Err: err}
			}
			written += n
		}
		return nil
	})
	return written, err
}

func (s *Service) loadOne(ctx context.Context, tx *sql.Tx, f file, now time.Time) (int, error) {
	cur, source, err := s.currentVersion(ctx, tx, f.article.ID)
	if err != nil || source == SourceEdited {
		return 0, err
	}
	var hash string
	if cur != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT shipped_hash FROM help_articles WHERE id = $1`, f.article.ID).Scan(&hash); err != nil {
			return 0, err
		}
		if hash == f.hash {
			return 0, nil
		}
	}
	a := f.article
	a.Source, a.UpdatedAt, a.UpdatedBy, a.Version, a.shippedHash = SourceShipped, now, "hotdash", cur+1, f.hash
	return 1, s.write(ctx, tx, a, cur != 0)
}
