import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/**
 * Why a pod or service template cannot be used, or null. Templates are Jinja2 over YAML (the
 * gateway renders {{ kernel_id }} and the like): the Jinja parts are set aside, then every
 * document must parse as YAML and be a Kubernetes object (apiVersion and kind; `kind` the one
 * expected when given).
 */
export function templateProblem(file: string, expectedKind: string | null): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? `the template ${file} does not exist` : `cannot read the template ${file}: ${(error as Error).message}`;
  }
  const yamlText = text
    .replace(/\{#[\s\S]*?#\}/g, '')
    .replace(/^[ \t]*\{%[\s\S]*?%\}[ \t]*$/gm, '')
    .replace(/\{\{[\s\S]*?\}\}/g, 'jinja-value');
  const documents = parseAllDocuments(yamlText).filter((doc) => doc.contents !== null);
  if (documents.length === 0) return `the template ${file} is empty`;
  for (const doc of documents) {
    const error = doc.errors[0];
    if (error) return `the template ${file} is not YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`;
    const value: unknown = doc.toJS();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `the template ${file} is not a Kubernetes object (a YAML mapping)`;
    const object = value as Record<string, unknown>;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return `the template ${file} has no apiVersion and kind`;
    if (expectedKind !== null && object.kind !== expectedKind && documents.length === 1) return `the template ${file} is a ${object.kind}, not a ${expectedKind}`;
  }
  return null;
}
