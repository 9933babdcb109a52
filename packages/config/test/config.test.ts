import { ConfigError, loadConfig } from '../src';

const ok = { MONGO_URL: 'mongodb://127.0.0.1:27017/newsline', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig', () => {
  it('applies defaults and coerces numbers and lists', () => {
    const c = loadConfig({ ...ok, GATEWAY_PORT: '5000', HTTP_ALLOW_HOSTS: '127.0.0.1, localhost' });
    expect(c.GATEWAY_PORT).toBe(5000);
    expect(c.ARTICLES_PORT).toBe(4001);
    expect(c.HTTP_ALLOW_HOSTS).toEqual(['127.0.0.1', 'localhost']);
    expect(c.DEMO_SOURCES).toBe(true);
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ MONGO_URL: 'postgres://x', GATEWAY_PORT: '99999', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/MONGO_URL: must be a mongodb/);
    expect(problems).toMatch(/REDIS_URL: is required/);
    expect(problems).toMatch(/GATEWAY_PORT/);
    expect(problems).toMatch(/LOG_LEVEL/);
    expect((err as ConfigError).problems).toHaveLength(4);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...ok, GATEWAY_PORT: '' }).GATEWAY_PORT).toBe(4000);
  });
});
