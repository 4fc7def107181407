import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The hub's Prometheus registry and the counters every module shares. Modules that need more metrics add
 * them to `registry`; nothing registers on prom-client's global registry, so tests can build many hubs.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'omnihub_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'omnihub_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    socketConnections: new Gauge({
      name: 'omnihub_socket_connections',
      help: 'Connected Socket.IO clients by namespace',
      labelNames: ['namespace'] as const,
      registers: [registry],
    }),
    socketEvents: new Counter({
      name: 'omnihub_socket_events_total',
      help: 'Socket.IO events received by namespace and event',
      labelNames: ['namespace', 'event'] as const,
      registers: [registry],
    }),
    queueJobs: new Counter({
      name: 'omnihub_queue_jobs_total',
      help: 'Queue jobs by queue and outcome (completed, failed, retried)',
      labelNames: ['queue', 'outcome'] as const,
      registers: [registry],
    }),
    ingestEvents: new Counter({
      name: 'omnihub_ingest_events_total',
      help: 'Inbound events by channel and outcome (stored, duplicate, rejected)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
