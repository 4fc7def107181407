/**
 * Templates: the Handlebars files under `templates/` (per locale and channel, strict), their database
 * overrides (`templates` + `template_versions`, validated at save) and the admin API `/api/templates`.
 */
import type { Connection } from 'mongoose';
import type { RequestHandler } from 'express';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { createTemplateOverrides } from './template-overrides.service';
import type { TemplateRenderer } from './template-renderer';
import { createTemplatesRouter } from './templates.routes';
import { createCannedResponses } from './canned-responses.service';
import { createCannedResponsesRouter, type CannedContextLoader } from './canned-responses.routes';

export {
  loadTemplates,
  normalizeLocale,
  LOCALES,
  TEMPLATE_CHANNELS,
  TEMPLATE_PARTS,
  type Locale,
  type TemplateChannel,
  type TemplatePart,
  type TemplateRenderer,
  type TemplateSources,
  type TemplateOverride,
  type FileTemplate,
  type RenderRequest,
  type RenderedTemplate,
} from './template-renderer';
export { checkTemplate, variablesOf, parseTemplate, type TemplateProblem } from './template-check';
export { sampleData, COMMON_VARIABLES } from './template-catalog';
export type { TemplateOverrides, TemplateRef, TemplateSummary } from './template-overrides.service';
export {
  CANNED_VARIABLES,
  seedDemoCannedResponses,
  type CannedResponses,
  type CannedContext,
  type CannedViewer,
  type CannedInput,
} from './canned-responses.service';
export type { CannedContextLoader } from './canned-responses.routes';
export { createCannedContextLoader, type CannedConversationFacts } from './canned-context';
export { PLACEHOLDERS_ALLOWED } from './template-renderer';

export interface TemplatesModuleDeps {
  connection: Connection;
  renderer: TemplateRenderer;
  clock: Clock;
  logger: Logger;
  /** How often stored overrides are re-read (changes made by other hub processes); 0 disables. */
  refreshMs: number;
  /** The template folder (canned responses shipped in `<dir>/canned/<locale>.json`). */
  templatesDir: string;
  companyName: string;
}

export function createTemplatesModule(deps: TemplatesModuleDeps) {
  const logger = deps.logger.child({ module: 'templates' });
  const overrides = createTemplateOverrides({ ...deps, logger });
  const canned = createCannedResponses(deps);
  let timer: NodeJS.Timeout | undefined;
  return {
    overrides,
    canned,
    httpModules(guards: {
      requireAuth: RequestHandler;
      requireReader: RequestHandler;
      requireAdmin: RequestHandler;
      loadCannedContext: CannedContextLoader;
    }): HttpModule[] {
      return [
        { path: '/api/templates', router: createTemplatesRouter({ overrides, ...guards }) },
        {
          path: '/api/canned-responses',
          router: createCannedResponsesRouter({
            canned,
            loadContext: guards.loadCannedContext,
            requireAuth: guards.requireAuth,
          }),
        },
      ];
    },
    /** Loads the stored overrides now (and re-reads them periodically); installs the shipped canned responses once. */
    async start() {
      await overrides.refresh();
      await canned.installShipped();
      if (deps.refreshMs > 0 && !timer) {
        timer = setInterval(() => {
          overrides
            .refresh()
            .catch((error: unknown) => logger.warn({ err: error }, 'template refresh failed'));
        }, deps.refreshMs);
        timer.unref();
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type TemplatesModule = ReturnType<typeof createTemplatesModule>;
