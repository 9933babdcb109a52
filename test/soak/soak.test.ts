import { ALL_FAULTS, runSoak, SoakArgError } from './run';

// The short soak: a small farm, every fault once, takedowns of each scope through the gateway,
// live subscribers across app restarts, and the checker's verdict. The long form
// (`npm run soak -- --minutes 10`) is the same code with more time and traffic.
describe('soak (short form, all faults)', () => {
  it('stores every published entry exactly once after faults, keeps takedowns down, and subscribers miss nothing', async () => {
    const lines: string[] = [];
    // Progress lines go to stderr as they come, so a slow or failing run shows where it spent its time.
    const r = await runSoak(['--minutes', '1', '--hosts', '20', '--feeds-per-host', '2', '--rate', '8'], (s) => {
      lines.push(s);
      process.stderr.write(`${s}\n`);
    });
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual(r);
    expect(r.faultErrors).toEqual([]);
    expect(r.faults).toEqual([...ALL_FAULTS]);
    expect(r.published).toBeGreaterThan(300);
    expect(r.takedowns.map((t) => [t.kind, t.status])).toEqual([
      ['URL', 'ENFORCED'],
      ['PREFIX', 'ENFORCED'],
      ['SOURCE', 'ENFORCED'],
    ]);
    expect(r.takenDown).toBeGreaterThan(0);
    expect(r).toMatchObject({ missing: 0, duplicated: 0, stale: 0, resurrected: 0, converged: true, subscriberMissed: 0 });
    expect(r.stored).toBe(r.expected);
    // Both app restarts happened with subscribers connected, and they came back.
    expect(Object.keys(r.restarts).sort()).toEqual(['restart-articles', 'restart-gateway']);
    for (const w of Object.values(r.restarts)) expect(w.reconnectSec).not.toBeNull();
  }, 330_000);

  it('rejects an unknown fault name with a typed error before starting anything', async () => {
    await expect(runSoak(['--faults', 'kill-worker,unplug-the-moon'])).rejects.toBeInstanceOf(SoakArgError);
    await expect(runSoak(['--minutes', 'soon'])).rejects.toThrow(/--minutes must be a number/);
  });
});
