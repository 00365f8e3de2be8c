/** The overview's bar chart: only the ECharts parts it uses, so this chunk stays small. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { Overview } from './session';
import type { Metric } from './OverviewPage';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

// Contrast ≥ 3:1 against white for each bar colour (non-text contrast).
const COLORS: Record<Metric, string> = {
  receivedToday: '#1e3a8a',
  inProgress: '#0f766e',
  dueSoon: '#b45309',
  late: '#b3140b',
  paused: '#6b7280',
};
const SHOWN: Metric[] = ['receivedToday', 'inProgress', 'dueSoon', 'late'];

export default function OverviewChart({
  units,
  lang,
  labels,
  describedBy,
}: {
  units: Overview['units'];
  lang: 'vi' | 'en';
  labels: Record<Metric, string>;
  describedBy: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const narrow = typeof window !== 'undefined' && window.innerWidth < 640;
  const height = Math.max(260, units.length * (narrow ? 56 : 40) + 90);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    const names = units.map((u) => (lang === 'en' ? u.unitNameEn : u.unitNameVi));
    chart.setOption({
      aria: { enabled: false },
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, textStyle: { color: '#1b1f24' } },
      grid: { left: 8, right: 16, top: narrow ? 56 : 36, bottom: 8, containLabel: true },
      xAxis: { type: 'value', axisLabel: { color: '#47505b' } },
      yAxis: {
        type: 'category',
        data: names,
        inverse: true,
        axisLabel: { color: '#1b1f24', width: narrow ? 110 : 240, overflow: 'truncate' },
      },
      series: SHOWN.map((m) => ({
        name: labels[m],
        type: 'bar',
        data: units.map((u) => u[m]),
        itemStyle: { color: COLORS[m] },
        barMaxWidth: 14,
      })),
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [units, lang, labels, narrow]);
  // The canvas is an image to assistive technology: its name says the table below has the figures.
  return (
    <div
      ref={ref}
      className="overview-chart"
      style={{ height }}
      role="img"
      aria-label={labels.receivedToday}
      aria-describedby={describedBy}
    />
  );
}
