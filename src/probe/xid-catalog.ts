import path from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { readConfigFile, throwConfigProblem, type ConfigFileKind } from '../util/schema-check.js';
import type { XidSeverity } from './health-types.js';

/** One Xid of references/xid.yaml. */
export interface XidMeaning {
  code: number;
  mnemonic: string;
  meaning: string;
  action: string;
  verdict: XidSeverity;
  failWhen?: string;
  source: string;
}

interface XidDocument {
  sources: Record<string, string>;
  xids: XidMeaning[];
}

export interface XidCatalog {
  file: string;
  lookup(code: number): XidMeaning | undefined;
  /** The severity of one Xid line: its verdict, raised to fail when its failWhen matches the message. */
  severity(code: number, message: string): XidSeverity;
}

const KIND: ConfigFileKind = { schema: 'xid', what: 'Xid catalogue' };

export const defaultXidCatalogFile = (): string => path.join(packageRoot, 'references', 'xid.yaml');

const cache = new Map<string, XidCatalog>();

/** references/xid.yaml (or another file of that format), checked against schema/xid.schema.json. */
export function loadXidCatalog(file: string = defaultXidCatalogFile()): XidCatalog {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const document = readConfigFile<XidDocument>(file, KIND);
  const byCode = new Map<number, XidMeaning>();
  const patterns = new Map<number, RegExp>();
  document.xids.forEach((entry, position) => {
    if (byCode.has(entry.code)) throwConfigProblem(file, KIND, { path: `xids[${position}].code`, expected: 'one entry per Xid code', found: `Xid ${entry.code} a second time` });
    if (document.sources[entry.source] === undefined) {
      throwConfigProblem(file, KIND, { path: `xids[${position}].source`, expected: `a key of sources (${Object.keys(document.sources).join(', ')})`, found: JSON.stringify(entry.source) });
    }
    if (entry.failWhen !== undefined) patterns.set(entry.code, new RegExp(entry.failWhen, 'i'));
    byCode.set(entry.code, entry);
  });
  const catalog: XidCatalog = {
    file,
    lookup: (code) => byCode.get(code),
    severity: (code, message) => {
      const entry = byCode.get(code);
      if (entry === undefined) return 'warn';
      return entry.verdict === 'fail' || patterns.get(code)?.test(message) === true ? 'fail' : 'warn';
    },
  };
  cache.set(file, catalog);
  return catalog;
}
