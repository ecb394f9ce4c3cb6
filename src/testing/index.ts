/**
 * `kstreams/testing`: run a topology in-process, synchronously, without Kafka.
 */
export { TopologyTestDriver } from './topology-test-driver.ts'
export type { TopologyTestDriverOptions } from './topology-test-driver.ts'
export { TestInputTopic } from './test-input-topic.ts'
export type { TestInputTopicOptions } from './test-input-topic.ts'
export { TestOutputTopic } from './test-output-topic.ts'
export { TestRecord } from './test-record.ts'
export type { TestOutputRecord } from './test-record.ts'
