import { schemaFile, schemaProblems } from '../util/schema-check.js';
import type { JsonReport } from './json-report.js';

export const reportSchemaFile = (): string => schemaFile('report');

/**
 * Checks a parsed document against the shipped report schema; each error names the key path, what
 * was expected and what was found. `firstOnly` for a report read as untrusted input: its cost stays
 * proportional to its size however many mistakes it holds.
 */
export function validateReport(document: unknown, options: { firstOnly?: boolean } = {}): { valid: true; report: JsonReport } | { valid: false; errors: string[] } {
  const problems = schemaProblems('report', document, options);
  if (problems.length === 0) return { valid: true, report: document as JsonReport };
  return { valid: false, errors: problems.map((p) => `${p.path}: expected ${p.expected}, found ${p.found}`) };
}
