import path from 'node:path';
import type { Command } from 'commander';
import { PinnedDownloadError } from '../../datasets/pinned-download.js';
import { onnxEngine } from '../../engines/onnx/index.js';
import { missingProviderFiles, planCudaSetup, runCudaSetup, type CudaSetupEvent } from '../../engines/onnx/cuda-setup.js';
import { MlcheckError, UsageError } from '../../util/errors.js';
import { describeProxySettings, proxySettings } from '../../util/proxy-env.js';
import { EXIT, type CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';

const TARGETS = ['onnx-cuda'] as const;

interface SetupFlags {
  force?: boolean;
  dryRun?: boolean;
  packages?: string;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerSetup(program: Command, context: CliContext): void {
  program
    .command('setup')
    .summary('add optional GPU support: onnx-cuda')
    .description(
      [
        "onnx-cuda: installs the CUDA and TensorRT execution providers of onnxruntime-node into its bin folder. mlcheck downloads the provider package itself (not with onnxruntime-node's own installer, which checks no hash), only when references/onnx-cuda-packages.yaml pins it for this onnxruntime-node version (URL, sha256, size): it is checked before anything is unpacked, in a new folder only this user can use, and only the provider libraries are installed. An unpinned version is refused (exit 2), saying what is missing.",
        'Needs internet (api.nuget.org), directly or through the proxy of HTTPS_PROXY / HTTP_PROXY (NO_PROXY exempts hosts; lower-case names first; host:port without a scheme is an http:// proxy, as curl reads it), or a mirror named in a --packages file; the node then needs the CUDA runtime, cuBLAS, cuFFT and cuDNN (TensorRT for tensorrt). Afterwards it shows what each provider still lacks.',
      ].join('\n\n'),
    )
    .argument('<target>', `what to set up: ${TARGETS.join(', ')}`)
    .option('--force', 'download and install again even when the verified provider files are in place')
    .option('--dry-run', 'print what would be downloaded and installed, and do nothing')
    .option('--packages <file>', 'the pinned provider packages, in the format of references/onnx-cuda-packages.yaml (e.g. a site mirror\'s URL with the sha256 you checked), instead of that file')
    .addHelpText(
      'after',
      helpExamples(
        { comment: 'see what would be downloaded, from where, with which sha256', command: 'mlcheck setup onnx-cuda --dry-run' },
        { comment: 'download, verify and install the providers, then list what each still lacks', command: 'mlcheck setup onnx-cuda' },
        { comment: 'from a site mirror whose package you pinned yourself', command: 'mlcheck setup onnx-cuda --packages /etc/mlcheck/onnx-cuda-packages.yaml' },
      ),
    )
    .action(async (target: string, flags: SetupFlags) => {
      if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`unknown setup target "${target}"`, { expected: TARGETS.join(', ') });
      const plan = planCudaSetup({ force: flags.force === true, ...(flags.packages !== undefined && { packagesFile: path.resolve(flags.packages) }) });
      if ('unsupported' in plan) throw new UsageError(plan.unsupported);
      const pinned = plan.package;
      const names = Object.keys(pinned.files);
      const proxies = describeProxySettings(proxySettings());
      const what = `${pinned.package} from ${pinned.url} (${megabytes(pinned.size)}, sha256 ${pinned.sha256})`;
      if (flags.dryRun) {
        context.out(`would download ${what}${proxies ? ` through ${proxies}` : ''}`);
        context.out(`would install ${names.join(', ')} into ${plan.binDir}${plan.force ? '' : ' (unless the verified files are in place)'}`);
        return;
      }
      context.err(`mlcheck setup onnx-cuda: downloading ${what}${proxies ? ` through ${proxies}` : ''}`);
      let result;
      try {
        result = await runCudaSetup(plan, { onEvent: progressPrinter(context) });
      } catch (error) {
        if (error instanceof MlcheckError) throw error;
        const download = error instanceof PinnedDownloadError;
        context.err(`mlcheck setup onnx-cuda: ${download && error.wrongContent ? 'refused the download' : 'failed'}: ${(error as Error).message}; nothing was installed`);
        if (download && error.wrongContent) context.err(`  fix: the server sent other bytes than the pinned ${pinned.package}: check ${new URL(pinned.url).host} (and any proxy between), or the pin in ${flags.packages ?? 'references/onnx-cuda-packages.yaml'}`);
        else if (download) context.err(`  fix: check internet access to ${new URL(pinned.url).host} (${proxies ? `through ${proxies}` : 'behind a proxy: set HTTPS_PROXY'}), then run it again`);
        context.setExitCode(EXIT.failed);
        return;
      }
      const missing = missingProviderFiles(plan);
      if (missing.length > 0) {
        context.err(`mlcheck setup onnx-cuda: these files are missing afterwards: ${missing.join(', ')}`);
        context.err(`  fix: the package pinned for onnxruntime-node ${plan.onnxruntimeNode} must list each of them under files`);
        context.setExitCode(EXIT.failed);
        return;
      }
      if (result.outcome === 'already-installed') context.out(`provider libraries already installed in ${plan.binDir} (from ${result.package}, verified); --force installs them again`);
      else context.out(`provider libraries installed in ${plan.binDir} (from ${pinned.package}, sha256 verified): ${names.join(', ')}`);
      for (const status of await onnxEngine.detect()) {
        context.out(`  ${status.backend}: ${status.available ? 'available' : `unavailable: ${status.reason}`}`);
      }
    });
}

function progressPrinter(context: CliContext): (event: CudaSetupEvent) => void {
  let reported = 0;
  return (event) => {
    switch (event.phase) {
      case 'replacing':
        context.err(`  ${event.files.join(', ')}: present, but not installed by a verified setup: replacing them`);
        break;
      case 'download': {
        const quarter = Math.floor((event.bytes / event.totalBytes) * 4);
        if (quarter > reported) {
          reported = quarter;
          context.err(`  ${megabytes(event.bytes)} of ${megabytes(event.totalBytes)}`);
        }
        break;
      }
      case 'verified':
        context.err('  size and sha256 match the pin: unpacking the provider libraries');
        break;
    }
  };
}
