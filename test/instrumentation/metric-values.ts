import type { Registry } from 'prom-client'

type Labels = { readonly [name: string]: string | number }

/** The samples of one metric in a registry (as prom-client's JSON shows them). */
export async function samples(registry: Registry, name: string): Promise<{ labels: Labels; value: number; metricName?: string }[]> {
  const all = await registry.getMetricsAsJSON()
  const metric = all.find((m) => m.name === name)
  if (metric === undefined) throw new Error(`no metric ${name} in the registry (has: ${all.map((m) => m.name).join(', ')})`)
  return metric.values as { labels: Labels; value: number; metricName?: string }[]
}

/** Sum of the samples whose labels include `where` (for histograms: pass `metricName` to pick `_count` or `_sum`). */
export async function total(registry: Registry, name: string, where: Labels = {}, metricName?: string): Promise<number> {
  let sum = 0
  for (const s of await samples(registry, name)) {
    if (metricName !== undefined && s.metricName !== metricName) continue
    if (Object.entries(where).every(([k, v]) => String(s.labels[k]) === String(v))) sum += s.value
  }
  return sum
}
