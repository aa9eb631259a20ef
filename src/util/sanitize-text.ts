/**
 * The one sanitiser for text mlcheck did not write itself: a report from another node, a case
 * process's stderr, a kit's or a Jupyter kernel's output, Slurm's own answers. Such text goes
 * through here before it is printed to a terminal or stored in a drain reason, so that an escape
 * sequence (ESC ]0;title, ESC [2J), a carriage return or a line break in it can neither rewrite
 * what the admin sees nor fake a line of mlcheck's output.
 *
 * Every C0 control except tab and line feed, DEL, every C1 control, the Unicode line and
 * paragraph separators and the bidirectional overrides are written as visible `\uXXXX` escapes.
 * That notation is also a valid JSON string escape, so a JSON document passed through here still
 * parses to the same value.
 */

export interface SanitizeOptions {
  /**
   * For a table cell, a drain reason or any one-line context: each run of tabs and line breaks
   * (`\n`, `\r\n`, a lone `\r`, U+2028) becomes one space; other spaces are kept (a printed
   * line's indentation too). Otherwise `\n` and tab are kept and `\r\n` becomes `\n`.
   */
  oneLine?: boolean;
  /** At most this many characters in the result, ending in "..." when cut; default unlimited. */
  maxLength?: number;
  /**
   * Keep the SGR colour codes mlcheck's own console writes (ESC [ n m with n one of 0, 1, 2, 22,
   * 30-37, 39, 90-97): only for the CLI's last pass over text it is about to write, whose
   * untrusted parts were already sanitised without this.
   */
  keepColours?: boolean;
}

/** What is escaped; tab and line feed are dealt with separately. */
const UNSAFE = /\u001b\[(?:0|1|2|22|3[0-7]|39|9[0-7])m|\r\n|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const COLOUR = /^\u001b\[(?:0|1|2|22|3[0-7]|39|9[0-7])m$/;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/** The text, safe to print and to store on one line where asked; see SanitizeOptions. */
export function sanitizeText(text: string, options: SanitizeOptions = {}): string {
  let safe = options.oneLine ? text.replace(LINE_BREAKS, ' ') : text;
  safe = safe.replace(UNSAFE, (match) => {
    if (match === '\r\n') return '\n';
    if (COLOUR.test(match)) return options.keepColours ? match : escapeAll(match);
    return escapeAll(match);
  });
  return options.maxLength === undefined ? safe : shorten(safe, options.maxLength);
}

function escapeAll(text: string): string {
  return [...text].map((char) => (UNSAFE_CHAR.test(char) ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : char)).join('');
}

const UNSAFE_CHAR = /^[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\r]$/;

/** Cut to maxLength with "...", never through an escape written above or a surrogate pair. */
function shorten(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 3) return '...'.slice(0, Math.max(0, maxLength));
  let cut = text.slice(0, maxLength - 3).replace(/\\(?:u[0-9a-f]{0,3})?$/, '');
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}...`;
}
