import type { Registry } from 'prom-client'
import type { BucketHistogram } from './histogram-buckets.ts'

export type MetricType = 'counter' | 'gauge' | 'histogram'
export type Labels = { readonly [name: string]: string | number }

/** One sample as prom-client's registry formats it. */
export interface Sample {
  readonly value: number
  readonly labels: Labels
  readonly metricName?: string
}

export type SampleSource = () => Sample[] | Promise<Sample[]>

/**
 * A metric whose values are read at scrape time from plain numbers the engine keeps (Kafka
 * Streams' sensors are sampled the same way), registered in a prom-client `Registry` as a custom
 * collector: the registry calls `get()` and formats what it returns. Several sources (several
 * `KafkaStreams` instances on one registry) feed one metric; samples with the same labels are
 * summed, so two instances of one application never print the same series twice.
 */
export class CollectedMetric {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly aggregator = 'sum'
  readonly sources = new Set<SampleSource>()

  constructor(name: string, help: string, type: MetricType) {
    this.name = name
    this.help = help
    this.type = type
  }

  async get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: Sample[] }> {
    const merged = new Map<string, { value: number; labels: Labels; metricName?: string }>()
    for (const source of this.sources) {
      for (const s of await source()) {
        const key = `${s.metricName ?? ''}${JSON.stringify(s.labels)}`
        const seen = merged.get(key)
        if (seen === undefined) merged.set(key, { ...s })
        else seen.value += s.value
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...merged.values()] }
  }

  /** prom-client's `resetMetrics()` calls this; the numbers belong to the engine, so nothing to do. */
  reset(): void {}
}

/** The metric of that name in `registry`, created and registered on first use. */
export function collectedMetric(registry: Registry, name: string, help: string, type: MetricType): CollectedMetric {
  const existing = registry.getSingleMetric(name) as unknown
  if (existing instanceof CollectedMetric) return existing
  if (existing !== undefined) throw new Error(`Metric ${name} is already registered in this registry by someone else`)
  const metric = new CollectedMetric(name, help, type)
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
  return metric
}

/** Prometheus' histogram samples: cumulative `_bucket{le}`, `_sum`, `_count`. */
export function histogramSamples(name: string, labels: Labels, h: BucketHistogram): Sample[] {
  const out: Sample[] = []
  let cumulative = 0
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i]!
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: h.bounds[i]! }, value: cumulative })
  }
  cumulative += h.counts[h.bounds.length]!
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative })
  out.push({ metricName: `${name}_sum`, labels, value: h.sum })
  out.push({ metricName: `${name}_count`, labels, value: h.count })
  return out
}
