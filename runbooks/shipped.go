package runbooks

import (
	"embed"
	"io/fs"
)

// shippedFiles holds the runbooks shipped in the binary (runbooks/shipped).
//
//go:embed shipped/*.md
var shippedFiles embed.FS

// Shipped returns the shipped runbooks as a read-only file system rooted at
// the shipped folder (RUNBOOKS.md, RedisDown.md, …), e.g. for exporting them.
func Shipped() fs.FS {
	sub, err := fs.Sub(shippedFiles, "shipped")
	if err != nil { // cannot happen: "shipped" is a valid path
		return shippedFiles
	}
	return sub
}

func shippedShelf() *shelf {
	return &shelf{fsys: Shipped(), root: "shipped", embedded: true}
}
