/**
 * Small SVG charts drawn by hand for the load-test report: a line chart over time and a
 * horizontal bar chart. Plain strings, no dependencies and nothing fetched, so the report is one
 * self-contained file that opens anywhere.
 */

/** A point; y null is a gap (a missed sample), which breaks the line. */
export type Point = readonly [x: number, y: number | null];

export interface Series {
  name: string;
  color: string;
  points: readonly Point[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Right end of the x axis. Default: the largest x. */
  xMax?: number;
  width?: number;
  height?: number;
  /** Formats a y tick. Default: the number. */
  formatY?: (value: number) => string;
}

export interface Bar {
  label: string;
  value: number;
  color: string;
}

const MARGIN = { left: 64, right: 16, top: 40, bottom: 44 };
const FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#444"';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (axis maxima and steps). */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value - 1e-9) return step * power;
  return 10 * power;
}

/** Tick values from 0 to at least `max`, about `count` of them, on nice steps. */
export function ticks(max: number, count = 5): number[] {
  const step = niceCeil((max > 0 ? max : 1) / count);
  const out: number[] = [];
  for (let v = 0; v < max + step - 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 260;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = options.series.flatMap((s) => s.points);
  const ys = all.map(([, y]) => y).filter((y): y is number => y !== null);
  const xTicks = ticks(options.xMax ?? Math.max(1, ...all.map(([x]) => x)), 8);
  const yTicks = ticks(Math.max(1, ...ys));
  const xMax = xTicks[xTicks.length - 1]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const px = (x: number) => round(MARGIN.left + (x / xMax) * plotW);
  const py = (y: number) => round(MARGIN.top + plotH - (y / yMax) * plotH);
  const formatY = options.formatY ?? ((v: number) => String(v));

  const parts: string[] = [svgOpen(width, height, options.title), titleText(options.title)];
  for (const y of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${py(y) + 4}" text-anchor="end" ${FONT}>${escapeXml(formatY(y))}</text>`,
    );
  }
  for (const x of xTicks)
    parts.push(
      `<text x="${px(x)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle" ${FONT}>${x}</text>`,
    );
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#999"/>`,
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#999"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>${escapeXml(options.xLabel)}</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})" ${FONT}>${escapeXml(options.yLabel)}</text>`,
  );
  if (ys.length === 0)
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" ${FONT}>no data</text>`,
    );
  for (const series of options.series) {
    for (const segment of segments(series.points)) {
      const points = segment.map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
      parts.push(
        segment.length === 1
          ? `<circle cx="${px(segment[0]![0])}" cy="${py(segment[0]![1])}" r="2" fill="${series.color}"/>`
          : `<polyline fill="none" stroke="${series.color}" stroke-width="1.6" stroke-linejoin="round" points="${points}"/>`,
      );
    }
  }
  parts.push(legend(options.series, width));
  parts.push('</svg>');
  return parts.join('\n');
}

/** Horizontal bars, largest scale first as given, with their values. */
export function barChart(options: { title: string; bars: readonly Bar[]; width?: number }): string {
  const width = options.width ?? 760;
  const rowH = 24;
  const labelW = 180;
  const height = MARGIN.top + Math.max(1, options.bars.length) * rowH + 12;
  const max = Math.max(1, ...options.bars.map((b) => b.value));
  const barMaxW = width - labelW - 90;
  const parts = [svgOpen(width, height, options.title), titleText(options.title)];
  if (options.bars.length === 0)
    parts.push(`<text x="${labelW}" y="${MARGIN.top + 14}" ${FONT}>no data</text>`);
  options.bars.forEach((bar, i) => {
    const y = MARGIN.top + i * rowH;
    const w = round((bar.value / max) * barMaxW);
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" ${FONT}>${escapeXml(bar.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(w, 1)}" height="${rowH - 8}" fill="${bar.color}"/>`,
      `<text x="${labelW + w + 6}" y="${y + 15}" ${FONT}>${bar.value}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">\n<title>${escapeXml(title)}</title>`;
}

function titleText(title: string): string {
  return `<text x="${MARGIN.left}" y="18" font-family="system-ui, sans-serif" font-size="13" font-weight="600" fill="#222">${escapeXml(title)}</text>`;
}

function legend(series: readonly Series[], width: number): string {
  let x = width - MARGIN.right;
  const items: string[] = [];
  for (const s of [...series].reverse()) {
    const textW = s.name.length * 6.2;
    x -= textW;
    items.push(`<text x="${round(x)}" y="32" ${FONT}>${escapeXml(s.name)}</text>`);
    x -= 16;
    items.push(`<rect x="${round(x)}" y="24" width="10" height="10" fill="${s.color}"/>`);
    x -= 14;
  }
  return items.join('\n');
}

/** Splits a series at its gaps. */
function segments(points: readonly Point[]): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  for (const [x, y] of points) {
    if (y === null) {
      if (current.length) out.push(current);
      current = [];
    } else {
      current.push([x, y]);
    }
  }
  if (current.length) out.push(current);
  return out;
}
