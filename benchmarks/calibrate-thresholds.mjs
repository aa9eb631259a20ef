#!/usr/bin/env node
// Calibrates the quality thresholds of references/profiles.yaml (docs/design.md §4): for
// each profile and workload it trains the real workload and the named broken baselines with the
// same loop, optimizer, schedule and data, over several seeds, and shows whether each threshold
// sits strictly between the worst healthy seed and the best broken baseline. Plain script, run by
// hand; needs `npx tsc -p .` first (it runs the compiled workloads from dist/).
//
//   node benchmarks/calibrate-thresholds.mjs [--profiles quick,standard] [--workloads lenet,vae,iris]
//        [--seeds 1-5] [--variants healthy,linear-softmax,...] [--set lenet.trainSteps=150 ...]
//        [--results FILE.jsonl] [--report-only] [--markdown] [--threads N]
//        [--data-dir ../shared/data] [--dist DIR]
//
// Every run is one line in --results (default /tmp/mlcheck-calibration.jsonl); a run already there
// (same profile, workload, variant, seed and --set overrides) is not repeated, so an interrupted
// calibration resumes. --set changes the schedule of a trial without editing profiles.yaml; the
// report groups runs by their effective schedule. Each run is its own process (wasm backend).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scriptName = path.basename(fileURLToPath(import.meta.url));

/**
 * The quality metrics to report, and which way is better; any other metric that profiles.yaml gives
 * a threshold is reported too (its direction from the threshold: max -> lower is better).
 */
const QUALITY_METRICS = {
  lenet: { test_error_pct: 'lower', least_variable_change: 'higher' },
  vae: { test_loss: 'lower', least_variable_change: 'higher' },
  iris: { test_accuracy: 'higher', predictions_correct: 'higher', test_loss: 'lower', least_variable_change: 'higher' },
};
/** The module and export of each workload's injectable training loop and its baselines. */
const TRAINING = {
  lenet: { module: 'workloads/lenet', training: 'lenetTraining', baselines: 'lenetBaselines' },
  vae: { module: 'workloads/vae', training: 'vaeTraining', baselines: 'vaeBaselines' },
  iris: { module: 'workloads/iris', training: 'irisTraining', baselines: 'irisBaselines' },
};
const HEALTHY = 'healthy';

