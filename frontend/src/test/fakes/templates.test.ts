// The fake template engine must render the real default templates (from
// fixtures.json) and report errors where the real one does.
import { describe, expect, it } from 'vitest';
import fixtures from './fixtures.json';
import { previewTemplate } from './templates';

const defaults = fixtures.defaults as Record<string, unknown>;
const templateFields = fixtures.schema.fields.filter((f) => f.format === 'template').map((f) => f.name);

describe('fake template preview', () => {
  it('renders every default template without errors', () => {
    expect(templateFields.length).toBeGreaterThan(15);
    for (const field of templateFields) {
      const p = previewTemplate(field, String(defaults[field] ?? ''));
      expect(p.error, field).toBe('');
    }
  });

  it('escapes variables in HTML templates only', () => {
    expect(previewTemplate('meeting_instructions_template', '<b>{{alias}}</b>').html).toBe(true);
    expect(previewTemplate('personal_vmr_instructions_template', '{{name}}').output).toBe('Alex Morgan&#39;s room &lt;Sales &amp; &#34;Support&#34;&gt;');
    expect(previewTemplate('conference_subject_template', '{{subject}}').output).toBe(`Budget review <b>Q3</b> & "next steps" for Sam's team`);
  });

  it('supports if, for, filters and loop variables', () => {
    const src = '{% for a in domain_aliases %}{{ loop.index }}:{{ a|upper }}{% if not loop.last %}, {% endif %}{% endfor %}|{{ numeric_aliases|join("/") }}|{{ missing|default("none") }}';
    expect(previewTemplate('personal_vmr_location_template', src).output).toBe('1:ALEX.MORGAN@VC.EXAMPLE.COM, 2:MEET.ALEX@VC.EXAMPLE.COM|8123456/8123457|none');
  });

  it('reports syntax errors with their line and column', () => {
    expect(previewTemplate('conference_name_template', 'a\n{% if subject %}x')).toMatchObject({ line: 2, column: 4, error: "'if' is not closed: add {% endif %}" });
    expect(previewTemplate('conference_name_template', '{{ subject | safe }}')).toMatchObject({ line: 1, column: 14 });
    expect(previewTemplate('conference_name_template', '{% include "x" %}').error).toContain("'include' is not allowed");
    expect(previewTemplate('conference_name_template', 'ok {{ subject').error).toContain('not closed');
    expect(previewTemplate('conference_name_template', '{% endfor %}')).toMatchObject({ line: 1, column: 4 });
  });
});
