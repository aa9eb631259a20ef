/**
 * The one sanitiser (src/util/sanitize-text.ts) and the places that must use it: the drain
 * reason (finding 6: `sinfo -R` shows it to every admin) and the console, which prints what case
 * processes, kits and kernels wrote. The CLI-level tests of compare and the sweep are in
 * test/compare-untrusted.test.ts and test/slurm-sweep-reports.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { renderConsole, verdictLine } from '../src/report/console.js';
import { formatDrainReason, parseDrainReason, REASON_MAX_LENGTH } from '../src/slurm/drain-reason.js';
import { sanitizeText } from '../src/util/sanitize-text.js';
import { withDecision } from '../src/references/run-outcome.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = 'ok\u001b]0;pwned\u0007\u001b[2J\rFAKE\nmlcheck: PASS\u0000\u009b31m\u202eevil';

describe('sanitizeText', () => {
  it('writes every C0 and C1 control, DEL, ESC and the bidi overrides as visible \\u escapes; keeps tab and line feed', () => {
    expect(sanitizeText('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(sanitizeText('\u0000\u0007\u007f\u0085\u009b\u202e\u2066\u2028')).toBe('\\u0000\\u0007\\u007f\\u0085\\u009b\\u202e\\u2066\\u2028');
    expect(sanitizeText('line 1\r\nline 2\tcell\rover')).toBe('line 1\nline 2\tcell\\u000dover');
    expect(sanitizeText('plain text, ü, 日本, emoji 🙂')).toBe('plain text, ü, 日本, emoji 🙂');
  });

  it('oneLine: tabs and line breaks become spaces, nothing of a control sequence survives', () => {
    const safe = sanitizeText(HOSTILE, { oneLine: true });
    expect(safe).toBe('ok\\u001b]0;pwned\\u0007\\u001b[2J FAKE mlcheck: PASS\\u0000\\u009b31m\\u202eevil');
    expect(safe).not.toMatch(CONTROL);
    expect(safe).not.toContain('\n');
    expect(sanitizeText('  a \t\n b  ', { oneLine: true })).toBe('  a   b  ');
  });

  it('maxLength: cut with "...", never through an escape it wrote or a surrogate pair', () => {
    expect(sanitizeText('x'.repeat(50), { maxLength: 10 })).toBe('xxxxxxx...');
    expect(sanitizeText('abcd\u001b', { maxLength: 8 })).toBe('abcd...');
    expect(sanitizeText('abc🙂🙂🙂', { maxLength: 7 })).toBe('abc...');
    expect(sanitizeText('ab🙂🙂🙂', { maxLength: 7 })).toBe('ab🙂...');
    expect(sanitizeText('short', { maxLength: 10 })).toBe('short');
  });

  it('keepColours keeps only the colour codes mlcheck paints with; every other escape sequence is escaped', () => {
    expect(sanitizeText('\u001b[31mFAIL\u001b[0m \u001b[2mdim\u001b[0m', { keepColours: true })).toBe('\u001b[31mFAIL\u001b[0m \u001b[2mdim\u001b[0m');
    expect(sanitizeText('\u001b[8mhidden\u001b[2J\u001b]0;t\u0007', { keepColours: true })).toBe('\\u001b[8mhidden\\u001b[2J\\u001b]0;t\\u0007');
    expect(sanitizeText('\u001b[31mred')).toBe('\\u001b[31mred');
  });

  it('JSON passed through still parses to the same value: the escapes are JSON escapes', () => {
    const value = { host: 'n\u009b1\u2028', text: HOSTILE, list: ['\u007f', '\u202e'] };
    const safe = sanitizeText(JSON.stringify(value, null, 2));
    expect(safe).not.toMatch(CONTROL);
    expect(JSON.parse(safe)).toEqual(value);
  });
});

describe('drain reasons hold no control character, whatever the report said (finding 6)', () => {
  it('escapes ESC, \\r, \\n and NUL in the detail and the subjects; the reason stays one parsable line within the limit', () => {
    const reason = formatDrainReason({ source: 'sweep', profile: 'quick', subjects: [`lenet${HOSTILE}/onnx/cuda`, 'gpu-ecc\u0000'], word: 'FAIL', detail: `mlcheck: FAIL lenet/onnx ${HOSTILE}` });
    expect(reason).not.toMatch(CONTROL);
    expect(reason.length).toBeLessThanOrEqual(REASON_MAX_LENGTH);
    expect(reason).toMatch(/^mlcheck sweep\/quick: FAIL lenetok\\u001b\]0;pwned\\u0007\\u001b\[2J_FAKE_mlcheck_PASS\\u0000\\u009b31m\\u202eevil\/onnx\/cuda,\+1: /);
    expect(parseDrainReason(reason)).toMatchObject({ format: 'tagged', source: 'sweep', profile: 'quick', word: 'FAIL', subjectsComplete: false });
    // A NUL once made scontrol's argument invalid (exit 3, no other node drained): it is written as \u0000.
    expect(formatDrainReason({ source: 'check', profile: 'smoke', subjects: ['gpu-ecc\u0000'], word: 'FAIL', detail: 'a\u0000b' })).toBe('mlcheck check/smoke: FAIL gpu-ecc\\u0000: a\\u0000b');
  });
});

describe('the console prints what case processes wrote only sanitised', () => {
  const hostileRecord = () =>
    record([
      caseResult('lenet', {
        device: `cpu${HOSTILE}`,
        outcome: 'fail',
        failPhase: 'crash',
        reason: `crashed: ${HOSTILE}\n  fix: run ${HOSTILE}`,
        metrics: { [`ms${HOSTILE}`]: metric(1, `ms${HOSTILE}`) },
        lines: [`printed ${HOSTILE}`],
      }),
    ]);

  it('the table, the reason, its fix, the printed lines and the verdict line: no control character without colours, only mlcheck\'s colours with them', () => {
    const plain = renderConsole(withDecision(hostileRecord()), { showLines: true });
    expect(plain).not.toMatch(CONTROL);
    expect(plain).toContain('printed ok\\u001b]0;pwned\\u0007\\u001b[2J FAKE mlcheck: PASS\\u0000');
    const painted = renderConsole(withDecision(hostileRecord()), { showLines: true, color: true });
    expect(painted.replace(/\u001b\[(?:0|2|3[1-6])m/g, '')).not.toMatch(CONTROL);
    // The verdict line (also outcome.summary and the drain reason of `slurm check`) is one sanitised line.
    const verdict = verdictLine(withDecision(hostileRecord()));
    expect(verdict).toMatch(/^mlcheck: FAIL lenet\/tfjs crashed: ok\\u001b\]0;pwned/);
    expect(verdict).not.toMatch(CONTROL);
  });
});