function parseArgs(argv) {
  const options = {
    profiles: ['quick', 'standard'],
    workloads: Object.keys(QUALITY_METRICS),
    seeds: [1, 2, 3, 4, 5],
    variants: null,
    set: {},
    results: '/tmp/mlcheck-calibration.jsonl',
    reportOnly: false,
    markdown: false,
    threads: os.availableParallelism(),
    dataDir: path.resolve(repoRoot, '../shared/data'),
    dist: path.join(repoRoot, 'dist'),
    child: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--profiles': options.profiles = value().split(','); break;
      case '--workloads': options.workloads = value().split(','); break;
      case '--seeds': options.seeds = parseSeeds(value()); break;
      case '--variants': options.variants = value().split(','); break;
      case '--set': addOverride(options.set, value()); break;
      case '--results': options.results = path.resolve(value()); break;
      case '--report-only': options.reportOnly = true; break;
      case '--markdown': options.markdown = true; break;
      case '--threads': options.threads = Number(value()); break;
      case '--data-dir': options.dataDir = path.resolve(value()); break;
      case '--dist': options.dist = path.resolve(value()); break;
      case '--child': options.child = JSON.parse(value()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the header of ${scriptName})`);
    }
  }
  for (const w of options.workloads) if (!QUALITY_METRICS[w]) throw new Error(`--workloads: ${w} has no quality metric here (one of ${Object.keys(QUALITY_METRICS).join(', ')})`);
  return options;
}

/** "1-5" or "1,3,9" or "1-3,7". */
function parseSeeds(text) {
  return text.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`--seeds: cannot read "${part}"`);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, k) => from + k);
  });
}

/** "lenet.trainSteps=150" (or quick:lenet.trainSteps=150 for one profile only). */
function addOverride(set, text) {
  const match = /^(?:(\w+):)?(\w+)\.(\w+)=(.+)$/.exec(text);
  if (!match) throw new Error(`--set: expected [profile:]workload.param=value, found "${text}"`);
  const [, profile = '*', workload, key, raw] = match;
  const value = raw === 'true' ? true : raw === 'false' ? false : Number.isNaN(Number(raw)) ? raw : Number(raw);
  ((set[profile] ??= {})[workload] ??= {})[key] = value;
}

const distUrl = (dist, relative) => pathToFileURL(path.join(dist, relative)).href;

/** Child mode: one workload variant, one seed, through the real engine and training loop. */
async function runOne({ dist, workload, variant, params, seed, threads, dataDir, profile }) {
  const { loadEngine } = await import(distUrl(dist, 'engines/index.js'));
  const { createDataAccess } = await import(distUrl(dist, 'datasets/index.js'));
  const { builtinWorkloads } = await import(distUrl(dist, 'workloads/index.js'));
  const spec = TRAINING[workload];
  const shipped = builtinWorkloads.find((w) => w.id === workload);
  let run = shipped.engines.tfjs;
  if (variant !== HEALTHY) {
    const training = (await import(distUrl(dist, `${spec.module}/tfjs.js`)))[spec.training];
    const baseline = (await import(distUrl(dist, `${spec.module}/baselines.js`)))[spec.baselines][variant];
    if (!baseline) throw new Error(`${workload} has no baseline "${variant}"`);
    run = training({ createModel: baseline.createModel });
  }
  const engine = await loadEngine('tfjs');
  const session = await engine.open({ backend: 'wasm', threads });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-calibrate-'));
  const started = performance.now();
  try {
    const output = await run(session, {
      profile,
      seed,
      params,
      data: createDataAccess({ dataDir, download: false }),
      outDir,
      signal: new AbortController().signal,
      progress: () => {},
    });
    const metrics = Object.fromEntries(Object.entries(output.metrics).map(([name, m]) => [name, m.value]));
    return { metrics, wallSeconds: (performance.now() - started) / 1000, device: session.info.device };
  } finally {
    await session.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

function runChild(job) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    timeout: 4 * 60 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (run.status !== 0 || line === undefined) {
    return { error: `exit ${run.status}${run.signal ? ` (${run.signal})` : ''}: ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(line);
}

/** The keys a --set or the profile changed from the workload's defaults: the schedule that was run. */
function scheduleOf(defaults, params) {
  return Object.fromEntries(Object.entries(params).filter(([key, value]) => defaults[key] !== value).sort(([a], [b]) => a.localeCompare(b)));
}

const keyOf = (r) => JSON.stringify([r.profile, r.workload, r.variant, r.seed, r.schedule]);

function readResults(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function calibrate(options) {
  const { loadProfiles, workloadProfile } = await import(distUrl(options.dist, 'runner/profiles.js'));
  const { builtinWorkloads } = await import(distUrl(options.dist, 'workloads/index.js'));
  const profiles = loadProfiles(path.join(repoRoot, 'references', 'profiles.yaml'));
  const done = new Set(readResults(options.results).filter((r) => !r.error).map(keyOf));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  for (const profile of options.profiles) {
    for (const workload of options.workloads) {
      const shipped = builtinWorkloads.find((w) => w.id === workload);
      const overrides = { ...options.set['*']?.[workload], ...options.set[profile]?.[workload] };
      const params = { ...shipped.defaults, ...workloadProfile(profiles, profile, workload).params, ...overrides };
      const schedule = scheduleOf(shipped.defaults, params);
      const { [TRAINING[workload].baselines]: baselines } = await import(distUrl(options.dist, `${TRAINING[workload].module}/baselines.js`));
      const variants = options.variants ?? [HEALTHY, ...Object.keys(baselines)];
      for (const variant of variants) {
        if (variant !== HEALTHY && !baselines[variant]) continue;
        for (const seed of options.seeds) {
          const record = { profile, workload, variant, seed, schedule };
          if (done.has(keyOf(record))) continue;
          process.stderr.write(`${profile} ${workload} ${variant} seed ${seed} ${JSON.stringify(schedule)} (load ${os.loadavg()[0].toFixed(2)})... `);
          const result = runChild({ dist: options.dist, workload, variant, params, seed, threads: options.threads, dataDir: options.dataDir, profile });
          const entry = { ...record, ...result, date: new Date().toISOString(), cpu, threads: options.threads, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))) };
          appendFileSync(options.results, `${JSON.stringify(entry)}\n`);
          process.stderr.write(result.error ? `ERROR ${result.error}\n` : `${Object.keys(QUALITY_METRICS[workload]).map((m) => `${m} ${result.metrics[m]}`).join(', ')} (${result.wallSeconds.toFixed(1)} s)\n`);
        }
      }
    }
  }
}

// ---- report ----

const spread = (values) => (values.length === 0 ? '-' : `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`);
const fmt = (v) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(3))));
const seedList = (runs) => `seeds ${compactSeeds(runs.map((r) => r.seed))}`;

function compactSeeds(seeds) {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}

/**
 * Per profile, workload, schedule and quality metric: the healthy spread, each baseline's best and
 * spread, the threshold in profiles.yaml, and whether it separates (worst healthy < threshold < best
 * broken, strictly) with the margin on each side as a fraction of the gap.
 */
