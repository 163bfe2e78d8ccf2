// Charts are Vega-Lite specs rendered headless: vega-lite compiles the spec, vega lays it out and writes
// SVG with its 'none' renderer (no canvas package, no browser), and sharp (librsvg) rasterises the SVG.
// Every chart is written twice, as PNG for reports and as SVG beside it for anyone who wants to zoom.
import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../../util/atomic-file.ts';

// PNGs are drawn at twice the chart's nominal size so text stays crisp on high-density screens.
export const PNG_SCALE = 2;

export interface WrittenFigure {
  png: string;
  svg?: string;
  width: number; // of the PNG, pixels
  height: number;
}

// Fonts every Debian/Ubuntu system has (fonts-dejavu-core comes with librsvg's fontconfig).
const CHART_FONT = 'DejaVu Sans, Liberation Sans, sans-serif';

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: vega takes seconds to import, and most commands that import figures draw no chart.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const configured: TopLevelSpec = {
    ...spec,
    background: 'white',
    config: { font: CHART_FONT, ...spec.config },
  };
  const view = new vega.View(vega.parse(compile(configured).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeChart(pngPath: string, spec: TopLevelSpec): Promise<WrittenFigure> {
  if (!pngPath.endsWith('.png')) throw new Error(`writeChart: the output path must end in .png, got ${pngPath}`);
  const svg = await vegaLiteToSvg(spec);
  const png = await sharp(Buffer.from(svg), { density: 72 * PNG_SCALE }).png().toBuffer({ resolveWithObject: true });
  const svgPath = pngPath.replace(/\.png$/, '.svg');
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, png.data);
  return { png: pngPath, svg: svgPath, width: png.info.width, height: png.info.height };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}
