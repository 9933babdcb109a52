import { Writable } from 'node:stream';
import { createLogger } from '../src';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  return { lines, destination };
}

describe('createLogger', () => {
  it('emits JSON lines with the service name and ISO time', () => {
    const { lines, destination } = capture();
    createLogger('unit', { level: 'debug', destination }).debug({ n: 1 }, 'hello');
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ service: 'unit', msg: 'hello', n: 1 });
    expect(rec.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secrets', () => {
    const { lines, destination } = capture();
    createLogger('unit', { destination }).info({ client: { apiKey: 'sekret', name: 'x' } }, 'hi');
    expect(lines.join('')).not.toContain('sekret');
    expect(lines.join('')).toContain('[redacted]');
  });
});
