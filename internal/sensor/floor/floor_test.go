package floor

import (
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestStartClose(t *testing.T) {
	testutil.RequireRoot(t)
	f, err := Start()
	if err != nil {
		testutil.SkipOrFail(t, "floor programs do not load here: "+err.Error())
	}
	// System calls keep working with the programs attached.
	for range 100 {
		fd, err := os.Open("/proc/self/stat")
		if err != nil {
			t.Fatal(err)
		}
		fd.Close()
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
