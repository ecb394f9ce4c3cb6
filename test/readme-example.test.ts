// The README's first example, exactly as written, through the package's own `exports` map.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsBuilder, Serdes } from 'kstreams'
import { TopologyTestDriver } from 'kstreams/testing'

test('the README word count runs as written', () => {
  const builder = new StreamsBuilder()
  builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
    .groupBy((_key, word) => word)
    .count({ storeName: 'counts' })
    .toStream()
    .to('word-counts', { key: Serdes.string(), value: Serdes.long() })
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'wc' })
  driver.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput('a', 'Hello world hello')
  const counts = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long()).readKeyValuesToMap()
  assert.deepEqual([...counts], [['hello', 2], ['world', 1]])
  const store = driver.getKeyValueStore('counts')
  assert.equal(store.get('hello'), 2)
  assert.equal(store.get('world'), 1)
  driver.close()
})
