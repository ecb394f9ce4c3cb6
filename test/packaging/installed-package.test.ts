/**
 * kstreams as a user gets it: `npm pack` (prepack builds dist/), the tarball unpacked into an app's
 * node_modules, and that app using the package without the repo's `kstreams-source` condition.
 * Node refuses to strip types under node_modules, so this only passes if the package runs from the
 * built JavaScript: the runtime API through the TopologyTestDriver, the subpath exports, the
 * `kstreams-dlq` command, and the types (tsc against the packed .d.ts, inference included).
 * No network: the package's dependencies are linked from the repo's node_modules.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const tmp = mkdtempSync(join(tmpdir(), 'kstreams-pack-'))
const app = join(tmp, 'app')
const installed = join(app, 'node_modules', 'kstreams')

// The app is an ordinary Node service: none of the repo's source condition, node first on PATH.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/(--conditions|-C)[= ]kstreams-source/g, '').trim(),
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
}
const inApp = (file: string, args: string[] = []) => run(process.execPath, [file, ...args], { cwd: app, env })

interface PackageJson {
  dependencies: { [name: string]: string }
  exports: { [subpath: string]: string | { [condition: string]: string } }
  bin: { [name: string]: string }
}
let tarball: string[] = []
// prepack builds the repo's dist/. Leave none behind that was not there: a stale dist/ would quietly
// serve `import 'kstreams'` to any in-repo process that missed the kstreams-source condition.
const hadDist = existsSync(join(root, 'dist'))

before(async () => {
  // --ignore-scripts off on purpose: prepack must produce a fresh dist/.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, env, maxBuffer: 64 << 20 })
  // The build's own output comes first on stdout; the JSON report starts at a line of its own.
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[$/m))) as { filename: string; files: { path: string }[] }[]
  tarball = packed!.files.map((f) => f.path)
  mkdirSync(installed, { recursive: true })
  await run('tar', ['xzf', join(tmp, packed!.filename), '-C', installed, '--strip-components=1'])

  // What `npm install` would add: the dependencies, @types/node for the type check, the bin link.
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
  for (const name of [...Object.keys(pkg.dependencies), '@types/node']) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir')
  }
  mkdirSync(join(app, 'node_modules', '.bin'))
  symlinkSync(join('..', 'kstreams', pkg.bin['kstreams-dlq']!), join(app, 'node_modules', '.bin', 'kstreams-dlq'))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'some-service', private: true, type: 'module' }))
})

after(() => {
  rmSync(tmp, { recursive: true, force: true })
  if (!hadDist) rmSync(join(root, 'dist'), { recursive: true, force: true })
})

test('the tarball ships dist/ (JavaScript, no .ts but .d.ts), src/ for the maps, bin; no tests, chaos or bench', () => {
  assert.ok(tarball.includes('dist/index.js') && tarball.includes('dist/index.d.ts'), tarball.join('\n'))
  assert.ok(tarball.includes('dist/http/web-view.html'), 'the web view page the http module reads at run time')
  assert.deepEqual(tarball.filter((f) => /^dist\/.*\.ts$/.test(f) && !f.endsWith('.d.ts')), [])
  assert.deepEqual(tarball.filter((f) => /^(test|chaos|bench|examples|scripts|infra)\//.test(f)), [])
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
  const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))
  for (const target of [...targets, ...Object.values(pkg.bin)]) assert.ok(tarball.includes(target.replace(/^\.\//, '')), `${target} is in the tarball`)
})

test('an app imports kstreams and kstreams/testing from node_modules and runs a word count through the TopologyTestDriver', async () => {
  writeFileSync(join(app, 'word-count.mjs'), `
    import { StreamsBuilder, Serdes } from 'kstreams'
    import { TopologyTestDriver } from 'kstreams/testing'

    const builder = new StreamsBuilder()
    builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
      .flatMapValues((line) => line.toLowerCase().split(/\\W+/).filter(Boolean))
      .groupBy((_key, word) => word)
      .count({ storeName: 'counts' })
      .toStream()
      .to('word-counts', { key: Serdes.string(), value: Serdes.long() })
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'wc' })
    driver.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput('a', 'Hello world hello')
    const counts = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long()).readKeyValuesToMap()
    const stored = driver.getKeyValueStore('counts').get('hello')
    driver.close()
    console.log(JSON.stringify({ resolved: import.meta.resolve('kstreams'), counts: Object.fromEntries(counts), stored }))
  `)
  const { stdout } = await inApp('word-count.mjs')
  const out = JSON.parse(stdout) as { resolved: string; counts: object; stored: number }
  assert.match(out.resolved, /\/app\/node_modules\/kstreams\/dist\/index\.js$/)
  assert.deepEqual(out.counts, { hello: 2, world: 1 })
  assert.equal(out.stored, 2)
})

test('kstreams/http serves its web view page (an asset beside the built module) and kstreams/dlq loads', async () => {
  writeFileSync(join(app, 'subpaths.mjs'), `
    import { StreamsHttpServer } from 'kstreams/http'
    import { replayDeadLetters, readDeadLetterHeaders } from 'kstreams/dlq'

    const server = new StreamsHttpServer()
    const address = await server.listen(0)
    const page = await fetch('http://' + address + '/')
    const html = await page.text()
    await server.close()
    console.log(JSON.stringify({ status: page.status, html: html.slice(0, 200), dlq: [typeof replayDeadLetters, typeof readDeadLetterHeaders] }))
  `)
  const { stdout } = await inApp('subpaths.mjs')
  const out = JSON.parse(stdout) as { status: number; html: string; dlq: string[] }
  assert.equal(out.status, 200)
  assert.match(out.html, /<html/i)
  assert.deepEqual(out.dlq, ['function', 'function'])
})

test('node_modules/.bin/kstreams-dlq --help prints the usage and exits 0', async () => {
  // Run as npm's bin link runs it: through the shebang, so from the installed package's dist/.
  const { stdout } = await run(join(app, 'node_modules', '.bin', 'kstreams-dlq'), ['--help'], { cwd: app, env })
  assert.match(stdout, /^Usage: kstreams-dlq replay --brokers/)
})

test("tsc checks a consumer against the packed .d.ts: inferred types flow through kstreams' API, and a type error is reported", async () => {
  const compilerOptions = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', types: ['node'], noEmit: true }
  writeFileSync(join(app, 'consumer.ts'), `
    import { StreamsBuilder, Serdes } from 'kstreams'
    import { TopologyTestDriver } from 'kstreams/testing'

    const builder = new StreamsBuilder()
    const lengths = builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
      .mapValues((word) => word.length) // word: string, from the serde; lengths: KStream<string, number>
    lengths.to('lengths', { key: Serdes.string(), value: Serdes.long() })
    // @ts-expect-error the values are numbers (were the types any, this line would be the error: an unused directive)
    lengths.to('lengths-as-text', { key: Serdes.string(), value: Serdes.string() })
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'lengths' })
    driver.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput('k', 'kafka')
    const output = driver.createOutputTopic('lengths', Serdes.string(), Serdes.long())
    const length: number = output.readValue()
    // @ts-expect-error a long serde reads numbers
    const text: string = output.readValue()
    driver.close()
    export { length, text }
  `)
  writeFileSync(join(app, 'broken.ts'), `
    import { StreamsBuilder, Serdes } from 'kstreams'

    new StreamsBuilder().stream('words', { key: Serdes.string(), value: Serdes.string() })
      .mapValues((word) => word.toFixed(2)) // word is a string: no toFixed
  `)
  // The consumer's check covers the packed .d.ts themselves too (no skipLibCheck): they must hold
  // without the sources, the repo's settings or the optional @opentelemetry/api.
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: false }, files: ['consumer.ts'] }))
  writeFileSync(join(app, 'tsconfig.broken.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: true }, files: ['broken.ts'] }))
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const [ok, broken] = await Promise.all([
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, env }).then(() => '', (e: { stdout: string }) => e.stdout || String(e)),
    run(process.execPath, [tsc, '-p', 'tsconfig.broken.json'], { cwd: app, env }).then(() => undefined, (e: { stdout: string }) => e.stdout),
  ])
  assert.equal(ok, '', 'consumer.ts type-checks against the packed declarations')
  assert.match(broken ?? 'tsc exited 0', /broken\.ts\(5,\d+\): error TS\d+: Property 'toFixed' does not exist on type 'string'/)
})
