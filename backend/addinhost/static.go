package addinhost

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// asset is one static file held in memory with its ETag made at start and
// its gzip form made once, on the first request that accepts it: serving
// then costs a map lookup and a write, and start-up does not wait to
// compress files (Office.js) that may never be asked for.
type asset struct {
	body      []byte
	etag      string
	ctype     string
	immutable bool

	gzOnce sync.Once
	gz     []byte // nil when compressing does not pay
}

// gzipped returns the gzip form, making it on first use.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if !compressible(a.ctype) || len(a.body) <= 512 {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(a.body)
		zw.Close()
		if buf.Len() < len(a.body) {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

type assets map[string]*asset

// compressible lists the types worth gzipping; images are already packed.
func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/javascript", "application/json", "image/svg+xml", "application/xml", "application/wasm"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

// loadAssets reads every file of fsys under prefix into memory.
func loadAssets(fsys fs.FS, prefix string) (assets, error) {
	out := assets{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		sum := sha256.Sum256(body)
		a := &asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
			// Vite names built files by content hash; they never change.
			immutable: strings.Contains(p, "assets/") && !strings.HasSuffix(p, ".png")}
		out[prefix+p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("addinhost: reading the add-in files: %w", err)
	}
	return out, nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		// q=0, q=0.0, q=0.000 all refuse it (RFC 9110, 12.4.2).
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if v, err := strconv.ParseFloat(q, 64); ok && err == nil && v <= 0 {
			return false
		}
		return true
	}
	return false
}

// serve writes the asset, honouring If-None-Match and Accept-Encoding.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if acceptsGzip(r) {
		if gz := a.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
