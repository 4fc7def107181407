export { createHealthRouter, type ReadinessCheck } from './health.routes';
