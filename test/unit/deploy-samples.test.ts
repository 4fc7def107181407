/**
 * The sample deployment in deploy/ (systemd units for N web + M worker processes, their environment file,
 * the nginx load balancer) checked against the real configuration, so it cannot rot silently: every
 * variable it sets is one server/config.ts reads, the roles are ones the config accepts, the commands are
 * package.json scripts, the load balancer sends WebSocket upgrades to the web ports the units document,
 * and docs/operations.md points at every file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../server/config';
import { repoRoot } from '../support/hub-process';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const UNITS = {
  web: 'deploy/systemd/omnihub-web@.service',
  worker: 'deploy/systemd/omnihub-worker@.service',
};
const ENV_FILE = 'deploy/omnihub.env.example';
const NGINX = 'deploy/nginx/omnihub.conf';

/** A systemd unit's `Key=value` lines by section (keys may repeat). */
function parseUnit(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a unit line: ${line}`);
    current.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

/** `Environment=` assignments (space-separated, optionally quoted). */
function unitEnvironment(unit: Map<string, [string, string][]>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of unit.get('Service') ?? []) {
    if (key !== 'Environment') continue;
    for (const match of value.matchAll(/"([^"]*)"|(\S+)/g)) {
      const assignment = match[1] ?? match[2]!;
      const eq = assignment.indexOf('=');
      env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  return env;
}

const serviceValue = (unit: Map<string, [string, string][]>, key: string) =>
  (unit.get('Service') ?? []).find(([name]) => name === key)?.[1];

function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The instance names of a unit's documented `systemctl enable` line. */
const enabledInstances = (text: string, unitName: string) =>
  [...text.matchAll(new RegExp(`${unitName}@(\\d+)`, 'g'))].map((match) => Number(match[1]));

describe('deploy samples match the real configuration', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const known = new Set(CONFIG_VARIABLES);

  for (const [role, file] of Object.entries(UNITS)) {
    it(`${file}: a ${role} process, variables the config reads, a command that exists`, () => {
      const unit = parseUnit(read(file));
      const env = unitEnvironment(unit);
      for (const name of Object.keys(env))
        assert.ok(known.has(name), `${file} sets ${name}, which config.ts never reads`);
      assert.equal(env.HUB_ROLE, role);
      // the config accepts the role and the port the unit sets (the instance name is the port)
      const config = loadConfig({ ...env, PORT: env.PORT!.replace('%i', '3001') });
      assert.equal(config.HUB_ROLE, role);
      const exec = serviceValue(unit, 'ExecStart') ?? '';
      const command = /^\/usr\/bin\/npm (?:run )?(\S+)$/.exec(exec);
      assert.ok(command, `ExecStart runs an npm script: ${exec}`);
      assert.ok(scripts[command[1]!], `package.json has the script ${command[1]}`);
      assert.equal(serviceValue(unit, 'EnvironmentFile'), '/etc/omnihub/omnihub.env');
      assert.equal(serviceValue(unit, 'KillSignal'), 'SIGTERM', 'SIGTERM is the graceful stop');
    });
  }

  it(`${ENV_FILE}: only variables the config reads, with the shared storage web and worker processes need`, () => {
    const env = envFile(read(ENV_FILE));
    for (const name of Object.keys(env))
      assert.ok(known.has(name), `${ENV_FILE} sets ${name}, which config.ts never reads`);
    for (const required of ['MONGODB_URI', 'REDIS_URL', 'CREDENTIALS_KEY', 'PUBLIC_URL', 'QUEUE_PREFIX'])
      assert.ok(env[required], `${ENV_FILE} sets ${required}`);
    assert.match(env.MONGODB_URI!, /^mongodb:\/\/.*[?&]replicaSet=/, 'a replica set');
    // the values that are not placeholders are ones the config accepts
    const concrete = Object.fromEntries(Object.entries(env).filter(([, value]) => !value.includes('<')));
    const config = loadConfig({ ...concrete, HUB_ROLE: 'all' });
    assert.equal(config.PUBLIC_URL, env.PUBLIC_URL);
  });

  it(`${NGINX}: balances over the documented web ports and passes WebSocket upgrades`, () => {
    const conf = read(NGINX);
    const upstream = /upstream omnihub_web \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    const ports = [...upstream.matchAll(/server 127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    assert.deepEqual(ports, enabledInstances(read(UNITS.web), 'omnihub-web'));
    const workerPorts = enabledInstances(read(UNITS.worker), 'omnihub-worker');
    assert.ok(
      workerPorts.length > 0 && workerPorts.every((port) => !ports.includes(port)),
      'workers take no traffic',
    );
    const socketBlock = /location \/socket\.io\/ \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    assert.match(socketBlock, /proxy_set_header Upgrade \$http_upgrade/);
    assert.match(socketBlock, /proxy_set_header Connection \$connection_upgrade/);
  });

  it('docs/operations.md points at every sample file', () => {
    const docs = read('docs/operations.md');
    for (const file of [...Object.values(UNITS), ENV_FILE, NGINX])
      assert.ok(docs.includes(file), `docs mention ${file}`);
  });
});
