/**
 * Where the real broker and schema registry are, whether they answer, and what an integration
 * test does when they don't: skip with a one-line reason (developer machine) or fail (CI=true).
 *
 * scripts/test.ts probes once and passes the verdict down in the environment:
 *   KSTREAMS_INTEGRATION=1                                  services answer
 *   KSTREAMS_INTEGRATION=0 KSTREAMS_INTEGRATION_REASON=...  they don't, and why
 * A test file run on its own (`node --test test/integration/x.test.ts`) probes by itself.
 *
 * Usage in a test file (skip each test, not the suite, so the runner counts them as skipped):
 *   const services = await integrationServices()
 *   describe('...', () => {
 *     before(async () => { if (services.ready()) fixture = await ... })
 *     test('...', { skip: services.skip }, async () => { ... })
 *   })
 */
import { apiVersions } from './api-versions.ts'

export const KAFKA_BROKERS: readonly string[] = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`)
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0)

export const SCHEMA_REGISTRY_URL: string =
  process.env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${process.env.REGISTRY_PORT ?? 8081}/apis/ccompat/v7`

export const HOW_TO_START = 'run `npm run services:start` (needs Java + Maven) or `docker compose up -d`'

const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1'

/** Undefined when a broker answers ApiVersions at the first bootstrap address; else why not. */
export async function brokerProblem(timeoutMs = 3000): Promise<string | undefined> {
  const address = KAFKA_BROKERS[0] ?? '(none)'
  try {
    await apiVersions(address, timeoutMs)
    return undefined
  } catch (error) {
    return `no Kafka broker answers at ${address} (${(error as Error).message})`
  }
}

/** Undefined when the registry's Confluent API lists subjects; else why not. */
export async function registryProblem(timeoutMs = 3000): Promise<string | undefined> {
  const url = `${SCHEMA_REGISTRY_URL.replace(/\/+$/, '')}/subjects`
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) return `schema registry at ${SCHEMA_REGISTRY_URL} answered HTTP ${res.status} to GET /subjects`
    if (!Array.isArray(await res.json())) return `schema registry at ${SCHEMA_REGISTRY_URL}: GET /subjects is not a JSON array`
    return undefined
  } catch (error) {
    return `no schema registry answers at ${SCHEMA_REGISTRY_URL} (${(error as Error).message})`
  }
}

/** Both probes, in parallel; undefined when both answer. */
export async function servicesProblem(timeoutMs = 3000): Promise<string | undefined> {
  const problems = (await Promise.all([brokerProblem(timeoutMs), registryProblem(timeoutMs)])).filter((p) => p !== undefined)
  return problems.length > 0 ? problems.join('; ') : undefined
}

export interface IntegrationServices {
  /** For `describe/test({ skip })`: the one-line reason, or false to run. Never a reason under CI. */
  readonly skip: string | false
  /**
   * For `before` hooks, which node runs even when every test in the suite is skipped:
   * false = skipping, set nothing up; true = services answer; throws when they are missing under CI.
   */
  readonly ready: () => boolean
  readonly problem: string | undefined
}

let verdict: Promise<IntegrationServices> | undefined

export function integrationServices(): Promise<IntegrationServices> {
  verdict ??= (async () => {
    const flag = process.env.KSTREAMS_INTEGRATION
    const problem =
      flag === '1' ? undefined
      : flag === '0' ? (process.env.KSTREAMS_INTEGRATION_REASON ?? 'services unavailable')
      : await servicesProblem()
    const skip = problem !== undefined && !isCI() ? `integration: ${problem}; ${HOW_TO_START}` : false
    return {
      problem,
      skip,
      ready: () => {
        if (skip !== false) return false
        if (problem !== undefined) throw new Error(`CI=true requires a broker and a registry: ${problem}`)
        return true
      },
    }
  })()
  return verdict
}
