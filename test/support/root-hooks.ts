/**
 * Mocha root hooks: the shared test infrastructure (test/support/test-stack.ts) is stopped once, after
 * every suite ran. The stack registers its stop function here when a test first uses it, so unit-test runs
 * never load the engine or redis at all.
 */
const stoppers: (() => Promise<void>)[] = [];

export function registerGlobalTeardown(stop: () => Promise<void>): void {
  stoppers.push(stop);
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    for (const stop of stoppers.splice(0)) await stop();
  },
};
