/** The ingest module's public surface: the one `InboundSink` every connector hands its events to. */
export {
  createIngestService,
  type IngestService,
  type IngestServiceDeps,
  type ContactResolver,
  type IngestResult,
} from './ingest.service';
export { InboundEventSchema, StatusEventSchema } from './ingest.schemas';
