/**
 * gpu-xid: Xid lines of the kernel log (fixtures in test/fixtures/kernel-log, in dmesg and
 * /dev/kmsg format) parsed with their continuation lines, given NVIDIA's meaning from
 * references/xid.yaml, matched to the probed GPUs by PCI address, and judged; the CLI half runs
 * `mlcheck probe --json` against the fake driver with MLCHECK_KMSG pointing at a fixture.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyXids, extractXids, loadXidCatalog, parseKernelLog, readKernelLog, type ProbeSnapshot, type Verdict } from '../src/probe/index.js';
import { MlcheckError } from '../src/util/errors.js';
import { schemaProblems } from '../src/util/schema-check.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeKernelLog, fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';

const fixture = (name: 'xids-dmesg.log' | 'xids-kmsg.log' | 'no-xid.log') => readFileSync(kernelLogFixture(name), 'utf8');
const GPUS = [
  { index: 0, pciBusId: '0000:07:00.0', uuid: 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f' },
  { index: 1, pciBusId: '0000:08:00.0', uuid: 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f' },
];

describe('reading the kernel log', () => {
  it('dmesg format: several GPUs, several Xids, continuation lines joined to their message', () => {
    const xids = extractXids(parseKernelLog(fixture('xids-dmesg.log')));
    expect(xids.map((x) => [x.code, x.pciAddress, x.secondsSinceBoot])).toEqual([
      [13, '0000:08:00', 1834.553131],
      [13, '0000:08:00', 1834.55314],
      [31, '0000:07:00', 2210.104411],
      [79, '0000:41:00', 3303.880021],
      [154, '0000:08:00', 3311.000101],
    ]);
    // The continuation line belongs to the first Xid 13; the crash-dump lines start no event.
    expect(xids[0]?.message).toBe('pid=48213, name=python, Graphics SM Warp Exception on (GPC 4, TPC 1, SM 0): Out Of Range Address');
    // "NVRM: GPU at PCI:... GPU-<uuid>" names the GPU that fell off the bus.
    expect(xids[3]).toMatchObject({ uuid: 'GPU-0b11d014-1685-04bd-26ed-5fc0bc1c44ae', message: "pid='<unknown>', name=<unknown>, GPU has fallen off the bus." });
    expect(xids[0]?.uuid).toBe('GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f');
  });

  it('/dev/kmsg format: \\x0a-escaped lines, dictionary lines and "+" fragments', () => {
    const records = parseKernelLog(fixture('xids-kmsg.log'));
    expect(records[2]).toMatchObject({ device: '0000:08:00.0', secondsSinceBoot: 1834.553131 });
    const xids = extractXids(records);
    expect(xids.map((x) => [x.code, x.pciAddress])).toEqual([
      [48, '0000:08:00'],
      [94, '0000:07:00'],
      [13, '0000:07:00'],
      [43, '0000:07:00'],
    ]);
    expect(xids[2]?.message).toBe('pid=50122, name=train.py, Graphics SM Warp Exception on (GPC 0, TPC 0, SM 0): Out Of Range Address');
    expect(xids[3]?.message).toBe('pid=50122, name=train.py, Ch 00000010, after an earlier error');
  });

  it('a log with no Xid at all gives none', () => {
    expect(parseKernelLog(fixture('no-xid.log')).length).toBe(8);
    expect(extractXids(parseKernelLog(fixture('no-xid.log')))).toEqual([]);
    expect(extractXids(parseKernelLog(''))).toEqual([]);
  });

  it('journalctl / syslog lines, the old "(0000:03:00)" form and a MIG instance', () => {
    const text = [
      'Dec 01 03:27:00 gpu07 kernel: NVRM: Xid (PCI:0000:3b:00 GPU-I:05): 94, pid=7194, Contained: CE User Channel (0x9). RST: No, D-RST: No',
      'Dec 01 03:27:01 gpu07 kernel: NVRM: Xid (0000:03:00): 14, Channel 00000001',
      '                                continued on the next line',
      'Dec 01 03:27:02 gpu07 kernel: EXT4-fs (nvme0n1p2): re-mounted.',
    ].join('\n');
    const xids = extractXids(parseKernelLog(text));
    expect(xids.map((x) => [x.code, x.pciAddress, x.message])).toEqual([
      [94, '0000:3b:00', 'pid=7194, Contained: CE User Channel (0x9). RST: No, D-RST: No'],
      [14, '0000:03:00', 'Channel 00000001 continued on the next line'],
    ]);
  });

  it('without /dev/kmsg the journal is read (journalctl -k -b); when neither can be, the error names both', () => {
    const log = readKernelLog({ env: {}, kmsgPath: '/nonexistent/kmsg' });
    if (log.error === null) expect(log.source).toBe('journalctl -k -b');
    else expect(log).toMatchObject({ source: null, records: [], error: expect.stringMatching(/^\/nonexistent\/kmsg: ENOENT.*; journalctl -k -b: /) });
  });

  it('MLCHECK_KMSG names the file; a missing one is an error, not an empty log', () => {
    expect(readKernelLog({ env: { MLCHECK_KMSG: kernelLogFixture('no-xid.log') } })).toMatchObject({ source: `MLCHECK_KMSG=${kernelLogFixture('no-xid.log')}`, error: null });
    const missing = readKernelLog({ env: { MLCHECK_KMSG: '/nonexistent/kmsg' } });
    expect(missing.records).toEqual([]);
    expect(missing.error).toMatch(/^MLCHECK_KMSG=\/nonexistent\/kmsg: ENOENT/);
  });
});

describe("what an Xid means (references/xid.yaml, from NVIDIA's catalogue)", () => {
  const catalog = loadXidCatalog();

  it('the Xids the issue names fail; application faults warn; unknown codes warn naming the file', () => {
    for (const code of [48, 64, 74, 79, 95, 119]) expect(catalog.severity(code, ''), `Xid ${code}`).toBe('fail');
    for (const code of [13, 31, 43, 45, 63, 94]) expect(catalog.severity(code, ''), `Xid ${code}`).toBe('warn');
    expect(catalog.lookup(79)).toMatchObject({ mnemonic: 'ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS', action: 'RESTART_BM', source: 'catalog' });
    expect(catalog.severity(9999, '')).toBe('warn');
  });

  it('Xid 154 fails only when the recovery action it reports needs a reset or a reboot', () => {
    expect(catalog.severity(154, 'GPU recovery action changed from 0x0 (None) to 0x2 (Node Reboot Required)')).toBe('fail');
    expect(catalog.severity(154, 'GPU recovery action changed from 0x0 (None) to 0x1 (GPU Reset Required)')).toBe('fail');
    expect(catalog.severity(154, 'GPU recovery action changed from 0x1 (GPU Reset Required) to 0x0 (None)')).toBe('fail');
    expect(catalog.severity(154, 'GPU recovery action changed from 0x2 (Drain P2P) to 0x0 (None)')).toBe('warn');
  });

  it('each logged Xid is matched to the probed GPU at its address', () => {
    const events = classifyXids(extractXids(parseKernelLog(fixture('xids-dmesg.log'))), catalog, GPUS);
    expect(events.map((e) => [e.code, e.gpuIndex, e.severity])).toEqual([
      [13, 1, 'warn'],
      [13, 1, 'warn'],
      [31, 0, 'warn'],
      [79, null, 'fail'],
      [154, 1, 'fail'],
    ]);
    expect(events[2]).toMatchObject({ mnemonic: 'ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT', action: 'RESTART_APP', uuid: GPUS[0]?.uuid });
  });

  describe('a broken catalogue is a usage error naming the file and the place', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-xid-catalogue-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, body: string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, body);
      return file;
    };
    const head = 'schemaVersion: 1\nsources: { catalog: "NVIDIA" }\nxids:\n';
    const cases: Array<[string, string, RegExp]> = [
      ['verdict.yaml', `${head}  - { code: 79, mnemonic: X, meaning: off the bus, action: RESTART_BM, verdict: drain, source: catalog }\n`, /xids\[0\]\.verdict[\s\S]*expected: fail or warn[\s\S]*found: "drain"/],
      ['twice.yaml', `${head}  - { code: 79, mnemonic: X, meaning: a, action: A, verdict: fail, source: catalog }\n  - { code: 79, mnemonic: X, meaning: b, action: A, verdict: warn, source: catalog }\n`, /xids\[1\]\.code[\s\S]*Xid 79 a second time/],
      ['source.yaml', `${head}  - { code: 79, mnemonic: X, meaning: a, action: A, verdict: fail, source: blog }\n`, /xids\[0\]\.source[\s\S]*a key of sources \(catalog\)[\s\S]*found: "blog"/],
      ['regex.yaml', `${head}  - { code: 154, mnemonic: X, meaning: a, action: A, verdict: warn, failWhen: "Reset(", source: catalog }\n`, /xids\[0\]\.failWhen[\s\S]*a valid regular expression/],
    ];
    it.each(cases)('%s', (name, body, message) => {
      const file = write(name, body);
      let thrown: unknown;
      try {
        loadXidCatalog(file);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MlcheckError);
      expect((thrown as MlcheckError).kind).toBe('usage');
      expect((thrown as MlcheckError).describe()).toContain(file);
      expect((thrown as MlcheckError).describe()).toMatch(message);
    });
  });
});

describe('gpu-xid through `mlcheck probe` against the fake driver', () => {
  let dirs: FakeDriverDirs;
  let node: Record<string, string | undefined>;
  beforeAll(() => {
    dirs = buildFakeDrivers();
    node = { CUDA_VISIBLE_DEVICES: undefined, SLURM_JOB_GPUS: undefined, NVIDIA_VISIBLE_DEVICES: undefined, LD_LIBRARY_PATH: dirs.both, MLCHECK_FAKE_GPUS: 'healthy', MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)), MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15') };
  });
  afterAll(() => {
    if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  });

  function xidVerdict(kmsg: string, env: Record<string, string | undefined> = {}): { verdict: Verdict; snapshot: ProbeSnapshot; code: number | null } {
    const run = runProbe(['--json', '--require', 'gpu-xid'], { ...node, MLCHECK_KMSG: kmsg, ...env });
    const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
    return { verdict: snapshot.verdicts.find((v) => v.subject === 'gpu-xid')!, snapshot, code: run.code };
  }

  it('the dmesg fixture fails, naming each GPU and the one that fell off the bus', () => {
    const { verdict, snapshot, code } = xidVerdict(kernelLogFixture('xids-dmesg.log'));
    expect(verdict.status).toBe('fail');
    expect(verdict.reason).toBe(
      [
        'GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f): Xid 13 x2 (Graphics Engine Exception (usually an application fault); NVIDIA: RESTART_APP), Xid 154 x1 (GPU Recovery Action Changed; NVIDIA: XID_154)',
        'GPU 0 (0000:07:00.0, GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f): Xid 31 x1 (GPU memory page fault (usually an application bug); NVIDIA: RESTART_APP)',
        'PCI 0000:41:00, GPU-0b11d014-1685-04bd-26ed-5fc0bc1c44ae, a GPU the driver does not show now: Xid 79 x1 (GPU has fallen off the bus; NVIDIA: RESTART_BM)',
      ].join('; '),
    );
    expect(verdict.fix).toContain("NVIDIA's immediate action");
    expect(snapshot.health.map((gpu) => gpu.checks['gpu-xid']?.status)).toEqual(['warn', 'fail']);
    expect(snapshot.health[1]?.xids.map((x) => x.code)).toEqual([13, 13, 154]);
    expect(schemaProblems('probe-health', snapshot)).toEqual([]);
    expect(code).toBe(1);
  });

  it('the kmsg fixture fails on the double-bit ECC error (Xid 48) and lists the application Xids of the other GPU', () => {
    const { verdict } = xidVerdict(kernelLogFixture('xids-kmsg.log'));
    expect(verdict.status).toBe('fail');
    expect(verdict.reason).toMatch(/^GPU 1 \(0000:08:00\.0, GPU-90a1b2c3-[^)]*\): Xid 48 x1 \(Double Bit ECC Error/);
    expect(verdict.reason).toContain('GPU 0 (0000:07:00.0, GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f): Xid 94 x1 (Contained memory error');
    expect(verdict.reason).toContain('Xid 13 x1');
    expect(verdict.reason).toContain('Xid 43 x1');
  });

  it('only application Xids: warn, the node is not failed', () => {
    const log = fakeKernelLog(['[ 10.000001] NVRM: Xid (PCI:0000:07:00): 13, pid=1, name=python, Graphics Exception', '[ 12.000001] NVRM: Xid (PCI:0000:08:00): 43, pid=2, name=python, Ch 00000010']);
    const { verdict, code } = xidVerdict(log);
    expect(verdict.status).toBe('warn');
    expect(code).toBe(0);
  });

  it("inside a job, another GPU's broken Xid only warns; outside one it fails the node", () => {
    const log = fakeKernelLog(['[ 3303.880021] NVRM: Xid (PCI:0000:41:00): 79, pid=0, GPU has fallen off the bus.']);
    expect(xidVerdict(log).verdict).toMatchObject({ status: 'fail', reason: 'PCI 0000:41:00, a GPU the driver does not show now: Xid 79 x1 (GPU has fallen off the bus; NVIDIA: RESTART_BM); 2 other GPUs logged none' });
    expect(xidVerdict(log, { CUDA_VISIBLE_DEVICES: '0,1' }).verdict).toMatchObject({ status: 'warn', reason: expect.stringContaining("PCI 0000:41:00, not one of this job's GPUs: Xid 79 x1") });
  });

  it('a log with no Xid passes; an unreadable one skips with the fix', () => {
    expect(xidVerdict(kernelLogFixture('no-xid.log')).verdict).toMatchObject({ status: 'pass', reason: `no Xid in the kernel log since boot (MLCHECK_KMSG=${kernelLogFixture('no-xid.log')})` });
    const unreadable = xidVerdict('/nonexistent/kmsg');
    expect(unreadable.verdict).toMatchObject({ status: 'skip', reason: expect.stringContaining('the kernel log could not be read: MLCHECK_KMSG=/nonexistent/kmsg: ENOENT'), fix: expect.stringContaining('run mlcheck as root') });
    expect(unreadable.code).toBe(1);
  });
});
