package desktop

import (
	"context"
	"errors"

	"vmr-companion/backend/templates"
)

// TemplateService renders templates for the editor's preview.
type TemplateService struct {
	ctx    context.Context
	engine *templates.Engine
}

// Preview is a rendered template, or where its syntax is wrong.
type Preview struct {
	Output string         `json:"output"`
	HTML   bool           `json:"html"`
	Vars   map[string]any `json:"vars"`
	Error  string         `json:"error"`
	Line   int            `json:"line"`
	Column int            `json:"column"`
}

// Preview renders source as the template field with sample data.
func (s *TemplateService) Preview(field, source string) Preview {
	p := Preview{HTML: templates.KindOf(field) == templates.KindHTML, Vars: templates.SampleVars(field)}
	out, err := s.engine.Preview(s.ctx, field, source)
	if err != nil {
		p.Error = err.Error()
		var syn *templates.SyntaxError
		if errors.As(err, &syn) {
			p.Line, p.Column, p.Error = syn.Line, syn.Column, syn.Message
		}
		return p
	}
	p.Output = out
	return p
}
