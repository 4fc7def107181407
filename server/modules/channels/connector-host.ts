import { Router } from 'express';
import type {
  ConnectorContext,
  ConnectorContribution,
  ConnectorPlugin,
  InboundSink,
  InboxDirectory,
  SimulatorPanel,
} from '../../../connectors/channel';
import type { HttpModule } from '../../http/app';
import type { Logger } from '../../lib/logger';
import type { MediaSources } from '../attachments';
import type { ChannelRegistry } from './channel-registry';
import type { InboxService } from './inbox.service';

export interface ConnectorHost {
  /** Every plug-in's routes, in plug-in order, plus the simulator index when a plug-in has a panel. */
  httpModules: HttpModule[];
  /** Starts the plug-ins' long-running parts (listeners where traffic is served, pollers where workers run). */
  start(roles: { servesTraffic: boolean; runsWorkers: boolean }): Promise<void>;
  /** Stops them, in reverse order; a failing stop is logged, never thrown. */
  stop(): Promise<void>;
}

/** The connectors' view of the inboxes collection (decrypted, as `InboxSettings`). */
export function createInboxDirectory(inboxes: InboxService): InboxDirectory {
  return {
    findById: (inboxId) => inboxes.findConfig(inboxId),
    findByAddress: (channel, address) => inboxes.findConfigByAddress(channel, address),
    listByChannel: (channel) => inboxes.listConfigs(channel),
  };
}

/**
 * Builds every plug-in from one context and wires what each contributes: channels and factories into the
 * channel registry, media origins into the attachments module's allowlist, routes into the HTTP app. This
 * is the only place the hub meets a connector; it names none of them.
 */
export async function createConnectorHost(deps: {
  plugins: readonly ConnectorPlugin[];
  context: Omit<ConnectorContext, 'inboxes' | 'logger'>;
  inboxes: InboxService;
  registry: ChannelRegistry;
  mediaSources: MediaSources;
  logger: Logger;
}): Promise<ConnectorHost> {
  const inboxes = createInboxDirectory(deps.inboxes);
  const built: { name: string; contribution: ConnectorContribution }[] = [];
  const names = new Set<string>();
  for (const plugin of deps.plugins) {
    if (names.has(plugin.name)) throw new Error(`two connector plug-ins are named ${plugin.name}`);
    names.add(plugin.name);
    const logger = deps.logger.child({ connector: plugin.name });
    const contribution = await plugin.create({ ...deps.context, inboxes, logger });
    for (const { channel, isDefault } of contribution.channels ?? [])
      deps.registry.register(channel, isDefault ? { isDefault } : {});
    for (const factory of contribution.factories ?? [])
      deps.registry.registerFactory(factory.kind, (inbox) => factory.create(inbox));
    for (const source of contribution.mediaSources ?? []) deps.mediaSources.register(source);
    built.push({ name: plugin.name, contribution });
  }

  const httpModules: HttpModule[] = built.flatMap(({ contribution }) => contribution.routes ?? []);
  const panels = built.flatMap(({ contribution }) => contribution.simulator ?? []);
  if (panels.length > 0) httpModules.push({ path: '/simulator', router: createSimulatorIndex(panels) });

  const started: typeof built = [];
  return {
    httpModules,
    async start(roles) {
      const sink: InboundSink = deps.context.sink;
      for (const entry of built) {
        if (!entry.contribution.start) continue;
        await entry.contribution.start(sink, roles);
        started.push(entry);
      }
    },
    async stop() {
      for (const entry of started.splice(0).reverse())
        await entry.contribution
          .stop?.()
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, connector: entry.name }, 'connector stop failed'),
          );
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** `/simulator`: the customer simulator's index, one link per connector panel (demo mode). */
function createSimulatorIndex(panels: readonly SimulatorPanel[]): Router {
  const router = Router();
  const items = panels
    .map((panel) => `<li><a href="${escapeHtml(panel.path)}">${escapeHtml(panel.label)}</a></li>`)
    .join('\n');
  const page = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Omnihub customer simulator · 客户模拟器</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2rem;max-width:50rem">
<h1>Customer simulator · 客户模拟器</h1>
<p>Play a customer on any channel; every message reaches the hub exactly as the provider would send it
(signed webhooks, real SMTP). Open the agent app at <a href="/app/">/app/</a> in another window to answer.</p>
<ul>
${items}
</ul>
</body></html>`;
  router.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  return router;
}