async function report(options) {
  const { loadProfiles, workloadProfile } = await import(distUrl(options.dist, 'runner/profiles.js'));
  const { builtinWorkloads } = await import(distUrl(options.dist, 'workloads/index.js'));
  const profiles = loadProfiles(path.join(repoRoot, 'references', 'profiles.yaml'));
  const runs = readResults(options.results).filter((r) => !r.error && options.profiles.includes(r.profile) && options.workloads.includes(r.workload));
  const groups = new Map();
  for (const r of runs) {
    const key = JSON.stringify([r.profile, r.workload, r.schedule]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const rows = [];
  const cases = [];
  for (const [key, group] of groups) {
    const [profile, workload, schedule] = JSON.parse(key);
    const defaults = builtinWorkloads.find((w) => w.id === workload).defaults;
    const current = profileSchedule(defaults, workloadProfile(profiles, profile, workload));
    const isCurrent = JSON.stringify(schedule) === JSON.stringify(current);
    const thresholds = workloadProfile(profiles, profile, workload).thresholds;
    const directions = { ...QUALITY_METRICS[workload], ...Object.fromEntries(Object.entries(thresholds).map(([m, t]) => [m, t.max !== undefined ? 'lower' : 'higher'])) };
    for (const [metric, better] of Object.entries(directions)) {
      const threshold = thresholds[metric] ?? null;
      const healthy = group.filter((r) => r.variant === HEALTHY);
      const values = (rs) => rs.map((r) => r.metrics[metric]).filter((v) => typeof v === 'number');
      if (values(healthy).length === 0) continue;
      const worstHealthy = better === 'lower' ? Math.max(...values(healthy)) : Math.min(...values(healthy));
      const baselines = [...new Set(group.filter((r) => r.variant !== HEALTHY).map((r) => r.variant))].map((variant) => {
        const rs = group.filter((r) => r.variant === variant);
        const vs = values(rs);
        return { variant, best: better === 'lower' ? Math.min(...vs) : Math.max(...vs), spread: spread(vs), seeds: seedList(rs) };
      });
      const bestBroken = baselines.length === 0 ? null : better === 'lower' ? Math.min(...baselines.map((b) => b.best)) : Math.max(...baselines.map((b) => b.best));
      const limit = threshold === null ? null : better === 'lower' ? threshold.max : threshold.min;
      rows.push({
        profile, workload, metric, better, schedule, isCurrent,
        healthy: { spread: spread(values(healthy)), seeds: seedList(healthy), worst: worstHealthy, n: healthy.length },
        baselines, bestBroken, threshold: limit,
        verdict: verdictOf(better, worstHealthy, baselines, limit),
        midpoint: bestBroken === null ? null : (worstHealthy + bestBroken) / 2,
      });
    }
    cases.push({ profile, workload, schedule, isCurrent, variants: caseVerdicts(group, thresholds) });
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const dates = runs.map((r) => r.date.slice(0, 10)).sort();
  const loads = runs.map((r) => r.loadavg?.[0]).filter((l) => l !== undefined);
  const header = `Calibration runs from ${options.results}: ${runs.length} runs, ${dates[0] ?? '-'}..${dates.at(-1) ?? '-'}, ${cpu}, wasm ${runs[0]?.threads ?? '-'} threads, 1-min load ${loads.length ? `${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}` : '-'}`;
  if (options.markdown) printMarkdown(header, rows, cases);
  else printText(header, rows, cases);
}

/**
 * What the runner would decide for every run, with all of the case's thresholds: each variant's
 * count of passing seeds, and the metrics that rejected every one of its seeds.
 */
function caseVerdicts(group, thresholds) {
  const variants = [...new Set(group.map((r) => r.variant))].sort((a, b) => (a === HEALTHY ? -1 : b === HEALTHY ? 1 : 0));
  return variants.map((variant) => {
    const runs = group.filter((r) => r.variant === variant);
    const misses = runs.map((r) => Object.entries(thresholds).filter(([m, t]) => {
      const v = r.metrics[m];
      return typeof v !== 'number' || !Number.isFinite(v) || (t.max !== undefined && v > t.max) || (t.min !== undefined && v < t.min);
    }).map(([m]) => m));
    const rejectedByAll = Object.keys(thresholds).filter((m) => misses.every((list) => list.includes(m)));
    return { variant, seeds: seedList(runs), runs: runs.length, passed: misses.filter((list) => list.length === 0).length, rejectedByAll };
  });
}

function caseVerdictText(v) {
  if (v.variant === HEALTHY) return `${v.variant}: ${v.passed}/${v.runs} pass${v.passed < v.runs ? ' (A HEALTHY SEED FAILS)' : ''}`;
  if (v.passed > 0) return `${v.variant}: ${v.passed}/${v.runs} PASS (not rejected)`;
  return `${v.variant}: ${v.runs}/${v.runs} fail${v.rejectedByAll.length ? ` (every seed by ${v.rejectedByAll.join(', ')})` : ''}`;
}

function profileSchedule(defaults, profile) {
  return scheduleOf(defaults, { ...defaults, ...profile.params });
}

/**
 * The healthy margin (threshold minus worst healthy seed, in the passing direction) and, per
 * baseline, the margin by which its best seed misses the threshold (negative: that baseline passes
 * this threshold and must be rejected by another one of the case).
 */
function verdictOf(better, worstHealthy, baselines, limit) {
  if (limit === null || limit === undefined) {
    const bestBroken = baselines.length === 0 ? null : better === 'lower' ? Math.min(...baselines.map((b) => b.best)) : Math.max(...baselines.map((b) => b.best));
    const gap = bestBroken === null ? null : better === 'lower' ? bestBroken - worstHealthy : worstHealthy - bestBroken;
    return gap === null ? 'no threshold, no baseline' : gap > 0 ? `no threshold; gap ${fmt(gap)}` : 'no threshold; NOT SEPARABLE (a baseline is as good as the worst healthy seed)';
  }
  const healthyMargin = better === 'lower' ? limit - worstHealthy : worstHealthy - limit;
  const margins = baselines.map((b) => ({ variant: b.variant, margin: better === 'lower' ? b.best - limit : limit - b.best }));
  const rejected = margins.filter((m) => m.margin > 0);
  const passing = margins.filter((m) => m.margin <= 0);
  // Thresholds are inclusive (min <= value <= max): a healthy seed exactly at one still passes.
  const parts = [healthyMargin > 0 ? `healthy margin ${fmt(healthyMargin)}` : healthyMargin === 0 ? 'healthy exactly at the threshold (passes)' : `FAILS A HEALTHY SEED (by ${fmt(-healthyMargin)})`];
  if (rejected.length) parts.push(`rejects ${rejected.map((m) => `${m.variant} (margin ${fmt(m.margin)})`).join(', ')}`);
  if (passing.length) parts.push(`does not reject ${passing.map((m) => m.variant).join(', ')}`);
  return parts.join('; ');
}

const scheduleText = (s) => (Object.keys(s).length === 0 ? 'defaults (the manual\'s)' : Object.entries(s).map(([k, v]) => `${k} ${v}`).join(', '));

function printText(header, rows, cases) {
  console.log(header);
  for (const c of cases) {
    console.log(`\n${c.profile} ${c.workload}${c.isCurrent ? '' : ' [trial schedule]'}: ${scheduleText(c.schedule)}`);
    for (const v of c.variants) console.log(`  ${caseVerdictText(v)}, ${v.seeds}`);
  }
  for (const r of rows) {
    console.log(`\n${r.profile} ${r.workload} ${r.metric} (${r.better} is better)${r.isCurrent ? '' : ' [trial schedule, not in profiles.yaml]'}: ${scheduleText(r.schedule)}`);
    console.log(`  healthy          ${r.healthy.spread.padEnd(14)} ${r.healthy.seeds}`);
    for (const b of r.baselines) console.log(`  ${b.variant.padEnd(16)} best ${fmt(b.best).padEnd(9)} spread ${b.spread.padEnd(14)} ${b.seeds}`);
    console.log(`  threshold        ${r.threshold ?? '-'}${r.midpoint !== null ? `   (midpoint of the gap ${fmt(r.midpoint)})` : ''}`);
    console.log(`  => ${r.verdict}`);
  }
}

function printMarkdown(header, rows, cases) {
  console.log(`${header}\n`);
  console.log('| profile | workload, metric | schedule | healthy (min–max, seeds) | broken baselines: best (spread), seeds | threshold | margins |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows.filter((row) => row.isCurrent)) {
    const baselines = r.baselines.map((b) => `${b.variant} ${fmt(b.best)} (${b.spread}), ${b.seeds}`).join('; ');
    const op = r.better === 'lower' ? '<=' : '>=';
    console.log(`| ${r.profile} | ${r.workload} \`${r.metric}\` | ${scheduleText(r.schedule)} | ${r.healthy.spread} (${r.healthy.seeds}) | ${baselines || '-'} | ${r.threshold === null ? '-' : `${op} ${r.threshold}`} | ${r.verdict} |`);
  }
  console.log('\n| profile | workload | every threshold of the case, per variant |');
  console.log('|---|---|---|');
  for (const c of cases.filter((x) => x.isCurrent)) console.log(`| ${c.profile} | ${c.workload} | ${c.variants.map(caseVerdictText).join('; ')} |`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.child) {
    const result = await runOne(options.child);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0); // the wasm thread pool's workers would otherwise keep Node alive
  }
  if (!options.reportOnly) await calibrate(options);
  await report(options);
}

await main();
