/**
 * The Prometheus names of kstreams' built-in metrics, one constant per metric, so the HTTP view
 * and users' dashboards name them without repeating strings. Every metric carries the label
 * `application_id`; the other labels are listed beside each name. Names follow Prometheus' style
 * (`_total` counters, base units: seconds, bytes) and Kafka Streams' concepts (task, processor
 * node, state store, restore).
 */
export const MetricNames = {
  /** counter {task_id}: records a task processed (Kafka Streams' task `process-total`). */
  recordsProcessed: 'kstreams_records_processed_total',
  /** counter {task_id, node}: records each processor node received (node `process-total`). */
  nodeRecordsProcessed: 'kstreams_node_records_processed_total',
  /** gauge {topic, partition}: end offset minus the committed (or consumed) position. */
  consumerLag: 'kstreams_consumer_lag_records',
  /** histogram {task_id, node}: wall clock at the sink minus the record's timestamp (node = sink). */
  endToEndLatency: 'kstreams_end_to_end_latency_seconds',
  /** counter {handler, topic}: records written to a dead-letter topic (topic = the source topic). */
  deadLetterRecords: 'kstreams_dead_letter_records_total',
  /** counter {task_id, reason}: records DSL operators skipped on purpose (Kafka's `dropped-records-total`). */
  droppedRecords: 'kstreams_dropped_records_total',
  /** counter {task_id, node}: records too late for their window (a subset of the dropped records). */
  lateRecords: 'kstreams_late_records_total',
  /** histogram {}: one `process` loop iteration over a polled batch (thread `process-latency`). */
  processDuration: 'kstreams_process_duration_seconds',
  /** histogram {}: one commit of all the thread's tasks (thread `commit-latency`). */
  commitDuration: 'kstreams_commit_duration_seconds',
  /** counter {}: commits the thread made. */
  commits: 'kstreams_commits_total',
  /** histogram {}: one consumer poll (thread `poll-latency`). */
  pollDuration: 'kstreams_poll_duration_seconds',
  /** counter {}: records returned by polls. */
  polledRecords: 'kstreams_polled_records_total',
  /** histogram {}: punctuator runs of one thread iteration (thread `punctuate-latency`). */
  punctuateDuration: 'kstreams_punctuate_duration_seconds',
  /** counter {}: rebalances (partition assignments) the thread went through. */
  rebalances: 'kstreams_rebalances_total',
  /** gauge {}: active tasks currently assigned to this instance. */
  activeTasks: 'kstreams_active_tasks',
  /** counter {store, topic, partition}: changelog records restored into a state store. */
  restoredRecords: 'kstreams_restore_records_total',
  /** gauge {store, topic, partition}: changelog records still to restore (0 once done). */
  restoreRemainingRecords: 'kstreams_restore_remaining_records',
  /** gauge {store, topic, partition}: restore rate of the last restore batch, records per second. */
  restoreRate: 'kstreams_restore_rate_records_per_second',
  /** counter {task_id, store, operation}: state store operations (get, put, delete, range, ...). */
  storeOperations: 'kstreams_state_store_operations_total',
  /** gauge {}: 1 in the named state (CREATED, RUNNING, ...), 0 otherwise, label `state`. */
  state: 'kstreams_state',
} as const

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames]
