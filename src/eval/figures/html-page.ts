// A plain, self-explaining HTML page that shows figures with captions: the page `genie runs plot` and
// eval reports write beside their PNGs. Figures are linked by paths relative to the page, so the folder
// can be moved or zipped as a whole.
import { existsSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { escapeXml } from './render.ts';

export interface PageFigure {
  path: string; // the image file, absolute or relative to the working directory
  caption: string;
}

export interface PageSection {
  heading: string;
  paragraphs?: readonly string[];
  figures: readonly PageFigure[];
}

export interface FigurePageOptions {
  title: string;
  intro?: readonly string[]; // paragraphs under the title
  sections: readonly PageSection[];
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
  figure { margin: 1.5em 0; }
  img { max-width: 100%; border: 1px solid #ddd; }
  figcaption { color: #555; margin-top: 0.4em; }
`;

export async function writeFigurePage(pagePath: string, options: FigurePageOptions): Promise<string> {
  const pageDirectory = dirname(pagePath);
  const figureHtml = (figure: PageFigure) => {
    if (!existsSync(figure.path)) throw new Error(`figure page ${pagePath}: the figure ${figure.path} does not exist (write it before the page)`);
    const source = relative(pageDirectory, figure.path).split(sep).map(encodeURIComponent).join('/');
    return `<figure><img src="${source}" alt="${escapeXml(figure.caption)}"><figcaption>${escapeXml(figure.caption)}</figcaption></figure>`;
  };
  const paragraphs = (texts: readonly string[] = []) => texts.map((text) => `<p>${escapeXml(text)}</p>`).join('\n');
  const body = options.sections
    .map((section) => [`<h2>${escapeXml(section.heading)}</h2>`, paragraphs(section.paragraphs), ...section.figures.map(figureHtml)].join('\n'))
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(options.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(options.title)}</h1>`,
    paragraphs(options.intro),
    body,
    '</body></html>',
    '',
  ].join('\n');
  await writeFileAtomic(pagePath, html);
  return pagePath;
}
