import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ConnectorPlugin } from '../../connectors/channel';
import { createMediaSources } from '../../server/modules/attachments/media-sources';
import { createConnectorHost } from '../../server/modules/channels';
import type { ChannelRegistry, InboxService } from '../../server/modules/channels';
import { testLogger } from '../support/test-logger';

const noInboxes = {
  findConfig: () => Promise.resolve(null),
  findConfigByAddress: () => Promise.resolve(null),
  listConfigs: () => Promise.resolve([]),
} as unknown as InboxService;
const noRegistry: ChannelRegistry = {
  register: () => undefined,
  registerFactory: () => undefined,
  resolve: () => Promise.resolve(null),
};

async function hostOf(plugins: ConnectorPlugin[]) {
  const mediaSources = createMediaSources();
  const host = await createConnectorHost({
    plugins,
    inboxes: noInboxes,
    registry: noRegistry,
    mediaSources,
    logger: testLogger,
    context: {} as never,
  });
  return { host, mediaSources };
}

describe('connector host', () => {
  it('lists every plug-in simulator panel on one escaped index page', async () => {
    const { host } = await hostOf([
      { name: 'a', create: () => ({ simulator: [{ label: 'Chat <b>', path: '/simulator/a/' }] }) },
      { name: 'b', create: () => ({ simulator: [{ label: 'Mail "quoted"', path: '/simulator/b/' }] }) },
    ]);
    const app = express();
    for (const module of host.httpModules) app.use(module.path, module.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      const page = await fetch(`http://127.0.0.1:${port}/simulator`).then((response) => response.text());
      assert.match(page, /<a href="\/simulator\/a\/">Chat &#60;b&#62;<\/a>/);
      assert.match(page, /<a href="\/simulator\/b\/">Mail &#34;quoted&#34;<\/a>/);
    } finally {
      server.close();
    }
  });

  it('adds no simulator index when no plug-in has a panel', async () => {
    const { host } = await hostOf([{ name: 'quiet', create: () => ({}) }]);
    assert.deepEqual(host.httpModules, []);
  });

  it('allowlists the media origins plug-ins contribute, and nothing else', async () => {
    const { mediaSources } = await hostOf([
      {
        name: 'media',
        create: () => ({ mediaSources: [{ name: 'media', origin: 'https://media.example.test' }] }),
      },
    ]);
    assert.equal(mediaSources.find('https://media.example.test/files/1')?.name, 'media');
    assert.equal(mediaSources.find('https://elsewhere.example.test/files/1'), null);
  });

  it('stops started plug-ins in reverse order and survives a failing stop', async () => {
    const order: string[] = [];
    const plugin = (name: string, failStop = false): ConnectorPlugin => ({
      name,
      create: () => ({
        start: () => {
          order.push(`start ${name}`);
          return Promise.resolve();
        },
        stop: () => {
          order.push(`stop ${name}`);
          return failStop ? Promise.reject(new Error('boom')) : Promise.resolve();
        },
      }),
    });
    const { host } = await hostOf([plugin('first'), plugin('second', true)]);
    await host.start({ servesTraffic: true, runsWorkers: false });
    await host.stop();
    assert.deepEqual(order, ['start first', 'start second', 'stop second', 'stop first']);
  });
});
