/** The scorecard page's shares by week or month as lines, with the target lines dashed: only the ECharts parts it uses, so this chunk stays small. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { Rate } from './scorecard.model';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, CanvasRenderer]);

// Contrast ≥ 3:1 against white for each line colour (non-text contrast).
const COLORS: Record<Rate, string> = {
  onTimeRate: '#1e3a8a',
  onlineRate: '#0f766e',
  digitizedRate: '#b45309',
  satisfactionRate: '#7e22ce',
};

export default function TrendChart({
  points,
  targets,
  labels,
  lang,
  describedBy,
}: {
  points: ({ label: string } & Record<Rate, number | null>)[];
  /** The target line of each rate that has one. */
  targets: Partial<Record<Rate, number>>;
  labels: Record<Rate, string>;
  lang: 'vi' | 'en';
  describedBy: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const narrow = typeof window !== 'undefined' && window.innerWidth < 640;
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    const fmt = (v: number) => `${Math.round(v * 100)} %`;
    chart.setOption({
      aria: { enabled: false },
      animation: false,
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt(v) : '—') },
      legend: { top: 0, textStyle: { color: '#1b1f24' } },
      grid: { left: 8, right: 16, top: narrow ? 56 : 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: points.map((g) => g.label), axisLabel: { color: '#47505b' } },
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { color: '#47505b', formatter: fmt } },
      series: (Object.keys(COLORS) as Rate[]).map((r) => ({
        name: labels[r],
        type: 'line',
        data: points.map((g) => g[r]),
        connectNulls: false,
        itemStyle: { color: COLORS[r] },
        lineStyle: { color: COLORS[r], width: 2 },
        ...(targets[r] !== undefined
          ? {
              markLine: {
                silent: true,
                symbol: 'none',
                label: { show: false },
                lineStyle: { color: COLORS[r], type: 'dashed', width: 1 },
                data: [{ yAxis: targets[r] }],
              },
            }
          : {}),
      })),
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [points, targets, labels, lang, narrow]);
  // The canvas is an image to assistive technology: its name says the table below has the figures.
  return (
    <div
      ref={ref}
      className="overview-chart"
      style={{ height: 300 }}
      role="img"
      aria-label={labels.onTimeRate}
      aria-describedby={describedBy}
    />
  );
}
