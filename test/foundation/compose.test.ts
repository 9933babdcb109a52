import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configKeys, loadConfig } from '@newsline/config';
import { SERVICE_APPS } from '@newsline/embedded-stack/src/apps';

// docker-compose cannot run here (no Docker engine), so its consistency with the apps and the
// config schema is checked statically.
const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: { args?: Record<string, string> };
      ports?: string[];
      environment?: Record<string, string>;
      healthcheck?: { test: string[] };
      depends_on?: Record<string, unknown>;
      volumes?: string[];
      command?: string[];
    }
  >;
};

describe('docker-compose.yml', () => {
  const s = compose.services;

  it('runs MongoDB 7 and Redis 7 with persistence and healthchecks', () => {
    expect(s.mongo?.image).toBe('mongo:7');
    expect(s.redis?.image).toBe('redis:7');
    expect(s.redis?.command).toContain('--appendonly');
    expect(s.mongo?.volumes?.[0]).toMatch(/:\/data\/db$/);
    expect(s.redis?.volumes?.[0]).toMatch(/:\/data$/);
    expect(s.mongo?.healthcheck).toBeDefined();
    expect(s.redis?.healthcheck).toBeDefined();
  });

  it.each(SERVICE_APPS.map((a) => [a.name, a]))('has a built, health-checked service for app %s', (name, app) => {
    const svc = s[name as string];
    expect(svc).toBeDefined();
    expect(svc!.build?.args?.APP).toBe(name);
    const env = svc!.environment!;
    // Every variable set is one the config schema knows, and the whole set validates.
    for (const k of Object.keys(env)) expect(configKeys).toContain(k);
    const cfg = loadConfig(env);
    expect(cfg.MONGO_URL).toMatch(/\/\/mongo:27017\//);
    expect(cfg.REDIS_URL).toBe('redis://redis:6379');
    const port = cfg[app.portVar as keyof typeof cfg];
    expect(svc!.ports).toContain(`${port}:${port}`);
    expect(svc!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${port}/readyz`);
    expect(Object.keys(svc!.depends_on ?? {})).toEqual(
      expect.arrayContaining(name === 'gateway' ? ['articles', 'sources', 'compliance'] : ['mongo', 'redis']),
    );
  });

  it('points the gateway at every subgraph service', () => {
    const cfg = loadConfig(s.gateway!.environment!);
    for (const url of [cfg.SUBGRAPH_ARTICLES_URL, cfg.SUBGRAPH_SOURCES_URL, cfg.SUBGRAPH_COMPLIANCE_URL]) {
      const host = new URL(url).hostname;
      expect(s[host]).toBeDefined();
      expect(s[host]!.ports).toContain(`${new URL(url).port}:${new URL(url).port}`);
    }
  });

  it('builds from a multi-stage Dockerfile', () => {
    const df = readFileSync(join(__dirname, '../../Dockerfile'), 'utf8');
    expect(df.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(df).toMatch(/ARG APP/);
  });
});
