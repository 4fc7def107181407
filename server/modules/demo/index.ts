/** The demo seed's public surface (the hub runs it at start when SEED_DEMO is on). */
import { createDemoSeeder, demoLogins, type DemoSeedDeps } from './demo-seed';

export { DEMO_PASSWORD, DEMO_AGENTS, DEMO_TEAMS, DEMO_STORIES } from './demo-data';
export {
  createDemoSeeder,
  demoLogins,
  type DemoSeedDeps,
  type DemoIdentity,
  type DemoSlaAdmin,
  type DemoExtraSeeder,
} from './demo-seed';
export { DEMO_CALENDAR, DEMO_POLICIES, DEMO_TEAM_LEADS, CHINA_HOLIDAYS_2026_2027 } from './demo-sla';

/**
 * Seeds the demo when the database has no agents, then prints the demo logins (on every start of a demo
 * database, so a new user always finds them in the log).
 */
export async function runDemoSeed(deps: DemoSeedDeps): Promise<{ seeded: boolean }> {
  const seeder = createDemoSeeder(deps);
  const seeded = await seeder.seedIfEmpty();
  if (seeded || (await seeder.isDemoDatabase()))
    deps.logger.info(
      { logins: demoLogins().map((login) => `${login.email} / ${login.password} (${login.role})`) },
      'demo logins',
    );
  return { seeded };
}
