import { Counter, Histogram, type Registry } from 'prom-client'

/** Values for a metric's own labels; the scope labels (application, task, node) are added for you. */
export type LabelValues<L extends string> = { readonly [K in L]: string | number }

export interface BusinessCounterOptions<L extends string> {
  /** Prometheus name, e.g. `payments_total`; one name is one metric across tasks and nodes. */
  readonly name: string
  readonly help: string
  readonly labelNames?: ReadonlyArray<L>
}

export interface BusinessHistogramOptions<L extends string> extends BusinessCounterOptions<L> {
  /** Upper bounds, in the metric's unit (prom-client's defaults otherwise). */
  readonly buckets?: ReadonlyArray<number>
}

/** A counter scoped to one processor node of one task. */
export interface BusinessCounter<L extends string> {
  inc(...args: [L] extends [never] ? [value?: number] : [labels: LabelValues<L>, value?: number]): void
}

/** A histogram scoped to one processor node of one task. */
export interface BusinessHistogram<L extends string> {
  observe(...args: [L] extends [never] ? [value: number] : [labels: LabelValues<L>, value: number]): void
}

/**
 * Business metrics from user processors (`context.metrics` in the Processor API): counters and
 * histograms labelled with `application_id`, `task_id` and `node` automatically. Create them in
 * `init()`; label names are checked by the compiler:
 *
 * ```ts
 * init(context) {
 *   this.outcomes = context.metrics.counter({ name: 'payments_total', help: 'Payments by outcome', labelNames: ['outcome'] })
 * }
 * process(record) { this.outcomes.inc({ outcome: 'settled' }) }
 * ```
 */
export interface ProcessorMetrics {
  counter<const L extends string = never>(options: BusinessCounterOptions<L>): BusinessCounter<L>
  histogram<const L extends string = never>(options: BusinessHistogramOptions<L>): BusinessHistogram<L>
}

const SCOPE_LABELS = ['application_id', 'task_id', 'node'] as const
type Scope = { readonly application_id: string; readonly task_id: string; readonly node: string }

/** Metrics are off (`metrics: false`): the calls do nothing. */
export const noopProcessorMetrics: ProcessorMetrics = {
  counter: () => ({ inc: () => {} }),
  histogram: () => ({ observe: () => {} }),
}

/** The business metrics of one task: one scoped `ProcessorMetrics` per node, on the instance's registry. */
export class TaskBusinessMetrics {
  readonly #registry: Registry
  readonly #applicationId: string
  readonly #taskId: string
  readonly #byNode = new Map<string, ProcessorMetrics>()

  constructor(registry: Registry, applicationId: string, taskId: string) {
    this.#registry = registry
    this.#applicationId = applicationId
    this.#taskId = taskId
  }

  forNode(node: string): ProcessorMetrics {
    let m = this.#byNode.get(node)
    if (m === undefined) {
      m = new ScopedProcessorMetrics(this.#registry, { application_id: this.#applicationId, task_id: this.#taskId, node })
      this.#byNode.set(node, m)
    }
    return m
  }
}

class ScopedProcessorMetrics implements ProcessorMetrics {
  readonly #registry: Registry
  readonly #scope: Scope

  constructor(registry: Registry, scope: Scope) {
    this.#registry = registry
    this.#scope = scope
  }

  counter<const L extends string = never>(options: BusinessCounterOptions<L>): BusinessCounter<L> {
    const labelNames = checkLabels(options)
    const metric = existing(this.#registry, options.name, Counter, labelNames) ??
      new Counter({ name: options.name, help: options.help, labelNames: [...SCOPE_LABELS, ...labelNames], registers: [this.#registry] })
    const scope = this.#scope
    if (labelNames.length === 0) {
      const child = metric.labels(scope)
      return { inc: ((value?: number) => child.inc(value ?? 1)) as BusinessCounter<L>['inc'] }
    }
    return {
      inc: ((labels: LabelValues<L>, value?: number) => metric.inc({ ...labels, ...scope }, value ?? 1)) as BusinessCounter<L>['inc'],
    }
  }

  histogram<const L extends string = never>(options: BusinessHistogramOptions<L>): BusinessHistogram<L> {
    const labelNames = checkLabels(options)
    const metric = existing(this.#registry, options.name, Histogram, labelNames) ??
      new Histogram({
        name: options.name,
        help: options.help,
        labelNames: [...SCOPE_LABELS, ...labelNames],
        registers: [this.#registry],
        ...(options.buckets && { buckets: [...options.buckets] }),
      })
    const scope = this.#scope
    if (labelNames.length === 0) {
      const child = metric.labels(scope)
      return { observe: ((value: number) => child.observe(value)) as BusinessHistogram<L>['observe'] }
    }
    return {
      observe: ((labels: LabelValues<L>, value: number) => metric.observe({ ...labels, ...scope }, value)) as BusinessHistogram<L>['observe'],
    }
  }
}

function checkLabels(options: BusinessCounterOptions<string>): string[] {
  if (typeof options.name !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(options.name)) {
    throw new TypeError(`A metric name is letters, digits, '_' and ':' (not starting with a digit), got ${JSON.stringify(options.name)}`)
  }
  const labels = [...(options.labelNames ?? [])]
  for (const l of labels) {
    if ((SCOPE_LABELS as ReadonlyArray<string>).includes(l)) {
      throw new TypeError(`Metric ${options.name}: label "${l}" is added by kstreams (application_id, task_id, node); choose another name`)
    }
  }
  return labels
}

/** The metric another task or node already registered under that name, if its type and labels match. */
function existing<M extends Counter | Histogram>(registry: Registry, name: string, type: abstract new (...args: never[]) => M, labelNames: ReadonlyArray<string>): M | undefined {
  const found = registry.getSingleMetric(name)
  if (found === undefined) return undefined
  const registered = (found as unknown as { labelNames?: ReadonlyArray<string> }).labelNames ?? []
  const wanted = [...SCOPE_LABELS, ...labelNames]
  if (!(found instanceof type) || registered.length !== wanted.length || registered.some((l, i) => l !== wanted[i])) {
    throw new TypeError(`Metric ${name} is already registered with another type or other labels (${registered.join(', ')})`)
  }
  return found
}
