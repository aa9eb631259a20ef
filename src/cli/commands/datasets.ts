import path from 'node:path';
import type { Command } from 'commander';
import { createDataAccess, type DatasetAccess, type DatasetProgress, type DatasetReport } from '../../datasets/index.js';
import { MlcheckError, describeError } from '../../util/errors.js';
import { EXIT, type CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';
import { sharedOption } from '../shared-options.js';

interface DataDirFlags {
  dataDir?: string;
}

const LOOKUP_HELP = [
  'Lookup order: --data-dir (or MLCHECK_DATA_DIR), the cache ($XDG_CACHE_HOME/mlcheck, default ~/.cache/mlcheck), well-known system folders (Debian: /usr/share/datasets/<id>), the copies shipped in the mlcheck package (datasets/<folder>/: MNIST, iris, the test images, the ImageNet labels and MobileNetV2; shown as "package"), then a download (only `datasets fetch` downloads; `mlcheck run` never does).',
  'Downloads honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case names first, as curl reads them).',
  'Files are verified by the sha256 of their decompressed content, so .gz and uncompressed copies both work. MLCHECK_DATASET_MIRROR=URL puts a local mirror (laid out like a data dir) before the canonical URLs.',
].join('\n\n');

function access(flags: DataDirFlags, extra: Parameters<typeof createDataAccess>[0] = {}): DatasetAccess {
  return createDataAccess({ ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }), ...extra });
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function summarize(report: DatasetReport): string {
  const present = report.files.filter((file) => file.copies.length > 0);
  if (present.length === 0) return 'not staged';
  const dirs = [...new Set(present.map((file) => `${path.dirname(file.copies[0].path)} (${file.copies[0].location.origin})`))];
  const where = dirs.join(', ');
  return present.length === report.files.length ? `present: ${where}` : `partial (${present.length}/${report.files.length} files): ${where}`;
}

