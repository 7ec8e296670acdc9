import type { MetricUnit } from './alert-metrics.js';

/** Text for chat messages: short, unit-aware, and exact for money. */

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatPercent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? groupThousands(String(n)) : n.toFixed(2);
}

export function formatValue(unit: MetricUnit, value: number): string {
  switch (unit) {
    case 'ratio':
      return formatPercent(value);
    case 'ms':
      return formatMs(value);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${value.toFixed(1)}%`;
    case 'coverage':
      return `${value.toFixed(2)}x`;
    case 'count':
      return formatCount(value);
  }
}

export const OPERATOR_TEXT = { gt: '>', lt: '<', gte: '>=', lte: '<=' } as const;
