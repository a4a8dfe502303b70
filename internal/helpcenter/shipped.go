package helpcenter

import (
	"embed"
	"io/fs"
)

//go:embed content
var content embed.FS

// Shipped is HotDash's own articles, content/*.md, as embedded in the binary.
func Shipped() fs.FS {
	sub, err := fs.Sub(content, "content")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
