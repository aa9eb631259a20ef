/**
 * The drain reasons mlcheck writes, and reading them back. A reason names what drained the node
 * and what failed, so that a health check undoes only its own drains:
 *
 *   mlcheck <source>/<profile>: <WORD> <subject>[,<subject>...][,+<n>]: <detail>
 *
 *   mlcheck check/smoke: FAIL gpu-ecc: GPU 1 (0000:08:00.0, GPU-...): 3 volatile uncorrectable ECC errors ...
 *   mlcheck sweep/quick: FAIL lenet/onnx/cuda: test error 31.2% > 8
 *   mlcheck outlier/quick: SLOW lenet/tfjs/wasm: lenet/tfjs/wasm epoch_seconds 9.1 s is 25.0% higher than ...
 *
 * source: `check` (`mlcheck slurm check`), `sweep` (`mlcheck slurm sweep --drain`) or `outlier`
 * (`--drain-outliers`); subject: a probe verdict (gpu-ecc, gpu-driver, a package name) or a case
 * id (workload/engine/backend); `,+<n>`: n more subjects that did not fit. Reasons of mlcheck
 * before this format start with `mlcheck:` and name neither source nor subject.
 */

import { sanitizeText } from '../util/sanitize-text.js';

export type DrainSource = 'check' | 'sweep' | 'outlier';

export const DRAIN_SOURCES: readonly DrainSource[] = ['check', 'sweep', 'outlier'];

/** What every reason of the older format starts with; still mlcheck's own. */
export const LEGACY_REASON_TAG = 'mlcheck:';

/**
 * Slurm stores the reason as given; a line operators can read in `sinfo -R` is short. mlcheck's
 * verdict line is already one line of at most 200 characters.
 */
export const REASON_MAX_LENGTH = 200;

/** The subjects take at most this much of the reason; the rest are counted (",+3"). */
const SUBJECTS_MAX_LENGTH = 100;

export interface DrainOrigin {
  source: DrainSource;
  /** The profile of the run that drained, e.g. smoke. */
  profile: string;
  /** What failed: verdict subjects or case ids. */
  subjects: readonly string[];
}

/** A drain reason mlcheck wrote. */
export type MlcheckDrain =
  | (DrainOrigin & { format: 'tagged'; word: string; detail: string; /** False when ",+n" stood for subjects not named. */ subjectsComplete: boolean })
  | { format: 'legacy' };

const TAGGED = new RegExp(`^mlcheck (${DRAIN_SOURCES.join('|')})/([A-Za-z0-9_-]+): ([A-Z]+) ([^\\s:]+):? ?(.*)$`);

export interface DrainReasonInput extends DrainOrigin {
  /** FAIL for a failure, SLOW for an outlier. */
  word: 'FAIL' | 'SLOW';
  /** The verdict line or message; a leading "mlcheck: FAIL" and the subject it repeats are dropped. */
  detail: string;
}

/**
 * The reason, on one line, within REASON_MAX_LENGTH. Subjects and detail may come from another
 * node's report: they are sanitised (no control character or escape sequence reaches
 * `sinfo -R`, and no NUL the scontrol argument could not carry).
 */
export function formatDrainReason(input: DrainReasonInput): string {
  const subjects = input.subjects.map((subject) => sanitizeText(subject, { oneLine: true, maxLength: SUBJECTS_MAX_LENGTH }).replace(/[\s,:]+/g, '_')).filter((subject) => subject !== '');
  const named: string[] = [];
  for (const subject of subjects) {
    if ([...named, subject].join(',').length > SUBJECTS_MAX_LENGTH && named.length > 0) break;
    named.push(subject);
  }
  const rest = subjects.length - named.length;
  const list = named.length === 0 ? 'unknown' : `${named.join(',')}${rest > 0 ? `,+${rest}` : ''}`;
  const detail = detailOf(sanitizeText(input.detail, { oneLine: true, maxLength: REASON_MAX_LENGTH * 2 }), subjects[0]);
  const reason = `mlcheck ${input.source}/${input.profile}: ${input.word} ${list}: ${detail}`.replace(/\s+/g, ' ').trim();
  return reason.length <= REASON_MAX_LENGTH ? reason : `${reason.slice(0, REASON_MAX_LENGTH - 3)}...`;
}

/** The drain mlcheck wrote this reason for; null when the reason is not mlcheck's (an admin's, Slurm's own). */
export function parseDrainReason(reason: string | null): MlcheckDrain | null {
  if (reason === null) return null;
  const tagged = TAGGED.exec(reason);
  if (tagged !== null) {
    const listed = (tagged[4] ?? '').split(',');
    const subjectsComplete = !listed.some((subject) => /^\+\d+$/.test(subject)) && !listed.includes('unknown');
    return {
      format: 'tagged',
      source: tagged[1] as DrainSource,
      profile: tagged[2] ?? '',
      word: tagged[3] ?? '',
      subjects: listed.filter((subject) => !/^\+\d+$/.test(subject) && subject !== 'unknown'),
      subjectsComplete,
      detail: tagged[5] ?? '',
    };
  }
  return reason.startsWith(LEGACY_REASON_TAG) ? { format: 'legacy' } : null;
}

/** "mlcheck slurm sweep (profile quick) for lenet/onnx/cuda". */
export function describeDrain(drain: MlcheckDrain): string {
  if (drain.format === 'legacy') return 'mlcheck, in the format before drain reasons named their source and subject';
  const by = drain.source === 'check' ? 'mlcheck slurm check' : drain.source === 'sweep' ? 'mlcheck slurm sweep --drain' : 'mlcheck slurm sweep --drain-outliers';
  return `${by} (profile ${drain.profile}) for ${drain.subjects.join(', ') || 'an unnamed subject'}${drain.subjectsComplete ? '' : ' and more'}`;
}

/** The verdict line without "mlcheck: FAIL " and without the subject it starts with ("gpu-ecc:", "lenet/onnx"). */
function detailOf(text: string, firstSubject: string | undefined): string {
  const body = text.replace(/^mlcheck:\s*[A-Z]+\s+/, '').trim();
  const token = body.split(/\s/, 1)[0] ?? '';
  const named = token.replace(/:$/, '');
  if (firstSubject !== undefined && named !== '' && (firstSubject === named || firstSubject.startsWith(`${named}/`))) return body.slice(token.length).trim();
  return body;
}
