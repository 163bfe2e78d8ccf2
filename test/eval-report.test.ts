// `genie eval`'s pipeline end to end on a world without networks (the fake in src/eval/testing.ts) and a
// small labelled split written as lossless MP4 in the CoinRun layout: files, schema, markdown, compare.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { compareReports } from '../src/eval/compare.ts';
import { readReport, type EvalReport } from '../src/eval/report.ts';
import { runEval } from '../src/eval/run-eval.ts';
import { fakeWorld, temporaryFolder, writeBlockSplit } from '../src/eval/testing.ts';

const root = temporaryFolder('report');
let split: string;
let shifting: EvalReport;
let ignoring: EvalReport;

describe('genie eval pipeline on a fake world', () => {
  before(async () => {
    split = await writeBlockSplit(join(root, 'blocks'), { clips: 4, frames: 24, size: 16 });
    const common = { worldDir: root, dataDir: split, seed: 5, batchSize: 4, starts: [0, 4] };
    shifting = await runEval(fakeWorld({ size: 16, dynamics: 'shift' }), { ...common, outDir: join(root, 'shift') });
    ignoring = await runEval(fakeWorld({ size: 16, dynamics: 'ignore' }), { ...common, outDir: join(root, 'ignore'), clips: 2 });
  });

  it('writes report.json that parses back through the schema, with the counts behind every number', async () => {
    const report = await readReport(join(root, 'shift'));
    assert.deepEqual(report, JSON.parse(JSON.stringify(shifting)));
    assert.equal(report.data.clips, 4);
    assert.equal(report.data.frames, 96);
    assert.equal(report.data.checksum.files, 5); // actions.jsonl and 4 clips
    assert.match(report.data.checksum.sha256, /^[0-9a-f]{64}$/);
    assert.equal(report.tokenizer.frames, 96);
    assert.equal(report.tokenizer.psnr, 100); // the fake reconstructs exactly: capped PSNR
    assert.equal(report.lam.transitions, 4 * 23);
    assert.equal(report.lam.analysis.cooccurrence.flat().reduce((s, n) => s + n, 0), 92);
    assert.equal(report.dynamics.windows, 8);
    assert.equal(report.settings.seed, 5);
    assert.deepEqual(report.data.actionNames.slice(0, 3), ['LEFT+DOWN', 'LEFT', 'LEFT+UP']);
    assert.equal(report.frechet.length, 2);
    assert.ok(report.frechet.every((f) => f.realClips === 8 && f.clipFrames === 16 && !/fvd/i.test(f.extractorId)));
    assert.ok(report.speed.generationFramesPerSecond > 0);
    assert.ok(Object.keys(report.keyMap.keys).includes('ArrowRight'));
  });

  it('shows the metric can fail: Delta_t PSNR is 0 for the world that ignores actions and not for the other', () => {
    assert.equal(ignoring.controllability.deltaPsnr, 0);
    assert.ok(Math.abs(shifting.controllability.deltaPsnr) > 0.1);
  });

  it('writes report.md with tables, the published figures labelled as such, and every figure as a PNG', () => {
    const markdown = readFileSync(join(root, 'shift', 'report.md'), 'utf8');
    for (const text of ['## Summary', 'Published figures were measured by their authors', '25.51 (GenieRedux (LAM actions)', 'NOT FVD', '| t | PSNR LAM |', 'Delta_t PSNR at t=4', '| tokenizer PSNR >= 28 dB | 100.00 dB | yes |']) {
      assert.ok(markdown.includes(text), `report.md lacks '${text}'`);
    }
    // The fake world's rollouts drift away while its clips barely move, so it must fail the copy-baseline floor.
    assert.ok(shifting.dynamics.lamActions.psnr < shifting.dynamics.copyPrompt.psnr);
    assert.match(markdown, /\| rollout PSNR above the copy-the-prompt baseline \(the aim\) \| -\d+\.\d\d dB \| NO \|/);
    for (const name of ['psnrPerStep', 'ssimPerStep', 'deltaPsnr', 'cooccurrence', 'tokenizer', 'rollouts', 'actionGrid']) {
      const path = join(root, 'shift', shifting.figures[name]);
      assert.ok(existsSync(path) && path.endsWith('.png'), `figure ${name} missing`);
      assert.ok(markdown.includes(`](${shifting.figures[name]})`), `report.md does not show ${name}`);
    }
    assert.ok(existsSync(join(root, 'shift', 'index.html')));
  });

  it('compares two reports side by side and warns that they were measured on different data', () => {
    const text = compareReports(shifting, ignoring, ['shift', 'ignore']);
    const delta = text.split('\n').find((line) => line.startsWith('Delta_t PSNR'))!;
    assert.match(delta, new RegExp(`${shifting.controllability.deltaPsnr.toFixed(2)}\\s+0.00\\s+[-+]\\d+\\.\\d\\d\\s+(A|B) better`));
    assert.match(text, /warning: the reports were measured on different data/);
  });

  it('names the field when a report does not match the schema', async () => {
    const broken = { ...shifting, controllability: { ...shifting.controllability, deltaPsnr: 'high' } };
    writeFileSync(join(root, 'ignore', 'report.json'), JSON.stringify(broken));
    await assert.rejects(readReport(join(root, 'ignore')), /report\.json: field 'controllability\.deltaPsnr'/);
    await assert.rejects(readReport(join(root, 'nowhere')), /has no report\.json/);
  });
});
