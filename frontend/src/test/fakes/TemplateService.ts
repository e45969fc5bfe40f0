// Stands in for src/wailsjs/go/desktop/TemplateService (served by bridge.ts).
import { fake } from './instance';
import { previewTemplate } from './templates';

export const Preview = (field: string, source: string) => fake.run('Preview', [field, source], () => previewTemplate(field, source));
