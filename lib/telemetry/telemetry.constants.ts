/**
 * The names the library's traces and metrics use, stated once. Span and metric attributes follow
 * the OpenTelemetry messaging semantic conventions where they have a name (`messaging.*`,
 * `error.type`); what is particular to jobs is under `job.*`.
 */
export const JobTelemetry = Object.freeze({
  /** The tracer's and the meter's instrumentation scope, and `messaging.system`. */
  scope: 'nestjs-job-pipelines',
  attributes: Object.freeze({
    system: 'messaging.system',
    /** `send` for an enqueue (the insert both creates and sends), `process` for a run. */
    operationType: 'messaging.operation.type',
    operationName: 'messaging.operation.name',
    /** The job's queue. */
    destination: 'messaging.destination.name',
    /** The job's id. */
    messageId: 'messaging.message.id',
    /** Jobs written by one enqueue of several. */
    batchCount: 'messaging.batch.message_count',
    errorType: 'error.type',
    jobName: 'job.name',
    /** 1 for the first attempt. */
    attempt: 'job.attempt',
    pipelineId: 'job.pipeline.id',
    step: 'job.pipeline.step',
    /** How the attempt ended: completed, failed, snoozed, or aborted. */
    outcome: 'job.outcome',
  }),
  /** Counters (attributes `job.name`, `messaging.destination.name`), histograms in seconds, gauges per queue. */
  metrics: Object.freeze({
    enqueued: 'jobs.enqueued',
    started: 'jobs.started',
    completed: 'jobs.completed',
    /** Attempts that failed for good: the job ends failed. */
    failed: 'jobs.failed',
    /** Attempts that failed and will run again after their backoff. */
    retried: 'jobs.retried',
    /** From the start of an attempt to its end, hooks included, in seconds. */
    runDuration: 'jobs.run.duration',
    /** From when a job was due (enqueued, or its `runAfter`) to its start, in seconds. */
    waitDuration: 'jobs.wait.duration',
    /** Pending jobs due now, per queue (`messaging.destination.name`). */
    queueDepth: 'jobs.queue.depth',
    /** How long the oldest due job of a queue has waited, in seconds. */
    oldestDueAge: 'jobs.queue.oldest_due_age',
  }),
});
