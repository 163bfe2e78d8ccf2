import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFigurePage } from './html-page.ts';
import { temporaryFolder } from './test-output.ts';

describe('writeFigurePage', () => {
  it('links figures relative to the page, with escaped captions, under section headings', async () => {
    const folder = temporaryFolder();
    mkdirSync(join(folder, 'figures'));
    writeFileSync(join(folder, 'figures', 'loss curve.png'), 'png');
    const page = join(folder, 'index.html');
    await writeFigurePage(page, {
      title: 'Run <tiny>',
      intro: ['Trained for 10 steps.'],
      sections: [{ heading: 'Tokenizer', paragraphs: ['PSNR & SSIM'], figures: [{ path: join(folder, 'figures', 'loss curve.png'), caption: 'Loss "train" < 1' }] }],
    });
    const html = readFileSync(page, 'utf8');
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('<title>Run &lt;tiny&gt;</title>'));
    assert.ok(html.includes('<h2>Tokenizer</h2>'));
    assert.ok(html.includes('<p>PSNR &amp; SSIM</p>'));
    assert.ok(html.includes('<img src="figures/loss%20curve.png"'));
    assert.ok(html.includes('<figcaption>Loss &quot;train&quot; &lt; 1</figcaption>'));
  });

  it('refuses to link a figure that does not exist', async () => {
    const folder = temporaryFolder();
    await assert.rejects(
      writeFigurePage(join(folder, 'index.html'), { title: 'T', sections: [{ heading: 'H', figures: [{ path: join(folder, 'missing.png'), caption: 'c' }] }] }),
      /the figure .*missing\.png does not exist/,
    );
  });
});
