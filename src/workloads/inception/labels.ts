import { readFileSync } from 'node:fs';
import { DataError } from '../../util/errors.js';
import type { ModelSidecar } from './sidecar.js';

/** One name per model output (index = output index); '' for outputs without a class. */
export type ClassNames = readonly string[];

/** Finds a labels file named in a sidecar; throws when no candidate exists. */
export type LabelFileResolver = (name: string) => Promise<string>;

export async function loadClassNames(sidecar: ModelSidecar, resolve: LabelFileResolver): Promise<ClassNames> {
  const { labels, output } = sidecar;
  if (labels.kind === 'lines') {
    const file = await resolve(labels.file!);
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    if (lines.length + labels.offset !== output.classes) {
      throw new DataError(`labels file ${file} has ${lines.length} lines but the model has ${output.classes} outputs${labels.offset ? ` and label offset ${labels.offset}` : ''}`, {
        file,
        expected: `${output.classes - labels.offset} lines (${output.classes} outputs - offset ${labels.offset})`,
        found: `${lines.length} lines`,
        fix: `use the labels file that belongs to the model, or correct output.classes / labels.offset in ${sidecar.source}`,
      });
    }
    return [...Array<string>(labels.offset).fill(''), ...lines.map((line) => line.trim())];
  }
  return inceptionClassNames(await resolve(labels.labelMap!), await resolve(labels.synsets!), output.classes);
}

/**
 * Inception-v3 (2015-12-05) has 1008 outputs: the .pbtxt maps output index (target_class) to a
 * synset id, the synset map gives its human name (classify_image.py's NodeLookup).
 */
export function inceptionClassNames(labelMapFile: string, synsetFile: string, classes: number): ClassNames {
  const humanNames = new Map<string, string>();
  readFileSync(synsetFile, 'utf8')
    .split(/\r?\n/)
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const match = /^(n\d{8})\t(.+)$/.exec(line);
      if (!match) throw new DataError(`${synsetFile} line ${index + 1} is not "<synset>\\t<name>"`, { file: synsetFile, line: index + 1, expected: 'n01234567<TAB>name', found: line.slice(0, 80) });
      humanNames.set(match[1]!, match[2]!.trim());
    });
  const names = Array<string>(classes).fill('');
  const text = readFileSync(labelMapFile, 'utf8');
  const entry = /target_class:\s*(\d+)\s*target_class_string:\s*"(n\d{8})"/g;
  let count = 0;
  for (let match = entry.exec(text); match; match = entry.exec(text)) {
    const index = Number(match[1]);
    const line = text.slice(0, match.index).split('\n').length;
    if (index >= classes) {
      throw new DataError(`label map ${labelMapFile} maps class ${index} but the model has ${classes} outputs`, { file: labelMapFile, line, expected: `target_class < ${classes}`, found: String(index), fix: 'use the label map that belongs to the model' });
    }
    const name = humanNames.get(match[2]!);
    if (name === undefined) throw new DataError(`synset ${match[2]} of ${labelMapFile} is not in ${synsetFile}`, { file: synsetFile, expected: `a line for ${match[2]}` });
    names[index] = name;
    count++;
  }
  if (count === 0) throw new DataError(`${labelMapFile} has no "target_class / target_class_string" entries`, { file: labelMapFile, expected: 'imagenet_2012_challenge_label_map_proto.pbtxt' });
  return names;
}

/** "giant panda, panda, panda bear, ..." -> "giant panda": the name the manual prints. */
export function shortName(label: string): string {
  return label.split(',')[0]!.trim();
}
