/** The scorecard page's month-by-month shares as lines: only the ECharts parts it uses, so this chunk stays small. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { Rate } from './scorecard.model';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

// Contrast ≥ 3:1 against white for each line colour (non-text contrast).
const COLORS: Record<Rate, string> = {
  onTimeRate: '#1e3a8a',
  onlineRate: '#0f766e',
  digitizedRate: '#b45309',
  satisfactionRate: '#7e22ce',
};

export default function TrendChart({
  groups,
  labels,
  lang,
  describedBy,
}: {
  groups: ({ key: string } & Record<Rate, number | null>)[];
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
      xAxis: { type: 'category', data: groups.map((g) => g.key.slice(0, 7)), axisLabel: { color: '#47505b' } },
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { color: '#47505b', formatter: fmt } },
      series: (Object.keys(COLORS) as Rate[]).map((r) => ({
        name: labels[r],
        type: 'line',
        data: groups.map((g) => g[r]),
        connectNulls: false,
        itemStyle: { color: COLORS[r] },
        lineStyle: { color: COLORS[r], width: 2 },
      })),
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [groups, labels, lang, narrow]);
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
