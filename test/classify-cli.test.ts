import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath, repoRoot, sharedDataDir } from './helpers/paths.js';

const run = promisify(execFile);
const model = path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');

async function mlcheck(...argsAndEnv: (string | Record<string, string>)[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = argsAndEnv.filter((a): a is string => typeof a === 'string');
  const env = Object.assign({ ...process.env, MLCHECK_DATA_DIR: '' }, ...argsAndEnv.filter((a) => typeof a !== 'string'));
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mlcheck classify (built CLI: run `npx tsc -p .` first)', () => {
  it('prints the top-5 as classify_image.py does', async () => {
    const { code, stdout } = await mlcheck('classify', path.join(sharedDataDir, 'images', 'cropped_panda.jpg'), '--model', model, '--ep', 'cpu');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^giant panda \(score = 0\.98\d{3}\)$/);
    for (const line of lines) expect(line).toMatch(/^.+ \(score = \d\.\d{5}\)$/);
  });

  it('exits 2 with the file and reason for a file that is not an image', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-classify-')), 'photo.jpg');
    writeFileSync(file, '<html>not a photo</html>');
    const { code, stderr } = await mlcheck('classify', file, '--model', model);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file} is not an image`);
  });

  it('without --model and no Inception-v3 staged, classifies with the shipped MobileNetV2 and says so', async () => {
    const { code, stdout, stderr } = await mlcheck('classify', path.join(sharedDataDir, 'images', 'cropped_panda.jpg'), '--ep', 'cpu', { XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-cache-')) });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`model ${path.join(repoRoot, 'datasets', 'imagenet', 'mobilenet_v2_1.0_224.onnx')} (mobilenet_v2_1.0_224, shipped with mlcheck; inception_v3_2015_12_05 is not staged)`);
    expect(stdout.split('\n')[0]).toMatch(/^giant panda \(score = 0\.98\d{3}\)$/);
  });

  it('exits 2 and names the staging commands when neither the default model nor the shipped one is there', async () => {
    const { code, stderr } = await mlcheck('classify', path.join(sharedDataDir, 'images', 'cropped_panda.jpg'), { MLCHECK_PACKAGE_DATA_DIR: '', XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-cache-')) });
    expect(code).toBe(2);
    expect(stderr).toContain('inception_v3_2015_12_05.onnx');
    expect(stderr).toContain('tf2onnx');
  });

  it('exits 2 for an unknown execution provider', async () => {
    const { code } = await mlcheck('classify', 'x.jpg', '--ep', 'rocm');
    expect(code).toBe(2);
  });
});
