package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelpImportWritesAFolderOrNothing(t *testing.T) {
	env := []string{"HOTDASH_DATA_DIR=" + t.TempDir(), "USER=maria"}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("refunds.md", "---\nid: refunds\ntitle: Refunds\nkind: how-to\n---\nHow to refund.\n")
	write("zz-broken.md", "---\nid: broken\ntitle: Broken\nkind: recipe\n---\nx\n")
	r := run(t, env, "", "help", "import", dir)
	if r.code == 0 || !strings.Contains(r.stderr, "nothing was imported") || !strings.Contains(r.stderr, "zz-broken.md") || !strings.Contains(r.stderr, "kind") {
		t.Fatalf("bad folder: %+v", r)
	}
	write("zz-broken.md", "---\nid: broken\ntitle: Fixed\nkind: reference\n---\nx\n")
	r = run(t, env, "", "help", "import", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "imported 2 articles (2 new, 0 replaced)") {
		t.Fatalf("import: %+v", r)
	}
	r = run(t, env, "", "help", "import", dir, "--actor", "lead@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, "(0 new, 2 replaced)") {
		t.Fatalf("second import: %+v", r)
	}
	if r = run(t, env, "", "help", "serve"); r.code != 0 || !strings.Contains(r.stdout, "Run the HotDash server") {
		t.Fatalf("help for a command: %+v", r)
	}
	if r = run(t, env, "", "help", "import", filepath.Join(dir, "missing")); r.code == 0 {
		t.Fatalf("missing folder: %+v", r)
	}
}
