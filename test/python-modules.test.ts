import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTerseAvail } from '../src/engines/python/module-avail.js';
import { loadModules } from '../src/engines/python/module-environment.js';
import { frameworksOfModules, moduleNameProblem, parseMlModuleName } from '../src/engines/python/module-names.js';
import { findModulesInit } from '../src/engines/python/modules-init.js';
import { createModuleTree } from './helpers/python-env.js';

describe('environment modules', () => {
  it.each(['shared', 'pytorch-py37-cuda10.2-gcc', 'pytorch-py37-cuda10.2-gcc/1.13.1', 'openmpi-geib-cuda10.1-gcc/3.1.4', 'gcc/12.2.0', 'Python_3/3.11'])('accepts the module name %s', (name) => {
    expect(moduleNameProblem(name)).toBeNull();
  });

  it.each(['shared;reboot', '$(id)', '`id`', 'a b', '-f', '--help', '/etc/passwd', 'a/../b', 'a//b', 'x|y', 'x>y', "it's", ''])('refuses %j', (name) => {
    expect(moduleNameProblem(name)).not.toBeNull();
  });

  it("reads the manual's naming from module names", () => {
    expect(parseMlModuleName('tensorflow-py36-cuda10.1-gcc/1.15.2')).toMatchObject({ base: 'tensorflow-py36-cuda10.1-gcc', version: '1.15.2', framework: 'tensorflow', python: 'py36', accelerator: { kind: 'cuda', version: '10.1' }, compiler: 'gcc' });
    expect(parseMlModuleName('tensorflow2-py37-mkl-gcc8')).toMatchObject({ framework: 'tensorflow', accelerator: { kind: 'mkl' }, compiler: 'gcc8' });
    expect(parseMlModuleName('openmpi-geib-cuda10.1-gcc')).toMatchObject({ framework: null, accelerator: { kind: 'cuda', version: '10.1' } });
    expect(parseMlModuleName('shared')).toBeNull();
    expect(parseMlModuleName('gcc/12.2.0')).toBeNull();
    expect(frameworksOfModules(['shared', 'pytorch-py37-cuda10.2-gcc', 'openmpi-geib-cuda10.1-gcc', 'tensorflow-py37-cuda10.2-gcc', 'pytorch-py37-mkl-gcc8'])).toEqual(['pytorch', 'tensorflow']);
  });

  it('reads the terse listings of Environment Modules and Lmod', () => {
    const environmentModules = ['/cm/shared/modulefiles:', 'shared', 'pytorch-py37-cuda10.2-gcc/1.13.1(default)', 'tensorflow-py36-cuda10.1-gcc/1.15.2 <L>', '', '/usr/share/modules/modulefiles:', 'dot', 'null'].join('\n');
    expect(parseTerseAvail(environmentModules)).toEqual(['shared', 'pytorch-py37-cuda10.2-gcc/1.13.1', 'tensorflow-py36-cuda10.1-gcc/1.15.2', 'dot', 'null']);
    const lmod = ['/opt/apps/modulefiles/Core:', 'gcc/', 'gcc/12.2.0', 'pytorch-py37-cuda10.2-gcc/', 'pytorch-py37-cuda10.2-gcc/1.13.1(D)'].join('\n');
    expect(parseTerseAvail(lmod)).toEqual(['gcc/12.2.0', 'pytorch-py37-cuda10.2-gcc/1.13.1']);
  });

  it('finds the init script from MODULESHOME before the standard places', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-moduleshome-'));
    mkdirSync(path.join(home, 'init'));
    writeFileSync(path.join(home, 'init', 'bash'), '');
    expect(findModulesInit({ MODULESHOME: home }).script).toBe(path.join(home, 'init', 'bash'));
    expect(findModulesInit({ MODULESHOME: '/nonexistent' }).searched[0]).toBe('/nonexistent/init/bash');
  });

  it('loads modules in bash and returns the environment they made', async () => {
    const tree = createModuleTree();
    const load = await loadModules({ modules: ['shared', 'pytorch-py311-cpu-gcc'], modulePaths: [tree.modulePath], env: process.env });
    expect(load.ok).toBe(true);
    if (!load.ok) return;
    expect(load.loaded).toEqual(['shared', 'pytorch-py311-cpu-gcc/1.13.1']);
    expect(load.env.PATH!.split(':')[0]).toBe(tree.binDir);
    expect(load.env.MLCHECK_TEST_SHARED).toBe('1');
  });

  it('names the module that did not load and what `module` said, and stops there', async () => {
    const tree = createModuleTree();
    const load = await loadModules({ modules: ['shared', 'no-such-module', 'pytorch-py311-cpu-gcc'], modulePaths: [tree.modulePath], env: process.env });
    expect(load).toMatchObject({ ok: false, module: 'no-such-module' });
    if (load.ok) return;
    expect(load.reason).toMatch(/^module load no-such-module failed \(exit status 1\), with \/usr\/share\/modules\/init\/bash\n  module said:\n    ERROR: Unable to locate a modulefile for 'no-such-module'\n  fix: /);
  });
});
