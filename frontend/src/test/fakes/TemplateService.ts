// Stands in for src/wailsjs/go/desktop/TemplateService (served by bridge.ts):
// plays back the previews the real TemplateService rendered (the golden
// "template previews": every default template and what the tests type).
import { fake } from './instance';
import { golden } from './golden';
import type { TemplatePreview } from '../../lib/types';

interface Recorded {
  field: string;
  source: string;
  preview: TemplatePreview;
}

const recorded = golden<Recorded[]>('template previews').result!;

/** The recorded preview of source as field; a source nobody recorded says so. */
export function previewOf(field: string, source: string): TemplatePreview {
  const hit = recorded.find((r) => r.field === field && r.source === source);
  if (hit) return hit.preview;
  const same = recorded.find((r) => r.field === field);
  return {
    output: '',
    html: same?.preview.html ?? false,
    vars: same?.preview.vars ?? {},
    error: 'the fake backend has no recorded preview of this template: add it to app/desktop/golden_integrations_test.go and run make golden',
    line: 0,
    column: 0,
  };
}

export const Preview = (field: string, source: string) => fake.run('Preview', [field, source], () => previewOf(field, source));
