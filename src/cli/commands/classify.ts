import { Option, type Command } from 'commander';
import { createDataAccess } from '../../datasets/index.js';
import { onnxEngine } from '../../engines/onnx/index.js';
import { ONNX_PROVIDERS } from '../../engines/types.js';
import { MlcheckError, UsageError } from '../../util/errors.js';
import { classifyImages } from '../../workloads/inception/classify-images.js';
import type { CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';
import { parseInteger } from '../option-parsers.js';
import { sharedOption } from '../shared-options.js';

interface ClassifyFlags {
  model?: string;
  sidecar?: string;
  ep?: string;
  dataDir?: string;
  top: number;
  json?: boolean;
}

export function registerClassify(program: Command, context: CliContext): void {
  program
    .command('classify')
    .summary('print the top-5 ImageNet classes of your own pictures')
    .description(
      [
        'Classifies each IMAGE (JPEG, PNG or WebP) with an ImageNet ONNX model on onnxruntime-node and prints the top-5 as classify_image.py does: "giant panda (score = 0.89107)".',
        "The model is --model FILE with its sidecar (<file>.json|.yaml beside it, --sidecar, or a registry entry in the package's models/ folder); without --model, the registry's default (Inception-v3) from the data dir or the cache, else the MobileNetV2 shipped in the package (the first line on stderr names the model).",
        'Exit codes: 0 ok, 2 bad usage or input (a file that is no image, a broken model or sidecar).',
      ].join('\n\n'),
    )
    .argument('<image...>', 'image files')
    .option('-m, --model <file>', 'ONNX model file')
    .option('--sidecar <file>', "the model's sidecar (input, crop, labels, output)")
    .addOption(new Option('--ep <provider>', 'execution provider (default: the best available)').choices([...ONNX_PROVIDERS]))
    .addOption(sharedOption.dataDir())
    .option('-k, --top <n>', 'how many classes to print per image', parseInteger, 5)
    .option('--json', 'print one JSON document instead of text')
    .addHelpText(
      'after',
      helpExamples(
        'mlcheck classify ../shared/data/images/cropped_panda.jpg \\\n--model ../shared/data/imagenet/mobilenet_v2_1.0_224.onnx',
        { comment: 'the best class of each picture, as JSON', command: 'mlcheck classify ../shared/data/images/*.jpg --top 1 --json \\\n--model ../shared/data/imagenet/mobilenet_v2_1.0_224.onnx' },
      ),
    )
    .action(async (images: string[], flags: ClassifyFlags) => {
      if (flags.top < 1) throw new UsageError(`--top must be at least 1, got ${flags.top}`);
      try {
        const session = await onnxEngine.open(flags.ep !== undefined ? { backend: flags.ep } : {});
        const data = createDataAccess({ ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }), download: false });
        const outcome = await classifyImages({
          session,
          images,
          data,
          top: flags.top,
          ...(flags.model !== undefined && { model: flags.model }),
          ...(flags.sidecar !== undefined && { sidecar: flags.sidecar }),
        });
        if (flags.json) {
          context.out(JSON.stringify({ ...outcome, engine: session.info }, null, 2));
          return;
        }
        const standIn = outcome.standInFor !== null ? `, shipped with mlcheck; ${outcome.standInFor} is not staged` : '';
        context.err(`model ${outcome.model} (${outcome.modelId}${standIn}) on onnx/${session.info.backend} (${session.info.device})`);
        for (const result of outcome.results) {
          if (outcome.results.length > 1) context.out(`${result.file}:`);
          for (const p of result.predictions) context.out(`${p.label.split(',')[0]!.trim()} (score = ${p.score.toFixed(5)})`);
        }
      } catch (error) {
        // For a plain command, a bad image, model or missing file is the user's input: exit 2.
        if (error instanceof MlcheckError && error.kind !== 'usage' && error.kind !== 'internal') throw new UsageError(error.message, error.details);
        throw error;
      }
    });
}
