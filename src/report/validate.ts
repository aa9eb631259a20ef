import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from '../util/package-info.js';
import type { JsonReport } from './json-report.js';

export const reportSchemaFile = (): string => path.join(packageRoot, 'schema', 'report.schema.json');

let cached: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!cached) {
    const schema = JSON.parse(readFileSync(reportSchemaFile(), 'utf8')) as object;
    cached = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  }
  return cached;
}

/** Checks a parsed document against the shipped report schema; the errors name the JSON path. */
export function validateReport(document: unknown): { valid: true; report: JsonReport } | { valid: false; errors: string[] } {
  const validate = validator();
  if (validate(document)) return { valid: true, report: document as JsonReport };
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);
  return { valid: false, errors };
}
