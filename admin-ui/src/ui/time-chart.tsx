import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart; null values are gaps. */
export interface TimeSeries {
  label: string;
  values: Array<number | null>;
  /** A CSS variable name (`--accent`) or a colour. */
  color: string;
}

const cssColor = (c: string, fallback: string) => (c.startsWith('--') ? getComputedStyle(document.documentElement).getPropertyValue(c).trim() || fallback : c);

/**
 * Lines over time (uPlot: small and fast), `xs` in Unix seconds, resized with
 * its box. `label` names it for screen readers; the page shows the numbers
 * in a table too.
 */
export function TimeChart({ label, xs, series, unit, height = 160 }: { label: string; xs: number[]; series: TimeSeries[]; unit?: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const muted = cssColor('--muted', '#888');
    const axis = { stroke: muted, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
    plot.current = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, size: 50, values: (_u, ticks) => ticks.map((v) => `${+v.toFixed(2)}${unit ?? ''}`) }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: cssColor(s.color, '#2f6fed'), width: 2, spanGaps: false, points: { show: true, size: 4 } }))],
      },
      [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt when the lines change; new data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, unit, height]);
  useEffect(() => {
    plot.current?.setData([xs, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [xs, series]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
