// Grids of frames, rows x columns, for reconstructions, rollouts beside ground truth and the same prompt
// under each latent action. Frames are scaled up with nearest-neighbour (a 64x64 game frame blurred by
// interpolation hides exactly the detail a reader wants to judge) and placed with sharp's compositing;
// optional row and column labels and a title are drawn as SVG text on top.
import sharp from 'sharp';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { assertValidFrame, toUint8Frame, type ImageFrame } from '../metrics/frame.ts';
import { escapeXml, type WrittenFigure } from './render.ts';

export interface ImageGridOptions {
  rows: readonly (readonly ImageFrame[])[]; // a row may be shorter than the longest; its missing cells stay blank
  dataRange: number; // 255 for uint8 frames, 1 for [0,1] floats
  scale?: number; // each frame pixel becomes scale x scale pixels
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  title?: string;
}

const GAP = 4; // pixels between and around frames
const LABEL_FONT_SIZE = 14;
const CHARACTER_WIDTH = 8.5; // generous for a 14px sans-serif, so labels never overflow their margin
const COLUMN_LABEL_HEIGHT = 22;
const TITLE_HEIGHT = 30;
const TITLE_CHARACTER_WIDTH = 11; // 17px bold

export async function writeImageGrid(pngPath: string, options: ImageGridOptions): Promise<WrittenFigure> {
  const { rows, dataRange, scale = 4, rowLabels, columnLabels, title } = options;
  const first = rows.find((row) => row.length > 0)?.[0];
  if (first === undefined) throw new Error(`image grid ${pngPath}: no frames`);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`image grid ${pngPath}: scale must be a positive integer, got ${scale}`);
  const columns = Math.max(...rows.map((row) => row.length));
  if (rowLabels && rowLabels.length !== rows.length) throw new Error(`image grid ${pngPath}: ${rowLabels.length} row labels for ${rows.length} rows`);
  if (columnLabels && columnLabels.length !== columns) throw new Error(`image grid ${pngPath}: ${columnLabels.length} column labels for ${columns} columns`);

  const tileWidth = first.width * scale;
  const tileHeight = first.height * scale;
  const left = rowLabels ? Math.ceil(Math.max(...rowLabels.map((l) => l.length)) * CHARACTER_WIDTH) + 2 * GAP : 0;
  const top = (title ? TITLE_HEIGHT : 0) + (columnLabels ? COLUMN_LABEL_HEIGHT : 0);
  const titleWidth = title ? Math.ceil(title.length * TITLE_CHARACTER_WIDTH) + 2 * GAP : 0;
  const width = Math.max(left + columns * tileWidth + (columns + 1) * GAP, titleWidth);
  const height = top + rows.length * tileHeight + (rows.length + 1) * GAP;
  const tileLeft = (column: number) => left + GAP + column * (tileWidth + GAP);
  const tileTop = (row: number) => top + GAP + row * (tileHeight + GAP);

  const tiles = await Promise.all(
    rows.flatMap((row, r) =>
      row.map(async (frame, c) => {
        assertValidFrame(frame, `image grid ${pngPath}: row ${r}, column ${c}`);
        if (frame.height !== first.height || frame.width !== first.width || (frame.channels !== 1 && frame.channels !== 3)) {
          throw new Error(
            `image grid ${pngPath}: row ${r}, column ${c} is ${frame.height}x${frame.width}x${frame.channels}; ` +
              `every frame must be ${first.height}x${first.width} with 1 or 3 channels`,
          );
        }
        const { data, channels } = toUint8Frame(frame, dataRange);
        const scaled = await sharp(data, { raw: { width: frame.width, height: frame.height, channels: channels as 1 | 3 } })
          .resize(tileWidth, tileHeight, { kernel: 'nearest' })
          .toColourspace('srgb')
          .raw()
          .toBuffer({ resolveWithObject: true });
        const raw = { width: tileWidth, height: tileHeight, channels: scaled.info.channels };
        return { input: scaled.data, raw, left: tileLeft(c), top: tileTop(r) };
      }),
    ),
  );

  // A thin grey outline in the gap around each frame, so a white or empty-looking frame still shows its extent.
  const outlines = rows.flatMap((row, r) =>
    row.map((_, c) => `<rect x="${tileLeft(c) - 0.5}" y="${tileTop(r) - 0.5}" width="${tileWidth + 1}" height="${tileHeight + 1}" fill="none" stroke="#bbbbbb" stroke-width="1"/>`),
  );
  const svgElements = [
    ...outlines,
    ...(title ? [svgText(title, width / 2, TITLE_HEIGHT - 9, 'middle', 17, 'bold')] : []),
    ...(columnLabels ?? []).map((label, c) => svgText(label, tileLeft(c) + tileWidth / 2, top - 6, 'middle')),
    ...(rowLabels ?? []).map((label, r) => svgText(label, left - GAP, tileTop(r) + tileHeight / 2 + LABEL_FONT_SIZE / 3, 'end')),
  ];
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgElements.join('')}</svg>`;

  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...tiles, { input: Buffer.from(overlay), left: 0, top: 0 }])
    .png()
    .toBuffer();
  await writeFileAtomic(pngPath, png);
  return { png: pngPath, width, height };
}

function svgText(text: string, x: number, y: number, anchor: 'start' | 'middle' | 'end', size = LABEL_FONT_SIZE, weight = 'normal'): string {
  return (
    `<text x="${x}" y="${y}" text-anchor="${anchor}" font-family="DejaVu Sans, Liberation Sans, sans-serif" ` +
    `font-size="${size}" font-weight="${weight}" fill="#222">${escapeXml(text)}</text>`
  );
}
