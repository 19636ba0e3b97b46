package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics, always answers a Config or an *Error,
// and what it accepts, Marshal writes back to an equal Config.
func FuzzParse(f *testing.F) {
	for _, p := range []string{
		filepath.Join("..", "..", "deploy", "vigil.yaml"),
		filepath.Join("testdata", "errors.yaml"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "rules: {files: builtin}\n", "outputs:\n  - type: http\n    http: {url: http://127.0.0.1/, headers: {A: b}}\n",
		"sensor: {ring_buffer_bytes: 16MiB, wakeup_bytes: -1}\n", "x: &a [*a]\n", "metrics: {listen: \"[::1]:0\"}\n",
		"outputs: [{type: file, file: {path: /a, max_size: 1GB}}, {type: syslog, syslog: {network: tls, address: \"h:1\"}}]\n",
		"a: &a {b: *a}\n", "rules: !!binary aGk=\n", "log: {level: !!int 3}\n", "? [a]\n: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Diags) == 0 || c != nil {
				t.Fatalf("error %v (%T), config %v", err, err, c)
			}
			_ = ce.Lines()
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("m.yaml", b)
		if err != nil {
			t.Fatalf("Marshal output refused:\n%s\n%v", b, err)
		}
		if !reflect.DeepEqual(plain(back), plain(c)) {
			t.Fatalf("round trip differs:\n%s", b)
		}
	})
}
