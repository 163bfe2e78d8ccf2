// Line charts of several series: training curves (loss, PSNR, codebook usage, learning rate against
// step) and per-step rollout curves (PSNR against generated frame, model vs baselines).
import type { TopLevelSpec } from 'vega-lite';
import { writeChart, type WrittenFigure } from './render.ts';

export interface LineSeries {
  name: string;
  points: readonly { x: number; y: number }[];
}

export interface HorizontalRule {
  y: number;
  label: string; // e.g. 'GenieRedux (published): 25.51'
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  rules?: readonly HorizontalRule[]; // dashed reference levels, labelled at the right end
  yScale?: 'linear' | 'log';
  showPoints?: boolean; // markers on every point: for short curves such as 10 rollout steps
  width?: number; // of the whole chart including axes and legend, in SVG pixels (the PNG is PNG_SCALE times larger)
  height?: number;
}

export function lineChartSpec(options: LineChartOptions): TopLevelSpec {
  const { title, xLabel, yLabel, series, rules = [], yScale = 'linear', showPoints = false, width = 640, height = 360 } = options;
  if (series.length === 0) throw new Error(`line chart '${title}': no series to draw`);
  const names = series.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new Error(`line chart '${title}': two series are named '${duplicate}'`);
  // NaN/Infinity cannot be drawn (and a log axis cannot show y <= 0): such points are left out, so a
  // diverged run shows where its curve stops rather than breaking the chart.
  const drawable = (y: number) => Number.isFinite(y) && (yScale === 'linear' || y > 0);
  const values = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && drawable(p.y)).map((p) => ({ series: s.name, x: p.x, y: p.y })));
  if (values.length === 0) throw new Error(`line chart '${title}': no finite points to draw`);
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: names }, legend: { orient: 'bottom', columns: Math.min(names.length, 4), labelLimit: 400 } } as const;
  const y = { field: 'y', type: 'quantitative', title: yLabel, scale: yScale === 'log' ? ({ type: 'log' } as const) : ({ zero: false } as const) } as const;
  // Steps and frame indices are integers: label them 1, 2, 3 rather than 1.0, 1.5, 2.0.
  const integerX = values.every((v) => Number.isInteger(v.x));
  const x = { field: 'x', type: 'quantitative', title: xLabel, scale: { zero: false }, axis: integerX ? { format: ',d', tickMinStep: 1 } : {} } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 8,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: showPoints, strokeWidth: 2 },
        encoding: { x, y, color: colour },
      },
      ...rules.map((rule) => ({
        data: { values: [{ y: rule.y, label: rule.label }] },
        layer: [
          { mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#555' }, encoding: { y } },
          {
            mark: { type: 'text' as const, align: 'right' as const, baseline: 'bottom' as const, dy: -3, x: 'width' as const, color: '#333' },
            encoding: { y, text: { field: 'label', type: 'nominal' as const } },
          },
        ],
      })),
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } },
  };
}

export async function writeLineChart(pngPath: string, options: LineChartOptions): Promise<WrittenFigure> {
  return writeChart(pngPath, lineChartSpec(options));
}