/** Draws one progress bar per file on a terminal, plain lines otherwise. */
function progressPrinter(context: CliContext): { onProgress: (event: DatasetProgress) => void; finish: () => void } {
  const tty = context.isTTY && process.stderr.isTTY === true;
  let barVisible = false;
  let lastDraw = 0;
  const clearBar = (): void => {
    if (barVisible) process.stderr.write('\r\x1b[K');
    barVisible = false;
  };
  const line = (text: string): void => {
    clearBar();
    context.err(text);
  };
  return {
    onProgress(event) {
      const label = `${event.datasetId}/${event.fileKey}`;
      switch (event.phase) {
        case 'download': {
          if (!tty) return;
          const now = Date.now();
          const done = event.totalBytes !== undefined && event.bytes === event.totalBytes;
          if (now - lastDraw < 100 && !done) return;
          lastDraw = now;
          const bytes = event.bytes ?? 0;
          const total = event.totalBytes;
          const width = 30;
          const filled = total ? Math.min(width, Math.round((bytes / total) * width)) : 0;
          const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor((bytes / total) * 100)}%` : '';
          process.stderr.write(`\r\x1b[K${label} ${bar} ${megabytes(bytes)}${total ? ` of ${megabytes(total)}` : ''}`);
          barVisible = true;
          return;
        }
        case 'retry':
          line(`${label}: ${event.message ?? 'retrying'} (${event.url})`);
          return;
        case 'copy':
          line(`${label}: copying ${event.message}`);
          return;
        case 'verify':
          if (event.url) line(`${label}: downloaded from ${event.url}, verifying`);
          return;
        case 'done':
          line(`${label}: ${event.message}`);
          return;
      }
    },
    finish: clearBar,
  };
}

export function registerDatasets(program: Command, context: CliContext): void {
  const datasets = program
    .command('datasets')
    .summary('list, fetch and verify the workloads\' datasets')
    .description(`Lists, stages and verifies the datasets the workloads read (manifests in datasets/*.json).\n\n${LOOKUP_HELP}`)
    .addHelpText(
      'after',
      helpExamples(
        'mlcheck datasets list --data-dir ../shared/data',
        { comment: 'stage once into a data dir every node reads (MLCHECK_DATA_DIR)', command: 'mlcheck datasets fetch mnist iris --data-dir ../shared/data' },
        'mlcheck datasets verify --data-dir ../shared/data',
      ),
    );

  datasets
    .command('list')
    .summary("every dataset and where its files are found")
    .description(`Lists every dataset in the registry, its size, and where its files are found.\n\n${LOOKUP_HELP}`)
    .addHelpText('after', helpExamples('mlcheck datasets list', 'mlcheck datasets list --data-dir ../shared/data'))
    .addOption(sharedOption.dataDir())
    .action(async (flags: DataDirFlags) => {
      const data = access(flags);
      const rows = [['id', 'files', 'size', 'title', 'status']];
      for (const manifest of data.registry.list()) {
        const report = await data.inspect(manifest.id, { hash: false });
        const size = Object.values(manifest.files).reduce((sum, file) => sum + file.size, 0);
        rows.push([manifest.id, String(Object.keys(manifest.files).length), megabytes(size), manifest.title, summarize(report)]);
      }
      context.out(table(rows));
      context.out(`\nStage one with: mlcheck datasets fetch <id>${flags.dataDir ? ` --data-dir ${flags.dataDir}` : ''}; check copies with: mlcheck datasets verify`);
    });

  datasets
    .command('fetch')
    .summary('stage verified copies (data dir or cache)')
    .description(`Puts verified copies into the data dir (or the cache): copied from another location when one has them, else downloaded with retries and resume.\n\n${LOOKUP_HELP}`)
    .addHelpText(
      'after',
      helpExamples(
        { comment: 'verified copies are used where they are; missing files go into ~/.cache/mlcheck', command: 'mlcheck datasets fetch fashion-mnist' },
        { comment: 'into a shared data dir', command: 'mlcheck datasets fetch mnist iris --data-dir ../shared/data' },
      ),
    )
    .argument('<id...>', 'dataset ids (see `mlcheck datasets list`)')
    .addOption(sharedOption.dataDir())
    .option('--retries <n>', 'attempts per URL', (value) => Math.max(1, Number.parseInt(value, 10) || 1), 3)
    .action(async (ids: string[], flags: DataDirFlags & { retries: number }) => {
      const printer = progressPrinter(context);
      const data = access(flags, { download: { attempts: flags.retries }, onProgress: printer.onProgress });
      for (const id of ids) data.registry.get(id);
      let failed = false;
      for (const id of ids) {
        try {
          context.err(flags.dataDir ? `${id}: staging into ${data.stagingDir(id)}/` : `${id}: looking for verified copies; missing files go into ${data.stagingDir(id)}/`);
          const staged = await data.stage(id);
          printer.finish();
          for (const [key, file] of Object.entries(staged)) context.out(`${id}\t${key}\t${file}`);
        } catch (error) {
          printer.finish();
          if (error instanceof MlcheckError && error.kind === 'usage') throw error;
          context.err(`mlcheck datasets fetch ${id}: ${describeError(error)}`);
          failed = true;
        }
      }
      context.setExitCode(failed ? EXIT.failed : EXIT.ok);
    });

  datasets
    .command('verify')
    .summary('re-hash every copy against the registry')
    .description(
      'Re-hashes every copy of every file in every location and compares it with the registry.\n\nExit codes: 0 every copy is right, 1 a wrong or unreadable copy, or a dataset named on the command line is missing.',
    )
    .addHelpText('after', helpExamples('mlcheck datasets verify', 'mlcheck datasets verify mnist iris --data-dir ../shared/data'))
    .argument('[id...]', 'dataset ids (default: all)')
    .addOption(sharedOption.dataDir())
    .action(async (ids: string[], flags: DataDirFlags) => {
      const data = access(flags);
      const selected = ids.length > 0 ? ids.map((id) => data.registry.get(id).id) : data.registry.list().map((manifest) => manifest.id);
      let failed = false;
      const rows = [['dataset', 'file', 'status', 'path']];
      const problems: string[] = [];
      for (const id of selected) {
        const report = await data.inspect(id, { fresh: true });
        for (const file of report.files) {
          if (file.copies.length === 0) {
            rows.push([id, file.key, 'missing', `${file.file.name}[.gz] in ${report.locations.map((location) => location.dir).join(', ')}`]);
            if (ids.length > 0) failed = true;
            continue;
          }
          file.copies.forEach((copy, index) => {
            const status = copy.status === 'ok' ? (index === 0 ? 'ok' : 'ok (shadowed)') : copy.status === 'mismatch' ? 'WRONG' : 'UNREADABLE';
            rows.push([id, file.key, status, `${copy.path} (${copy.location.origin})`]);
            if (copy.status !== 'ok') {
              failed = true;
              const found = copy.digest ? `sha256 ${copy.digest.sha256}, ${copy.digest.size} bytes` : copy.problem;
              problems.push(`${copy.path}: expected decompressed sha256 ${file.file.sha256} (${file.file.size} bytes), found ${found}\n  fix: delete it and run mlcheck datasets fetch ${id}${flags.dataDir ? ` --data-dir ${flags.dataDir}` : ''}`);
            }
          });
        }
      }
      context.out(table(rows));
      for (const problem of problems) context.err(problem);
      context.setExitCode(failed ? EXIT.failed : EXIT.ok);
    });
}
