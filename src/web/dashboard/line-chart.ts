/**
 * A small SVG line chart for the last 15 minutes, drawn by hand: a few hundred points a chart do
 * not need a chart library. Screen readers get the latest values as the chart's label, and the
 * legend shows them as text.
 */

export interface Series {
  name: string;
  color: string;
}

export interface Point {
  at: number;
  /** One value per series; null where it is not known. */
  values: (number | null)[];
}

const SVG = 'http://www.w3.org/2000/svg';
/** Drawn at the size it is shown, so its text stays readable on a phone; this until laid out. */
const DEFAULT_WIDTH = 560;
const MIN_WIDTH = 260;
const HEIGHT = 150;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };

/** 1, 2 or 5 times a power of ten, at least `max`: round axis labels. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

export class LineChart {
  readonly #svg: SVGSVGElement;
  readonly #legend: HTMLElement;
  readonly #series: readonly Series[];
  readonly #format: (value: number) => string;
  readonly #title: string;
  readonly #minCeiling: number;

  constructor(
    figure: HTMLElement,
    options: {
      title: string;
      series: readonly Series[];
      format: (value: number) => string;
      /** The y axis reaches at least this, so an idle chart is not scaled to noise. */
      minCeiling: number;
    },
  ) {
    this.#minCeiling = options.minCeiling;
    this.#series = options.series;
    this.#format = options.format;
    this.#title = options.title;
    this.#svg = el('svg', {
      viewBox: `0 0 ${DEFAULT_WIDTH} ${HEIGHT}`,
      role: 'img',
      class: 'chart',
    });
    this.#legend = document.createElement('ul');
    this.#legend.className = 'legend';
    figure.append(this.#svg, this.#legend);
  }

  render(points: readonly Point[], windowMs: number, now: number): void {
    const WIDTH = Math.max(MIN_WIDTH, Math.round(this.#svg.clientWidth || DEFAULT_WIDTH));
    this.#svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    const from = now - windowMs;
    const visible = points.filter((p) => p.at >= from);
    const max = niceCeiling(
      Math.max(this.#minCeiling, ...visible.flatMap((p) => p.values.filter((v): v is number => v !== null))),
    );
    const x = (at: number) => PAD.left + ((at - from) / windowMs) * (WIDTH - PAD.left - PAD.right);
    const y = (v: number) => PAD.top + (1 - v / max) * (HEIGHT - PAD.top - PAD.bottom);

    const children: SVGElement[] = [];
    for (const fraction of [0, 0.5, 1]) {
      const value = max * fraction;
      children.push(
        el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' }),
        Object.assign(el('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis' }), {
          textContent: this.#format(value),
        }),
      );
    }
    children.push(
      Object.assign(el('text', { x: PAD.left, y: HEIGHT - 4, class: 'axis' }), { textContent: '−15 min' }),
      Object.assign(
        el('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end', class: 'axis' }),
        {
          textContent: 'now',
        },
      ),
    );
    this.#series.forEach((series, index) => {
      // A gap in the data (null) breaks the line rather than drawing through it.
      let segment: string[] = [];
      const flush = () => {
        if (segment.length > 0)
          children.push(
            el('polyline', {
              points: segment.join(' '),
              fill: 'none',
              stroke: series.color,
              'stroke-width': 2,
              'vector-effect': 'non-scaling-stroke',
            }),
          );
        segment = [];
      };
      for (const p of visible) {
        const v = p.values[index];
        if (v === null || v === undefined) flush();
        else segment.push(`${x(p.at).toFixed(1)},${y(v).toFixed(1)}`);
      }
      flush();
    });
    this.#svg.replaceChildren(...children);

    const latest = visible.at(-1);
    const parts = this.#series.map((series, index) => {
      const v = latest?.values[index];
      return { series, text: v === null || v === undefined ? '–' : this.#format(v) };
    });
    this.#svg.setAttribute(
      'aria-label',
      `${this.#title}, last 15 minutes. Now: ${parts.map((p) => `${p.series.name} ${p.text}`).join(', ')}.`,
    );
    this.#legend.replaceChildren(
      ...parts.map(({ series, text }) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = series.color;
        swatch.setAttribute('aria-hidden', 'true');
        item.append(swatch, `${series.name}: `);
        const value = document.createElement('strong');
        value.textContent = text;
        item.append(value);
        return item;
      }),
    );
  }
}
