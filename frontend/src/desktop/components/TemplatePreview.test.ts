import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import IntegrationForm from '../pages/IntegrationForm.svelte';
import { fake } from '../../test/fakes/instance';
import { tabSequence } from '../../test/dom';

async function openStored() {
  fake.seed(['Contoso']);
  const uuid = fake.list()[0]!.uuid;
  const user = userEvent.setup({ delay: null });
  const view = render(IntegrationForm, { props: { uuid, onleave: vi.fn() } });
  await screen.findByRole('heading', { level: 1, name: 'Contoso' });
  return { ...view, user };
}

const panel = () => screen.getByRole('complementary', { name: 'Preview' });

describe('template preview', () => {
  it('gives every template field a Preview button, in the tab order right after the field', async () => {
    await openStored();
    const templates = document.querySelectorAll('[data-field] textarea');
    const withPreview = [...document.querySelectorAll<HTMLElement>('[id$="-preview"]')];
    expect(withPreview.length).toBeGreaterThan(15);
    const sequence = tabSequence();
    for (const b of withPreview) {
      const field = b.closest('[data-field]')!;
      const box = field.querySelector('textarea')!;
      expect(box, b.id).toBeTruthy();
      expect(b.getAttribute('aria-label')).toBe(`Preview ${field.querySelector('label')!.textContent!.trim()}`);
      expect(sequence[sequence.indexOf(b) - 1], b.id).toBe(box);
    }
    expect(templates.length).toBeGreaterThanOrEqual(withPreview.length);
  });

  it('renders a text template with the sample values, again while typing', async () => {
    const { user } = await openStored();
    await user.click(screen.getByRole('button', { name: 'Preview Conference name' }));
    const p = panel();
    await waitFor(() => expect(within(p).getByText('Budget review <b>Q3</b> & "next steps" for Sam\'s team (Alex Morgan)')).toBeTruthy());
    expect(fake.callsOf('Preview')[0]!.args).toEqual(['conference_name_template', '{{subject}} ({{organizer_name}})']);
    expect(document.activeElement?.id).toBe('tpl-preview-title');
    expect(within(p).getByText('Text')).toBeTruthy();
    // The sample variables are listed, in the order the backend sends them.
    const vars = within(p).getAllByRole('term').map((d) => d.textContent);
    expect(vars).toEqual(['organizer_email', 'organizer_name', 'subject']);
    expect(p.textContent).toContain('alex.morgan@example.com');

    const box = document.getElementById('f-conference_name_template')!;
    await user.clear(box);
    await user.type(box, 'Call with {{{{organizer_name|upper}}');
    await waitFor(() => expect(within(panel()).getByText('Call with ALEX MORGAN')).toBeTruthy());
    // Debounced: far fewer renders than keystrokes.
    expect(fake.callsOf('Preview').length).toBeLessThan(6);
  });

  it('shows a syntax error with its line and column', async () => {
    const { user } = await openStored();
    const box = document.getElementById('f-conference_subject_template')!;
    await user.clear(box);
    await user.type(box, 'Meeting:{Enter}{{{{ subject | shout }}');
    await user.click(screen.getByRole('button', { name: 'Preview Conference subject' }));
    const p = panel();
    await waitFor(() => expect(within(p).getByText('The template has a syntax error')).toBeTruthy());
    expect(p.textContent).toContain("Line 2, column 14: unknown or disallowed filter 'shout'");
    expect(within(p).queryByText(/Plain text with sample values/)).toBeNull();

    // Fixing it brings the output back.
    await user.clear(box);
    await user.type(box, 'Meeting: {{{{ subject | lower }}');
    await waitFor(() => expect(within(panel()).getByText(/^Meeting: budget review/)).toBeTruthy());
    expect(within(panel()).queryByText('The template has a syntax error')).toBeNull();
  });

  it('shows an HTML template in a sandboxed frame, escaped, with no scripts', async () => {
    const { user } = await openStored();
    const box = document.getElementById('f-meeting_instructions_template')!;
    await user.clear(box);
    await user.type(box, '<p>Call {{{{alias}}</p><script>parent.hacked = 1</script>');
    await user.click(screen.getByRole('button', { name: /^Preview Single-use joining instructions/ }));
    const p = panel();
    const frame = await within(p).findByTitle(/^Rendered Single-use joining instructions/);
    expect(frame.tagName).toBe('IFRAME');
    expect(frame.getAttribute('sandbox')).toBe('');
    const doc = frame.getAttribute('srcdoc')!;
    expect(doc).toContain('<p>Call meet.123456@vc.example.com</p>');
    expect(doc).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    expect(within(p).getByText('HTML')).toBeTruthy();
    expect((window as { hacked?: number }).hacked).toBeUndefined();
  });

  it('closes with Escape or its button, putting focus back on the Preview button, without leaving the form', async () => {
    const { user } = await openStored();
    const button = screen.getByRole('button', { name: 'Preview Conference name' });
    await user.click(button);
    await waitFor(() => expect(document.activeElement?.id).toBe('tpl-preview-title'));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('complementary', { name: 'Preview' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(button));
    expect(screen.getByRole('heading', { level: 1, name: 'Contoso' })).toBeTruthy();

    await user.click(button);
    await user.click(within(panel()).getByRole('button', { name: 'Close the preview' }));
    expect(screen.queryByRole('complementary', { name: 'Preview' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(button));
  });
});
