import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import type { PythonSession, ScriptResult } from '../../engines/python/session.js';
import { RequirementError } from '../../util/errors.js';
import { checkTrustedPath } from '../../util/trusted-path.js';
import { IMAGES_DATASET, LABELS_DATASET } from '../inception/onnx.js';
import { INCEPTION_V3_ID } from '../inception/model-registry.js';
import { defaultModelDirs } from '../inception/resolve-model.js';
import type { WorkloadContext, WorkloadOutput } from '../types.js';
import { INSTALLED_EXAMPLES, type InstalledWorkload } from './examples.js';
import { exampleSearchRoots, findExample } from './locate.js';
import { parseClassifyImage, parseExample, type ParsedResults } from './parse.js';
import { stageExample } from './stage.js';

export type { InstalledWorkload } from './examples.js';

/**
 * --kit installed: the manual's own example script, found under the framework module's prefix,
 * run unchanged with mlcheck's data staged where it looks before downloading; its printed results
 * are parsed into the same metrics, which the runner judges with the same thresholds (those it
 * does not print are reported unmeasured).
 */
export async function runInstalledExample(session: PythonSession, ctx: WorkloadContext, workload: InstalledWorkload): Promise<WorkloadOutput> {
  const example = INSTALLED_EXAMPLES[workload];
  if (example.framework !== session.framework) {
    throw new RequirementError(`the manual's ${workload} example (${example.script}) is a ${example.framework} script; this case runs ${session.framework}`, {
      fix: `run it with --backend ${example.framework}-${session.device} and the ${example.framework} module, or with --kit mlcheck`,
    });
  }
  const roots = exampleSearchRoots(session.environment);
  const script = findExample(example, roots);
  if (script === null) {
    throw new RequirementError(`the manual's example ${example.script} is not installed here`, {
      expected: `a file ending in ${example.locations.join(' or ')} below a module's install prefix or an --examples-dir`,
      found: roots.length > 0 ? `searched ${roots.join(', ')}` : 'no folder to search: the modules added none',
      fix: ['pass the folder that holds the examples with --examples-dir', 'or run with --kit mlcheck'],
    });
  }
  refuseUntrustedScript(script);

  const images = workload === 'inception' ? await expectedImages(ctx) : undefined;
  const modelDirs = workload === 'inception' ? await inceptionModelDirs(ctx) : [];
  const staged = await stageExample(workload, { ctx, modelDirs, ...(images && { images }) });
  const outputs: ScriptResult[] = [];
  for (const args of staged.runs) {
    ctx.progress({ phase: 'run', message: `python ${path.basename(script)} ${args.join(' ')}`.trim() });
    const result = await session.runScript(script, args, { cwd: staged.cwd, env: staged.env, signal: ctx.signal, onLine: (line) => ctx.progress({ phase: 'run', message: line }) });
    ctx.signal.throwIfAborted();
    if (result.exitCode !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      throw new Error(`${script} ${how}; its last stderr lines:\n    ${result.stderrTail.join('\n    ')}`);
    }
    outputs.push(result);
  }

  const parsed: ParsedResults = workload === 'inception' ? parseClassifyImage(outputs.map((o) => o.stdout), ctx.images ?? [], INCEPTION_V3_ID) : parseExample(workload, outputs[0]?.stdout ?? []);
  if (parsed.missing !== null) {
    throw new Error(`${script} finished but printed no "${parsed.missing}" line, so its result cannot be judged; its last lines:\n    ${outputs.flatMap((o) => o.stdout).slice(-10).join('\n    ')}`);
  }
  const artifacts = staged.artifactsDir ? keepArtifacts(staged.artifactsDir, ctx.outDir) : [];
  return {
    metrics: parsed.metrics,
    hyperparameters: { kit: 'installed', script, arguments: staged.runs.map((args) => args.join(' ')), framework: session.framework },
    lines: [`${script} (installed, run unchanged):`, ...outputs.flatMap((o) => o.stdout).filter((line) => resultLine(line))],
    details: { ...parsed.details, script, cwd: staged.cwd },
    unmeasured: parsed.unmeasured,
    ...(parsed.classifications !== undefined && { classifications: parsed.classifications }),
    artifacts,
  };
}

/**
 * The script runs as whoever runs mlcheck, root in a health check: it must be root's (or the
 * invoking user's) and nobody else may be able to change it or any folder above it.
 */
function refuseUntrustedScript(script: string): void {
  const trust = checkTrustedPath(script);
  if (trust.trusted) return;
  throw new RequirementError(`refusing to run ${script}: ${trust.problem}`, {
    file: script,
    fix: [trust.fix, "or install the examples below the module's own prefix, where only root writes", 'or run with --kit mlcheck'],
  });
}

/** The lines worth showing in a report: the manual's result lines, not every step. */
function resultLine(line: string): boolean {
  return /^(Test error|Validation error|Test set accuracy|Prediction is|====>)|\(score = /.test(line.trim());
}

async function expectedImages(ctx: WorkloadContext): Promise<string[]> {
  const files = await ctx.data.files(IMAGES_DATASET);
  return (ctx.images ?? []).map((image) => {
    const file = files[image];
    if (!file) throw new RequirementError(`dataset ${IMAGES_DATASET} has no image "${image}" (references/expected-labels.yaml)`);
    return file;
  });
}

/** The data dir's imagenet/ (where the label maps are staged) and the model cache. */
async function inceptionModelDirs(ctx: WorkloadContext): Promise<string[]> {
  const labels = await ctx.data.files(LABELS_DATASET).catch((error: unknown) => {
    if (error instanceof RequirementError) return {} as Record<string, string>;
    throw error;
  });
  return [...new Set([...Object.values(labels).map((file) => path.dirname(file)), ...defaultModelDirs()])];
}

/** The script's PNGs (vae's results/) copied into the case folder. */
function keepArtifacts(dir: string, outDir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.png'))
    .map((name) => {
      const target = path.join(outDir, name);
      writeFileAtomic(target, readFileSync(path.join(dir, name)));
      return target;
    });
}

