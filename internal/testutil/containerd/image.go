package containerd

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"
)

// imageEpoch is the modification time of every file of the image, so
// that the layer (and its digest) only depends on the busybox binary.
var imageEpoch = time.Unix(1700000000, 0)

// buildLayer returns an uncompressed tar layer holding a busybox root
// file system: bb at /bin/busybox, a symlink to it for each applet where
// `busybox --list-full` puts it, the directories a container needs and a
// minimal /etc (the same tree as the runc harness's image).
func buildLayer(bb string) ([]byte, error) {
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list-full: %w", err)
	}
	bin, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	dirs := map[string]int64{}
	for _, d := range []string{"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "proc", "sys", "dev", "run", "var"} {
		dirs[d] = 0o755
	}
	dirs["tmp"], dirs["var/tmp"] = 0o1777, 0o1777
	links := map[string]bool{}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "bin/busybox" || strings.Contains(applet, "..") || strings.HasPrefix(applet, "/") {
			continue
		}
		links[applet] = true
		for d := path.Dir(applet); d != "."; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dirs[d] = 0o755
			}
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":    "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
		"etc/hosts":    "127.0.0.1\tlocalhost\n::1\tlocalhost\n",
		"etc/hostname": "vigil-test\n",
	}

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := func(h *tar.Header) error {
		h.ModTime, h.Format = imageEpoch, tar.FormatPAX
		return tw.WriteHeader(h)
	}
	for _, d := range sortedKeys(dirs) { // parents sort before children
		if err := hdr(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: dirs[d]}); err != nil {
			return nil, err
		}
	}
	if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(files) {
		if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(files[name]))}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, files[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(links) {
		if _, isFile := files[name]; isFile {
			continue
		}
		if err := hdr(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: "/bin/busybox", Mode: 0o777}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeImageArchive writes to file a `docker save` archive (which
// `ctr images import` reads) of one image named ref: the busybox layer
// and a config whose command is cmd.
func writeImageArchive(file, bb, ref string, cmd []string) error {
	layer, err := buildLayer(bb)
	if err != nil {
		return fmt.Errorf("image layer: %w", err)
	}
	layerSum := sha256.Sum256(layer)
	diffID := "sha256:" + hex.EncodeToString(layerSum[:])
	config, err := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"created":      imageEpoch.UTC().Format(time.RFC3339),
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd":        cmd,
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID}},
		"history": []map[string]any{{
			"created":    imageEpoch.UTC().Format(time.RFC3339),
			"created_by": "vigil test harness: busybox-static",
		}},
	})
	if err != nil {
		return err
	}
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	layerName := hex.EncodeToString(layerSum[:]) + "/layer.tar"
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   configName,
		"RepoTags": []string{ref},
		"Layers":   []string{layerName},
	}})
	if err != nil {
		return err
	}

	f, err := os.Create(file)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		data []byte
	}{
		{hex.EncodeToString(layerSum[:]) + "/", nil},
		{layerName, layer},
		{configName, config},
		{"manifest.json", manifest},
	} {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: imageEpoch, Typeflag: tar.TypeReg}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if err = tw.WriteHeader(h); err != nil {
			break
		}
		if _, err = tw.Write(e.data); err != nil {
			break
		}
	}
	return errors.Join(err, tw.Close(), f.Close())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
