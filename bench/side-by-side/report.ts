/**
 * The bench's tables (console and Markdown) and its SVG chart: grouped bars of records/s per
 * workload, one bar per contender, labelled with the figure. Each row is the median of the
 * repeats, with min–max beside it.
 */
import type { LatencySample } from './latency.ts'
import type { Sample } from './measure.ts'

export interface Row {
  readonly workload: string
  readonly contender: string
  readonly samples: ReadonlyArray<Sample>
  /** "0.62 × raw kafkajs pipe" etc., filled in by the caller. */
  note?: string
}

export interface LatencyRow {
  readonly contender: string
  readonly sample: LatencySample
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function rate(row: Row): number {
  return median(row.samples.map((s) => s.records / s.seconds))
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—')

function cells(row: Row): string[] {
  const rates = row.samples.map((s) => s.records / s.seconds)
  const ok = row.samples.every((s) => s.outputs === s.expected)
  const last = row.samples[row.samples.length - 1]!
  return [
    row.contender,
    fmt(rate(row)),
    rates.length > 1 ? `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}` : '',
    fmt(median(row.samples.map((s) => s.totalRecords / s.totalSeconds))),
    fmt(median(row.samples.map((s) => s.startupSeconds)), 1),
    fmt(median(row.samples.map((s) => s.bytes / s.seconds / 1e6)), 1),
    fmt(median(row.samples.map((s) => (s.cpuSeconds / s.totalRecords) * 1e6)), 2),
    fmt(Math.max(...row.samples.map((s) => s.peakRss)) / 2 ** 20),
    `${fmt(last.outputs)} / ${fmt(last.expected)} ${ok ? '✔' : '✘'}`,
    row.note ?? '',
  ]
}

const HEAD = ['contender', 'records/s (median)', 'min–max', 'incl. startup', 'startup s', 'MB/s', 'CPU s / 1M rec', 'peak RSS MB', 'output / expected', 'ratio']
const LAT_HEAD = ['contender', 'offered rec/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'measured / expected', 'CPU s / 1M rec', 'peak RSS MB']

function latencyCells(r: LatencyRow): string[] {
  const s = r.sample
  return [r.contender, fmt(s.sent / s.seconds), fmt(s.p50), fmt(s.p99), fmt(s.p999), fmt(s.max), `${fmt(s.received)} / ${fmt(s.expected)} ${s.received === s.expected ? '✔' : '✘'}`, fmt((s.cpuSeconds / s.sent) * 1e6, 2), fmt(s.peakRss / 2 ** 20)]
}

function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), ...rows.map(line)].join('\n')
}

export function groupByWorkload(rows: ReadonlyArray<Row>): Map<string, Row[]> {
  const groups = new Map<string, Row[]>()
  for (const r of rows) groups.set(r.workload, [...(groups.get(r.workload) ?? []), r])
  return groups
}

export function consoleReport(rows: ReadonlyArray<Row>, latencies: ReadonlyArray<LatencyRow>): string {
  const out: string[] = []
  for (const [workload, group] of groupByWorkload(rows)) out.push(`\n${workload}\n${textTable(HEAD, group.map(cells))}`)
  if (latencies.length > 0) out.push(`\nW6 end-to-end latency\n${textTable(LAT_HEAD, latencies.map(latencyCells))}`)
  return out.join('\n')
}

export function markdownReport(rows: ReadonlyArray<Row>, latencies: ReadonlyArray<LatencyRow>): string {
  const out: string[] = []
  for (const [workload, group] of groupByWorkload(rows)) out.push(`### ${workload}\n\n${markdownTable(HEAD, group.map(cells))}`)
  if (latencies.length > 0) out.push(`### W6 end-to-end latency\n\n${markdownTable(LAT_HEAD, latencies.map(latencyCells))}`)
  return out.join('\n\n')
}

const COLORS: Record<string, string> = { kstreams: '#2f7ed8', 'Kafka Streams (Java)': '#e4572e', 'raw kafkajs': '#76b041', 'raw Java client': '#8c564b' }
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** Contender names are "<family>: <detail>"; the family picks the colour. */
export function family(contender: string): string {
  return contender.split(':')[0]!.trim()
}

/** Bars are scaled per workload (W5's reads run far faster than the rest): compare within a group. */
export function svgChart(rows: ReadonlyArray<Row>, title: string): string {
  const groups = [...groupByWorkload(rows)]
  const bar = 22
  const gap = 26
  const left = 300
  const width = 960
  let y = 66
  const parts: string[] = []
  for (const [workload, group] of groups) {
    const scale = (width - left - 110) / Math.max(...group.map(rate), 1)
    parts.push(`<text x="10" y="${y + 14}" font-weight="bold">${escape(workload)}</text>`)
    y += 22
    for (const row of group) {
      const r = rate(row)
      const w = Math.max(1, r * scale)
      const color = COLORS[family(row.contender)] ?? '#999'
      parts.push(`<text x="${left - 6}" y="${y + 15}" text-anchor="end">${escape(row.contender)}</text>`)
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${color}"/>`)
      parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${fmt(r)} rec/s</text>`)
      y += bar + 4
    }
    y += gap - 4
  }
  const legend = Object.entries(COLORS).map(([name, color], i) => `<rect x="${left + i * 165}" y="${y}" width="12" height="12" fill="${color}"/><text x="${left + i * 165 + 16}" y="${y + 11}">${escape(name)}</text>`)
  const height = y + 30
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="44" fill="#555">steady records/s, median of the repeats; bars scaled within each workload</text>`,
    ...parts,
    ...legend,
    '</svg>',
  ].join('\n')
}
