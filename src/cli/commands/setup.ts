import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { onnxEngine } from '../../engines/onnx/index.js';
import { missingProviderFiles, planCudaSetup } from '../../engines/onnx/cuda-setup.js';
import { UsageError } from '../../util/errors.js';
import { describeProxySettings, proxySettings } from '../../util/proxy-env.js';
import { EXIT, type CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';

const TARGETS = ['onnx-cuda'] as const;

export function registerSetup(program: Command, context: CliContext): void {
  program
    .command('setup')
    .summary('add optional GPU support: onnx-cuda')
    .description(
      [
        "onnx-cuda: downloads the CUDA and TensorRT execution providers of onnxruntime-node (CUDA 12) with onnxruntime-node's own installer (node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12), which mlcheck's install skips (ONNXRUNTIME_NODE_INSTALL=skip).",
        'Needs internet (api.nuget.org), directly or through the proxy of HTTPS_PROXY / HTTP_PROXY (NO_PROXY exempts hosts; lower-case names first); the node then needs the CUDA 12 runtime, cuBLAS, cuFFT and cuDNN 9 (TensorRT 10 for tensorrt). Afterwards it shows what each provider still lacks.',
      ].join('\n\n'),
    )
    .argument('<target>', `what to set up: ${TARGETS.join(', ')}`)
    .option('--force', 'download again even when the provider files are present')
    .option('--dry-run', 'print the installer command and do nothing')
    .addHelpText(
      'after',
      helpExamples(
        { comment: 'see what would run', command: 'mlcheck setup onnx-cuda --dry-run' },
        { comment: 'download the providers, then list what each still lacks', command: 'mlcheck setup onnx-cuda' },
      ),
    )
    .action(async (target: string, flags: { force?: boolean; dryRun?: boolean }) => {
      if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`unknown setup target "${target}"`, { expected: TARGETS.join(', ') });
      const plan = planCudaSetup({ force: flags.force === true });
      if ('unsupported' in plan) throw new UsageError(plan.unsupported);
      context.err(`running: ${[plan.command, ...plan.args].join(' ')}`);
      if (flags.dryRun) {
        context.out([plan.command, ...plan.args].join(' '));
        return;
      }
      const exitCode = await new Promise<number>((resolve) => {
        const child = spawn(plan.command, plan.args, { env: plan.env, stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('error', () => resolve(127));
        child.on('close', (code) => resolve(code ?? 1));
      });
      const missing = missingProviderFiles(plan);
      if (exitCode !== 0 || missing.length > 0) {
        context.err(`mlcheck setup onnx-cuda: the installer ${exitCode !== 0 ? `failed (exit ${exitCode})` : 'exited 0'}${missing.length ? ` and these files are missing: ${missing.join(', ')}` : ''}`);
        const proxies = describeProxySettings(proxySettings());
        context.err(`  fix: check internet access to api.nuget.org (${proxies ? `through ${proxies}` : 'behind a proxy: set HTTPS_PROXY'}), then run it again`);
        context.setExitCode(EXIT.failed);
        return;
      }
      context.out(`provider libraries installed in ${plan.binDir}`);
      for (const status of await onnxEngine.detect()) {
        context.out(`  ${status.backend}: ${status.available ? 'available' : `unavailable: ${status.reason}`}`);
      }
    });
}
