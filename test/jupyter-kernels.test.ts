/**
 * `mlcheck jupyter kernels` on fixture kernelspecs (test/fixtures/jupyter): the manual's own
 * shapes of its Slurm and Kubernetes Enterprise Gateway kernels (environ and submit as lists of
 * shell lines; a Kubernetes argv that runs inside its image, with image, k8s_env_module and four
 * templates), sound and broken, resolved against fixture modulefiles through the node's real
 * Environment Modules; and the data path against what Debian's jupyter_core itself says.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jupyterDataPath } from '../src/kernelspecs/data-path.js';
import { modulesInEnviron } from '../src/kernelspecs/environ-modules.js';
import { cliPath, repoRoot } from './helpers/paths.js';
import { debianPython } from './helpers/python-env.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'jupyter');
const kernelsDir = path.join(fixtures, 'share', 'jupyter', 'kernels');
const modulePath = path.join(fixtures, 'modulefiles');

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-home-')), ...extra };
  for (const name of ['JUPYTER_DATA_DIR', 'XDG_DATA_HOME', 'PYTHONUSERBASE', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'JUPYTER_PREFER_ENV_PATH']) delete env[name];
  return { ...env, ...extra };
}

function kernels(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cliPath, 'jupyter', 'kernels', '--module-path', modulePath, ...args], { encoding: 'utf8', env: cleanEnv({ JUPYTER_PATH: path.join(fixtures, 'share', 'jupyter') }) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const problemLines = (stdout: string, kernel: string): string[] => stdout.split('\n').filter((line) => line.startsWith(`${path.join(kernelsDir, kernel, 'kernel.json')}: `));

describe('mlcheck jupyter kernels', () => {
  const run = kernels();

  it('exits 1 because fixture kernelspecs are broken, and lists every kernelspec with its status', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^eg-slurm-py37 +ok +SlurmProcessProxy +Python 3\.7 \(TensorFlow\) on Slurm /m);
    expect(run.stdout).toMatch(/^eg-slurm-py37-shared +ok +SlurmProcessProxy /m);
    expect(run.stdout).toMatch(/^eg-k8s-py36 +ok +K8sProcessProxy +Python 3\.6 on Kubernetes /m);
    expect(run.stdout).toMatch(/^eg-k8s-r +ok +K8sProcessProxy /m);
    expect(run.stdout).toMatch(/^python3-local +ok +- /m);
  });

  // eg-k8s-r's argv[0], /usr/bin/Rscript, is not installed here: it runs inside the kernel's image.
  it.each(['eg-slurm-py37', 'eg-slurm-py37-shared', 'eg-k8s-py36', 'eg-k8s-r', 'python3-local'])('finds nothing wrong with %s (the manual\'s shapes, sound)', (kernel) => {
    expect(problemLines(run.stdout, kernel)).toEqual([]);
  });

  it.each([
    ['broken-argv0', '$.argv[0]', /"\/cm\/shared\/apps\/jupyter-eg-kernel-slurm-py37\/bin\/python3\.7" is not an executable file; fix: /],
    ['broken-json', '$', /is not valid JSON: .* at line 5, column 1; fix: correct the syntax/],
    ['broken-connection', '$.argv', /passes neither \{connection_file\} nor the gateway's \{kernel_id\} and \{response_address\}.*; fix: add "-f", "\{connection_file\}"/],
    ['broken-display-name', '$.display_name', /is missing; fix: /],
    ['broken-module', '$.metadata.process_proxy.config.environ', /the module tensorflow-py37-cuda10\.2-gcc does not resolve here: not in `module -t avail`.*; fix: list the node's modules/],
    ['broken-submit', '$.metadata.process_proxy.config.submit', /runs "qsub", not sbatch: .*; fix: e\.g\. "submit": \["sbatch --parsable"\]/],
    ['broken-pod-template', '$.metadata.process_proxy.config.pod_template', /the template .*\/broken-pod-template\/templates\/kernel-pod\.yaml\.j2 does not exist; fix: /],
    ['broken-template-yaml', '$.metadata.process_proxy.config.service_template', /the template .*\/broken-template-yaml\/templates\/service\.yaml\.j2 is not YAML: .*line 5.*; fix: /],
    ['broken-image', '$.metadata.process_proxy.config.image', /is not set: a container kernel needs an image to run; fix: /],
    ['broken-k8s-module', '$.metadata.process_proxy.config.k8s_env_module', /the Kubernetes module kubernetes\/k8s-prod does not resolve here/],
  ])('%s gives exactly its one line, at %s', (kernel, jsonPath, message) => {
    const lines = problemLines(run.stdout, kernel);
    expect(lines).toHaveLength(1);
    const rest = lines[0]!.slice(`${path.join(kernelsDir, kernel, 'kernel.json')}: `.length);
    expect(rest.startsWith(`${jsonPath}: `), rest).toBe(true);
    expect(rest).toMatch(message);
    expect(run.stdout).toMatch(new RegExp(`^${kernel} +BROKEN \\(1\\) `, 'm'));
  });

  it('writes the same findings as JSON', () => {
    const json = kernels('--json');
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { kind: string; dataPath: { dir: string; source: string }[]; kernelspecs: { name: string; problems: { path: string }[]; processProxy: string | null }[] };
    expect(report.kind).toBe('mlcheck-jupyter-kernels');
    expect(report.dataPath[0]).toEqual({ dir: path.join(fixtures, 'share', 'jupyter'), source: 'JUPYTER_PATH' });
    const submit = report.kernelspecs.find((k) => k.name === 'broken-submit')!;
    expect(submit.processProxy).toBe('cm_jupyter_eg_kernel_slurm.SlurmProcessProxy');
    expect(submit.problems.map((p) => p.path)).toEqual(['$.metadata.process_proxy.config.submit']);
  });

  it('fails a module kernel when the node has no such module: without the fixture modulefiles, every module of the sound Slurm kernel is named', () => {
    const bare = spawnSync(process.execPath, [cliPath, 'jupyter', 'kernels'], { encoding: 'utf8', env: cleanEnv({ JUPYTER_PATH: path.join(fixtures, 'share', 'jupyter'), MODULEPATH: '' }) });
    const lines = problemLines(bare.stdout, 'eg-slurm-py37');
    expect(lines.map((line) => /module (\S+) does not resolve/.exec(line)?.[1])).toEqual(['shared', 'slurm', 'jupyter-eg-kernel-slurm-py37', 'tensorflow-py37-cuda10.1-gcc', 'openmpi-geib-cuda10.1-gcc']);
  });

  it('accepts environ and submit as single strings too, and names the element of a list that is not a shell line', () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-shapes-'));
    const slurmKernel = (config: Record<string, unknown>) => ({
      display_name: 'Python 3.7 on Slurm',
      language: 'python',
      metadata: { process_proxy: { class_name: 'cm_jupyter_eg_kernel_slurm.SlurmProcessProxy', config } },
      argv: ['python3', '{resource_dir}/scripts/launch_slurm.py', '--RemoteProcessProxy.kernel-id', '{kernel_id}', '--RemoteProcessProxy.response-address', '{response_address}'],
    });
    const kernelsJson: Record<string, unknown> = {
      strings: slurmKernel({ environ: 'source /etc/profile.d/modules.sh && module load shared slurm', submit: 'sbatch --parsable' }),
      'element-not-a-line': slurmKernel({ environ: ['source /etc/profile.d/modules.sh', ['module load shared']], submit: ['sbatch --parsable'] }),
      'submit-object': slurmKernel({ environ: ['module load shared'], submit: { command: 'sbatch' } }),
      'k8s-no-kernel-id': { display_name: 'Python on Kubernetes', language: 'python', metadata: { process_proxy: { class_name: 'cm_jupyter_eg_kernel_k8s.K8sProcessProxy', config: { image: 'brightcomputing/jupyter-kernel-sample:k8s-py36-1.0.0' } } }, argv: ['/opt/conda/bin/python3', '/ipykernel-k8s.py'] },
    };
    for (const [name, spec] of Object.entries(kernelsJson)) {
      mkdirSync(path.join(data, 'kernels', name), { recursive: true });
      writeFileSync(path.join(data, 'kernels', name, 'kernel.json'), JSON.stringify(spec));
    }
    const result = spawnSync(process.execPath, [cliPath, 'jupyter', 'kernels', '--module-path', modulePath], { encoding: 'utf8', env: cleanEnv({ JUPYTER_PATH: data }) });
    const lines = (name: string): string[] => result.stdout.split('\n').filter((line) => line.startsWith(`${path.join(data, 'kernels', name, 'kernel.json')}: `)).map((line) => line.slice(`${path.join(data, 'kernels', name, 'kernel.json')}: `.length));
    expect(result.stdout).toMatch(/^strings +ok /m);
    expect(lines('strings')).toEqual([]);
    expect(lines('element-not-a-line')).toEqual([expect.stringMatching(/^\$\.metadata\.process_proxy\.config\.environ\[1\]: must be a string \(one shell line\), not a list; fix: e\.g\. "environ": \["source \/etc\/profile\.d\/modules\.sh", /)]);
    expect(lines('submit-object')).toEqual([expect.stringMatching(/^\$\.metadata\.process_proxy\.config\.submit: must be a list holding the submit command line \(or one string\), not an object; fix: e\.g\. "submit": \["sbatch --parsable"\]/)]);
    // Its argv runs inside the image: /opt/conda/bin/python3 is not looked for here, the missing {kernel_id} is the one problem.
    expect(lines('k8s-no-kernel-id')).toEqual([expect.stringMatching(/^\$\.argv: does not pass \{kernel_id\}: .*; fix: e\.g\. "argv": \["\/usr\/bin\/python3", "\/ipykernel-k8s\.py", "\{kernel_id\}"\]/)]);
    expect(result.status).toBe(1);
  });

  it('shows a kernelspec shadowed by an earlier one of the same name, and does not judge it', () => {
    const user = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-user-'));
    mkdirSync(path.join(user, 'kernels', 'broken-json'), { recursive: true });
    // Broken, but Jupyter never reads it: the fixture of the same name comes first on the path.
    writeFileSync(path.join(user, 'kernels', 'broken-json', 'kernel.json'), '{');
    const fixtureFirst = spawnSync(process.execPath, [cliPath, 'jupyter', 'kernels', '--module-path', modulePath], { encoding: 'utf8', env: cleanEnv({ JUPYTER_PATH: path.join(fixtures, 'share', 'jupyter'), JUPYTER_DATA_DIR: user }) });
    expect(fixtureFirst.stdout).toMatch(new RegExp(`^broken-json +shadowed +- +- +${path.join(user, 'kernels', 'broken-json', 'kernel.json')} \\(Jupyter uses ${path.join(kernelsDir, 'broken-json', 'kernel.json')}\\)$`, 'm'));
    expect(fixtureFirst.stdout).not.toContain(`${path.join(user, 'kernels', 'broken-json', 'kernel.json')}: `);
  });
});

describe('the Jupyter data path', () => {
  const jupyterPaths = (env: NodeJS.ProcessEnv, python = debianPython): string[] => {
    const run = spawnSync(python, ['-m', 'jupyter', '--paths', '--json'], { encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { data: string[] }).data;
  };

  it("is jupyter_core's own order for Debian's Python", () => {
    const env = cleanEnv({ JUPYTER_PATH: '/a/jupyter:/b/jupyter/', XDG_DATA_HOME: '/x/share' });
    expect(jupyterDataPath({ env, home: env.HOME!, envPrefix: '/usr' }).map((d) => d.dir)).toEqual(jupyterPaths(env));
  });

  it("is jupyter_core's own order in a virtual environment, with and without JUPYTER_PREFER_ENV_PATH", () => {
    const venv = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-venv-'));
    expect(spawnSync(debianPython, ['-m', 'venv', '--without-pip', '--system-site-packages', venv]).status).toBe(0);
    const python = path.join(venv, 'bin', 'python3');
    for (const prefer of ['0', '1']) {
      const env = cleanEnv({ JUPYTER_DATA_DIR: '/data/dir', PYTHONUSERBASE: '/user/base', JUPYTER_PREFER_ENV_PATH: prefer });
      const ours = jupyterDataPath({ env, home: env.HOME!, envPrefix: venv });
      expect(ours.map((d) => d.dir)).toEqual(jupyterPaths(env, python));
      expect(ours.map((d) => d.source)).toEqual(prefer === '1' ? ['environment', 'user', 'user site', 'system', 'system'] : ['user', 'user site', 'environment', 'system', 'system']);
    }
  });

  it('reads the modules an environ loads', () => {
    expect(modulesInEnviron('module load shared slurm jupyter-eg-kernel-slurm-py37 tensorflow-py37-cuda10.1-gcc')).toEqual(['shared', 'slurm', 'jupyter-eg-kernel-slurm-py37', 'tensorflow-py37-cuda10.1-gcc']);
    expect(modulesInEnviron('export X=1; module purge && module add "gcc/12" -f cuda; ml load openmpi; ml nccl')).toEqual(['gcc/12', 'cuda', 'openmpi', 'nccl']);
    // The manual's shape: a list of shell lines, not every one a module load.
    expect(modulesInEnviron(['source /etc/profile.d/modules.sh', 'module load shared slurm jupyter-eg-kernel-slurm-py37 tensorflow-py37-cuda10.1-gcc openmpi-geib-cuda10.1-gcc'])).toEqual(['shared', 'slurm', 'jupyter-eg-kernel-slurm-py37', 'tensorflow-py37-cuda10.1-gcc', 'openmpi-geib-cuda10.1-gcc']);
    expect(modulesInEnviron(['module purge', 'module -s load cuda10.1/toolkit', 'module use /cm/shared/modulefiles', 'module add shared', 'module list'])).toEqual(['cuda10.1/toolkit', 'shared']);
    // Lmod's ml: names load, -name unloads, a subcommand loads nothing (try-load may fail).
    expect(modulesInEnviron(['ml purge', 'ml gcc -intel openmpi', 'ml list', 'ml unload cuda', 'ml try-load nccl', 'ml'])).toEqual(['gcc', 'openmpi']);
  });
});
