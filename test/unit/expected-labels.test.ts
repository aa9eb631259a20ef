/**
 * The one label check (src/references/expected-labels.ts judgeExpectedLabels): a classifier's
 * raw top-5 per image against the profile's expected labels, with each model's score floor.
 * In memory: no model, no child process.
 */
import { describe, expect, it } from 'vitest';
import { judgeExpectedLabels, labelMatches, type ExpectedLabel } from '../../src/references/expected-labels.js';
import type { ClassifiedImage, ImageClassifications } from '../../src/workloads/types.js';

const PANDA = 'giant panda, panda, panda bear, coon bear, Ailuropoda melanoleuca';
const panda: ExpectedLabel = { image: 'panda', top1: ['giant panda'], minScore: 0, minScoreByModel: { inception_v3_2015_12_05: 0.8, 'mobilenet_v2_1.0_224': 0.9 } };
const cat: ExpectedLabel = { image: 'cat', top1: ['tabby', 'Egyptian cat'], minScore: 0 };

/** An image's answers as a workload prints them: its file line, then one line per answer. */
function classified(modelId: string, answers: Record<string, [string, number][]>): { classifications: ImageClassifications; lines: string[] } {
  const lines = [`model: ${modelId}`];
  const images: ClassifiedImage[] = Object.entries(answers).map(([image, top]) => {
    lines.push(`${image}.jpg:`, ...top.map(([label, score]) => `${label.split(',')[0]} (score = ${score.toFixed(5)})`));
    return { image, file: `/data/${image}.jpg`, top5: top.map(([label, score], index) => ({ index, label, score })), linesEnd: lines.length };
  });
  lines.push('where it ran: cpu');
  return { classifications: { modelId, images }, lines };
}

describe('judgeExpectedLabels', () => {
  it('passes a top-1 that is one of the expected names at or above the model floor', () => {
    const { classifications, lines } = classified('mobilenet_v2_1.0_224', { panda: [[PANDA, 0.984], ['indri', 0.01]], cat: [['Egyptian cat', 0.849]] });
    const judged = judgeExpectedLabels(classifications, [panda, cat], lines);
    expect(judged.metrics).toEqual({ expected_labels_missed: { value: 0, unit: 'images' } });
    expect(judged.lines).toEqual(lines);
    expect(judged.details.missed).toBeUndefined();
    expect(judged.details.predictions).toEqual([
      { image: 'panda', file: '/data/panda.jpg', expected: ['giant panda'], minScore: 0.9, passed: true, top5: classifications.images[0]!.top5 },
      { image: 'cat', file: '/data/cat.jpg', expected: ['tabby', 'Egyptian cat'], minScore: 0, passed: true, top5: classifications.images[1]!.top5 },
    ]);
  });

  it("fails a top-1 below the model's own floor, and notes it after that image's answers", () => {
    const { classifications, lines } = classified('mobilenet_v2_1.0_224', { panda: [[PANDA, 0.89107]], cat: [['tabby, tabby cat', 0.7]] });
    const judged = judgeExpectedLabels(classifications, [panda, cat], lines);
    expect(judged.metrics.expected_labels_missed!.value).toBe(1);
    expect(judged.lines).toEqual([
      'model: mobilenet_v2_1.0_224',
      'panda.jpg:',
      'giant panda (score = 0.89107)',
      '  expected top-1: giant panda with score >= 0.9 (mobilenet_v2_1.0_224)',
      'cat.jpg:',
      'tabby (score = 0.70000)',
      'where it ran: cpu',
    ]);
    expect(judged.details.missed).toEqual(['panda: top-1 giant panda 0.89107, expected giant panda >= 0.9']);
    // Inception-v3's floor for the same answer is 0.8; a model the file does not list has none.
    expect(judgeExpectedLabels({ ...classifications, modelId: 'inception_v3_2015_12_05' }, [panda, cat], lines).metrics.expected_labels_missed!.value).toBe(0);
    expect(judgeExpectedLabels({ ...classifications, modelId: 'resnet50' }, [panda, cat], lines).details.predictions[0]!.minScore).toBe(0);
  });

  it('fails a wrong label whatever its score, naming the miss without a floor where there is none', () => {
    const { classifications, lines } = classified('always-goldfish', { panda: [['goldfish, Carassius auratus', 0.99]] });
    const judged = judgeExpectedLabels(classifications, [panda], lines);
    expect(judged.metrics.expected_labels_missed!.value).toBe(1);
    expect(judged.details.missed).toEqual(['panda: top-1 goldfish 0.99000, expected giant panda']);
    expect(judged.lines).toContain('  expected top-1: giant panda');
  });

  it('counts an expected image the classifier gave no answer for as missed', () => {
    const judged = judgeExpectedLabels({ modelId: 'm', images: [{ image: 'panda', top5: [] }] }, [panda, cat]);
    expect(judged.metrics.expected_labels_missed!.value).toBe(2);
    expect(judged.details.missed).toEqual(['panda: top-1 none, expected giant panda', 'cat: top-1 none, expected tabby | Egyptian cat']);
    expect(judged.lines).toEqual([]);
  });

  it("adds no note for an image whose answers have no block of their own in the lines (an installed script's output)", () => {
    const lines = ['classify_image.py (installed, run unchanged):', 'goldfish, Carassius auratus (score = 0.99000)'];
    const judged = judgeExpectedLabels({ modelId: 'inception_v3_2015_12_05', images: [{ image: 'panda', top5: [{ label: 'goldfish, Carassius auratus', score: 0.99 }] }] }, [panda], lines);
    expect(judged.metrics.expected_labels_missed!.value).toBe(1);
    expect(judged.lines).toEqual(lines);
    expect(judged.details.predictions[0]).not.toHaveProperty('file');
  });

  it('matches any of the comma-separated names of a label, or the whole label, ignoring case and spaces', () => {
    expect(labelMatches(PANDA, ['Panda Bear'])).toBe(true);
    expect(labelMatches(PANDA, [` ${PANDA} `])).toBe(true);
    expect(labelMatches(PANDA, ['red panda'])).toBe(false);
  });
});
