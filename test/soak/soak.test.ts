import { runSoak } from './run';

// The short soak: a small farm, every fault once, and the checker's verdict. The long form
// (`npm run soak -- --minutes 10`) is the same code with more time and traffic.
describe('soak (short form, all faults)', () => {
  it('stores every published entry exactly once after faults, and converges', async () => {
    const lines: string[] = [];
    const r = await runSoak(['--minutes', '1', '--hosts', '20', '--feeds-per-host', '2', '--rate', '8', '--json'], (s) => lines.push(s));
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual(r);
    expect(r.faults).toEqual(['kill-worker', 'host-500', 'restart-redis', 'host-hang', 'restart-ferretdb', 'host-429']);
    expect(r.published).toBeGreaterThan(300);
    expect(r).toMatchObject({ missing: 0, duplicated: 0, stale: 0, resurrected: 0, converged: true });
    expect(r.stored).toBe(r.published);
  }, 300_000);
});
