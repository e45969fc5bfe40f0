// Package templatestest checks, in the renderers' tests, that every template
// is rendered with only the variables templates.Variables lists for its
// field: the form and the previews offer those and no others.
package templatestest

import (
	"context"
	"testing"

	"vmr-companion/backend/templates"
)

// Renderer is what the services render templates with.
type Renderer interface {
	Render(ctx context.Context, field, source string, vars map[string]any) (string, error)
}

// ListedOnly is r, failing t whenever a render passes an unlisted variable.
func ListedOnly(t testing.TB, r Renderer) Renderer { return listedOnly{t, r} }

type listedOnly struct {
	t testing.TB
	Renderer
}

func (l listedOnly) Render(ctx context.Context, field, source string, vars map[string]any) (string, error) {
	if extra := templates.Unlisted(field, vars); len(extra) > 0 {
		l.t.Errorf("%s is rendered with %v, which templates.Variables does not list for it", field, extra)
	}
	return l.Renderer.Render(ctx, field, source, vars)
}
