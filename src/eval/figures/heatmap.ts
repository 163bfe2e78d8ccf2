// A heat map with the number written in every cell: the latent x true action co-occurrence matrix.
import type { TopLevelSpec } from 'vega-lite';
import { writeChart, type WrittenFigure } from './render.ts';

export interface HeatmapOptions {
  title: string;
  matrix: readonly (readonly number[])[]; // (rows, columns)
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  rowTitle: string; // e.g. 'latent action'
  columnTitle: string; // e.g. 'true action'
  format?: string; // d3-format for the cell numbers; default ',d' for integers, '.2f' otherwise
  cellSize?: number; // SVG pixels per cell
}

// Room around the cells for the title, axis labels and titles, and the colour legend.
const MARGIN_WIDTH = 180;
const MARGIN_HEIGHT = 110;
const APPROXIMATE_CHARACTER_WIDTH = 7.5; // of a 12px label

export function heatmapSpec(options: HeatmapOptions): TopLevelSpec {
  const { title, matrix, rowLabels, columnLabels, rowTitle, columnTitle, cellSize = 44 } = options;
  if (matrix.length === 0 || matrix[0].length === 0) throw new Error(`heat map '${title}': the matrix is empty`);
  if (rowLabels.length !== matrix.length) throw new Error(`heat map '${title}': ${rowLabels.length} row labels for ${matrix.length} rows`);
  matrix.forEach((row, i) => {
    if (row.length !== columnLabels.length) throw new Error(`heat map '${title}': row ${i} has ${row.length} values for ${columnLabels.length} column labels`);
  });
  const flat = matrix.flat();
  if (flat.some((v) => !Number.isFinite(v))) throw new Error(`heat map '${title}': the matrix holds a non-finite value`);
  const format = options.format ?? (flat.every(Number.isInteger) ? ',d' : '.2f');
  const values = matrix.flatMap((row, i) => row.map((value, j) => ({ row: rowLabels[i], column: columnLabels[j], value })));
  const highest = Math.max(...flat);
  const sorted = (labels: readonly string[]) => ({ sort: [...labels] });
  // Column labels wider than a cell (CoinRun's 'RIGHT+DOWN') are slanted, and the chart grows to fit them.
  const longestColumnLabel = Math.max(...columnLabels.map((label) => label.length));
  const slanted = longestColumnLabel * APPROXIMATE_CHARACTER_WIDTH > cellSize;
  const labelHeight = slanted ? Math.ceil(longestColumnLabel * APPROXIMATE_CHARACTER_WIDTH * Math.SQRT1_2) : 0;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    data: { values },
    width: columnLabels.length * cellSize + MARGIN_WIDTH,
    height: matrix.length * cellSize + MARGIN_HEIGHT + labelHeight,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 8,
    encoding: {
      x: { field: 'column', type: 'ordinal', title: columnTitle, ...sorted(columnLabels), axis: { orient: 'top', labelAngle: slanted ? -45 : 0, labelAlign: slanted ? 'left' : 'center' } },
      y: { field: 'row', type: 'ordinal', title: rowTitle, ...sorted(rowLabels) },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', title: null, scale: { scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'value', type: 'quantitative', format },
          // Light text on the dark half of the colour scale, dark text on the light half.
          color: { condition: { test: `datum.value > ${highest / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { axis: { labelFontSize: 12, titleFontSize: 12, domain: false, ticks: false } },
  };
}

export async function writeHeatmap(pngPath: string, options: HeatmapOptions): Promise<WrittenFigure> {
  return writeChart(pngPath, heatmapSpec(options));
}
