/**
 * `mlcheck run ... --jupyter URL --kernel NAME` against a real Jupyter Server on loopback
 * (Debian's 1.23, random port and token): the python engine's kits run inside kernels the server
 * starts; failures (a wrong token, a kernel that dies, one that never starts, the watchdog,
 * Ctrl-C) end as they must, and no kernel is ever left running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerUrl } from '../src/engines/python/jupyter/server-url.js';
import { validateReport } from '../src/report/validate.js';
import type { JsonReport, ReportCase } from '../src/report/json-report.js';
import { hasJupyterServer, startJupyterServer, writeKernelspec, type JupyterServer } from './helpers/jupyter-server.js';
import { cliPath, fixtureWorkload, repoRoot, sharedDataDir } from './helpers/paths.js';
import { debianPython, runCli } from './helpers/python-env.js';
import { startRecordingReverseProxy } from './helpers/recording-reverse-proxy.js';

const hasTorch = spawnSync(debianPython, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const describeJupyter = hasJupyterServer ? describe : describe.skip;

describeJupyter('workloads through a live Jupyter kernel', () => {
  let server: JupyterServer;
  const out = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-run-'));
  const envWith = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const env = { ...process.env, ...extra };
    if (extra.JUPYTER_TOKEN === undefined) delete env.JUPYTER_TOKEN;
    return env;
  };
  const run = (name: string, args: string[], env: NodeJS.ProcessEnv) => runCli(cliPath, ['run', ...args, '--jupyter', server.url, '--data-dir', sharedDataDir, '--no-probe', '--out', path.join(out, name), '--json', path.join(out, `${name}.json`)], env);
  const report = (name: string): JsonReport => JSON.parse(readFileSync(path.join(out, `${name}.json`), 'utf8')) as JsonReport;

  beforeAll(async () => {
    server = await startJupyterServer();
    writeKernelspec(server.kernelsDir, 'dying', { argv: [debianPython, path.join(repoRoot, 'test', 'fixtures', 'jupyter', 'dying-kernel.py'), '-f', '{connection_file}'], display_name: 'Python 3 (torch crashes)', language: 'python' });
    // A kernel that never answers (a job stuck in a queue looks the same to the server).
    writeKernelspec(server.kernelsDir, 'never-starts', { argv: ['/bin/sleep', '600', '{connection_file}'], display_name: 'never starts', language: 'python' });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('runs hello and iris in kernels of the server: the same case records, via jupyter, with the kernel and its latencies', async () => {
    const result = await run('hello-iris', ['hello', 'iris', '--kernel', 'python3'], envWith({ JUPYTER_TOKEN: server.token }));
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const document = report('hello-iris');
    expect(validateReport(document)).toEqual({ valid: true, report: document });
    expect(document.cases.map((c) => [c.id, c.outcome, c.engine, c.via, c.jupyter?.kernel, c.jupyter?.server])).toEqual([
      ['hello/python/pytorch-cpu', 'pass', 'python', 'jupyter', 'python3', server.url],
      ['iris/python/pytorch-cpu', 'pass', 'python', 'jupyter', 'python3', server.url],
    ]);
    for (const c of document.cases) {
      expect(c.jupyter!.startSeconds).toBeGreaterThan(0);
      expect(c.jupyter!.firstExecuteSeconds).toBeGreaterThan(0);
      expect(c.jupyter!.kernelId).toMatch(/^[0-9a-f-]{36}$/);
      // The kernel's own interpreter: the server runs python3 kernels with its own Python.
      expect(c.versions.interpreter).toBe(debianPython);
    }
    expect(document.cases[1]!.metrics.test_accuracy!.value).toBeGreaterThanOrEqual(0.9);
    expect(result.stdout).toMatch(/^ +via jupyter: kernel python3 on http:\/\/127\.0\.0\.1:\d+\/, started in [\d.]+ s, first execute [\d.e-]+ s, on \S+$/m);
    expect(result.stdout + result.stderr + JSON.stringify(document)).not.toContain(server.token);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 600_000);

  it.runIf(hasTorch)('trains lenet (the quick profile, 150 steps) in a kernel, with the token from --jupyter-token-file', async () => {
    const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-token-')), 'token');
    writeFileSync(tokenFile, `${server.token}\n`);
    chmodSync(tokenFile, 0o600);
    const result = await run('lenet', ['lenet', '--kernel', 'python3', '--jupyter-token-file', tokenFile], envWith({}));
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const lenet = report('lenet').cases[0]!;
    expect([lenet.outcome, lenet.via, lenet.hyperparameters.train_steps ?? lenet.hyperparameters.trainSteps]).toEqual(['pass', 'jupyter', 150]);
    expect(lenet.metrics.test_error_pct!.value).toBeLessThan(8);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 900_000);

  it('sends the token in the Authorization header, never in a URL that a proxy logs: hello runs through a loopback reverse proxy', async () => {
    const proxy = await startRecordingReverseProxy(server.url);
    try {
      const result = await runCli(cliPath, ['run', 'hello', '--kernel', 'python3', '--jupyter', proxy.url, '--data-dir', sharedDataDir, '--no-probe', '--out', path.join(out, 'proxied')], envWith({ JUPYTER_TOKEN: server.token }));
      expect(result.status, result.stderr + result.stdout).toBe(0);
      // The kernel's WebSocket, the REST calls that start and stop the kernel, and the server check all went through it.
      const seen = proxy.requests.map((r) => `${r.upgrade ? 'WS ' : ''}${r.method} ${r.url.replace(/[0-9a-f-]{36}/g, '<id>').replace(/\?.*$/, '')}`);
      expect(seen).toEqual(expect.arrayContaining(['GET /api/kernelspecs', 'POST /api/kernels', 'WS GET /api/kernels/<id>/channels', 'DELETE /api/kernels/<id>']));
      for (const request of proxy.requests) {
        expect(request.url, `${request.method} ${request.url}`).not.toContain(server.token);
        expect(request.url).not.toMatch(/[?&]token=/);
        expect(request.authorization, `${request.method} ${request.url}`).toBe(`token ${server.token}`);
      }
      expect(await server.kernelsAfter()).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 300_000);

  it('refuses a wrong token with exit 2, naming the server and never printing a token', async () => {
    const wrong = 'not-the-token-0123456789';
    const result = await run('wrong-token', ['hello', '--kernel', 'python3'], envWith({ JUPYTER_TOKEN: wrong }));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`mlcheck: Jupyter server ${server.url}: authentication failed (HTTP 403) with the token from JUPYTER_TOKEN`);
    expect(result.stderr + result.stdout).not.toContain(wrong);
    expect(result.stderr + result.stdout).not.toContain(server.token);
    expect(await server.kernels()).toEqual([]);
  }, 60_000);

  it('fails a case whose kernel dies, with what the kernel said before it died', async () => {
    const result = await run('dying', ['hello', '--kernel', 'dying'], envWith({ JUPYTER_TOKEN: server.token }));
    expect(result.status, result.stderr + result.stdout).toBe(1);
    const hello = report('dying').cases[0]!;
    expect([hello.outcome, hello.failPhase, hello.via, hello.jupyter?.kernel]).toEqual(['fail', 'crash', 'jupyter', 'dying']);
    expect(hello.reason).toMatch(/^kernel dying \([0-9a-f-]{36}\) on http:\/\/127\.0\.0\.1:\d+\/ died while opening pytorch \(Jupyter status (autorestarting|restarting|dead)\); it last printed: mlcheck test: libtorch_cpu\.so crashed while loading \(simulated\)\n  the kernel's last output:\n {4}/);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 300_000);

  // A kernel that never starts is the server's or its launcher's fault (a job stuck in a queue
  // looks the same): undecided, never a failure of this node. (This test expected `fail`, phase
  // crash, before issue 22.)
  it('leaves a case undecided (exit 3) when its kernel does not start within --kernel-timeout, and shuts it down', async () => {
    const result = await run('never-starts', ['hello', '--kernel', 'never-starts', '--kernel-timeout', '4'], envWith({ JUPYTER_TOKEN: server.token }));
    expect(result.status, result.stderr + result.stdout).toBe(3);
    const hello = report('never-starts').cases[0]!;
    expect([hello.outcome, hello.failPhase]).toEqual(['error', 'setup']);
    expect(hello.reason).toMatch(/^kernel never-starts \([0-9a-f-]{36}\) on http:\/\/127\.0\.0\.1:\d+\/ did not start within 4 s$/);
    expect(hello.jupyter).toMatchObject({ kernel: 'never-starts', startSeconds: null });
    expect(await server.kernelsAfter()).toEqual([]);
  }, 120_000);

  it('leaves a case undecided (exit 3), not failed, when the server answers HTTP 500 to starting its kernel', async () => {
    const proxy = await startRecordingReverseProxy(server.url, {
      answer: (request) => (request.method === 'POST' && request.url?.replace(/\?.*$/, '') === '/api/kernels' ? { status: 500, body: '{"message": "Internal Server Error", "reason": null}' } : null),
    });
    try {
      const out500 = path.join(out, 'server-500');
      const result = await runCli(cliPath, ['run', 'hello', '--kernel', 'python3', '--jupyter', proxy.url, '--data-dir', sharedDataDir, '--no-probe', '--out', out500, '--json', `${out500}.json`], envWith({ JUPYTER_TOKEN: server.token }));
      expect(result.status, result.stderr + result.stdout).toBe(3);
      const hello = (JSON.parse(readFileSync(`${out500}.json`, 'utf8')) as JsonReport).cases[0]!;
      expect([hello.outcome, hello.failPhase]).toEqual(['error', 'setup']);
      expect(hello.reason).toContain(`the Jupyter server ${proxy.url} did not start kernel python3 (HTTP 500): `);
      expect(hello.reason).toContain('a fault of the server or its kernel launcher, not of this node');
      expect(proxy.requests.map((r) => `${r.method} ${r.url.replace(/\?.*$/, '')}`)).toContain('POST /api/kernels');
      expect(result.stdout + result.stderr).not.toContain(server.token);
      expect(await server.kernelsAfter()).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it.each([
    ['none', 'it carries no nonce'],
    ['stale', "it carries nonce 0123456789abcdef0123456789abcdef, not this request's (a replayed or forged answer)"],
  ])('refuses an answer not bound to its request (%s): undecided, exit 3, even though the genuine answer follows', async (mode, why) => {
    const name = `forged-${mode}`;
    const result = await run(name, ['fixture-python-kit', '--kernel', 'python3'], {
      ...envWith({ JUPYTER_TOKEN: server.token }),
      MLCHECK_TEST_WORKLOADS: fixtureWorkload('python-kit-file'),
      MLCHECK_TEST_KIT: path.join(repoRoot, 'test', 'fixtures', 'python-kits', 'forged-answer.py'),
      MLCHECK_TEST_MARKER: mode,
    });
    expect(result.status, result.stderr + result.stdout).toBe(3);
    const kit = report(name).cases[0]!;
    expect(kit.outcome).toBe('error');
    expect(kit.reason).toContain(`: refused an answer while running the pytorch kit ${path.join(repoRoot, 'test', 'fixtures', 'python-kits', 'forged-answer.py')}: ${why}; mlcheck's answers must echo the nonce of the request they answer`);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 120_000);

  it.each([
    ['JUPYTER_TOKEN', (token: string) => ({ JUPYTER_TOKEN: token, JUPYTERHUB_API_TOKEN: token }), [] as string[]],
    ['--jupyter-token-file', (token: string) => ({ JUPYTERHUB_API_TOKEN: token, MLCHECK_TEST_TOKEN_COPY: `prefix-${token}` }), ['--jupyter-token-file']],
  ])('hands the token (from %s) to the case process over IPC: it reaches the kernel, and no copy of it is in the case process environment', async (source, tokenEnv, fileFlag) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-env-'));
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${server.token}\n`);
    chmodSync(tokenFile, 0o600);
    const name = `env-${source.replace(/\W/g, '')}`;
    const result = await run(name, ['fixture-environment', '--kernel', 'python3', ...(fileFlag.length > 0 ? [...fileFlag, tokenFile] : [])], {
      ...envWith(tokenEnv(server.token)),
      MLCHECK_TEST_WORKLOADS: fixtureWorkload('environment-report'),
      MLCHECK_TEST_ENV_DIR: dir,
    });
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(report(name).cases[0]!.via).toBe('jupyter');
    const caseProcess = JSON.parse(readFileSync(path.join(dir, 'case-process.json'), 'utf8')) as Record<string, string>;
    expect(caseProcess.MLCHECK_TEST_ENV_DIR).toBe(dir);
    expect(Object.keys(caseProcess).filter((key) => caseProcess[key]!.includes(server.token))).toEqual([]);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 120_000);

  it('shuts the kernel down when the watchdog stops a case', async () => {
    const result = await run('watchdog', ['lenet', '--kernel', 'python3', '--timeout', '8'], envWith({ JUPYTER_TOKEN: server.token }));
    // A CPU case past its watchdog proves no fault (a loaded node): undecided, exit 3.
    expect(result.status).toBe(3);
    const lenet = report('watchdog').cases[0]! as ReportCase;
    expect([lenet.outcome, lenet.failPhase]).toEqual(['error', 'timeout']);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 120_000);

  it.runIf(hasTorch)('shuts the kernel down on Ctrl-C, while the kit runs in it', async () => {
    // lenet: its kit runs for seconds in the kernel (iris may be done before the poll sees it).
    const child = spawn(process.execPath, [cliPath, 'run', 'lenet', '--kernel', 'python3', '--jupyter', server.url, '--data-dir', sharedDataDir, '--no-probe', '--out', path.join(out, 'ctrl-c')], { env: envWith({ JUPYTER_TOKEN: server.token }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let exited = false;
    void closed.then(() => (exited = true));
    // The workload has started (it read MNIST) and its kernel is busy: the kit runs in it.
    while (!exited && !(/load: reading MNIST/.test(stderr) && (await server.kernels()).some((k) => k.execution_state === 'busy'))) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exited, stderr).toBe(false);
    expect(await server.kernels()).toHaveLength(1);
    child.kill('SIGINT');
    const status = await closed;
    expect(status, stderr).toBe(3);
    expect(stderr).toMatch(/SIGINT received: stopping the running case/);
    expect(await server.kernelsAfter()).toEqual([]);
  }, 300_000);
});

describe('--jupyter URLs', () => {
  it('warns about plain http to another machine only', () => {
    expect(parseServerUrl('http://10.1.2.3:8888').warning).toMatch(/^http:\/\/10\.1\.2\.3:8888\/ is plain http:\/\/ to another machine: the token and everything the kernel runs cross the network unencrypted; use https:\/\/$/);
    expect(parseServerUrl('http://jupyter.example.org/user/alice').warning).not.toBeNull();
    for (const quiet of ['https://hub.example.org/user/alice/', 'http://127.0.0.1:8888/', 'http://127.8.9.1/', 'http://localhost:8888', 'http://[::1]:8888/']) expect(parseServerUrl(quiet).warning, quiet).toBeNull();
    expect(parseServerUrl('http://jupyter.example.org/user/alice').url).toBe('http://jupyter.example.org/user/alice/');
  });

  it.each([
    [['--jupyter', 'http://127.0.0.1:9/'], /--jupyter and --kernel go together/],
    [['--jupyter', 'http://127.0.0.1:9/', '--kernel', 'python3', '--modules', 'shared'], /--jupyter runs the kits in the kernel's own environment: --python, --modules/],
    [['--jupyter', 'ftp://127.0.0.1:9/', '--kernel', 'python3'], /--jupyter: ftp:\/\/ is not a Jupyter server URL/],
    [['--jupyter', 'http://127.0.0.1:2/', '--kernel', 'python3'], /cannot reach the Jupyter server http:\/\/127\.0\.0\.1:2\/: ECONNREFUSED/],
  ])('refuses %j with exit 2 before anything runs', (args, message) => {
    const run = spawnSync(process.execPath, [cliPath, 'run', 'hello', ...args, '--no-probe'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a token in the URL (argv is public) without echoing it', () => {
    const run = spawnSync(process.execPath, [cliPath, 'run', 'hello', '--jupyter', 'http://127.0.0.1:9/?token=secret-in-argv', '--kernel', 'python3', '--no-probe'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/the URL carries a token or credentials/);
    expect(run.stderr).not.toContain('secret-in-argv');
  });
});
