/**
 * The shipped deployment: no Docker engine runs here, so the image's and the
 * compose file's settings are read as files and checked against what the program does with them:
 * TRIBUTARY_HTTP_HOST reaches the /metrics server, Redis runs with the settings the store requires,
 * and Prometheus scrapes the port the bot listens on.
 */
import { readFileSync } from 'node:fs';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/index.js';
import { monitorConfigSchema, startMonitor } from '../src/monitor/index.js';

const file = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  expose?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
}
const compose = parse(file('deploy/compose.yaml')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const prometheus = parse(file('deploy/prometheus.yml')) as { scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[] };
const dockerfile = file('Dockerfile');

/** `ENV A=1 \ B=2` lines of the final stage, as a map. */
function finalStageEnv(text: string): Record<string, string> {
  const final = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, block] of final.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const [, name, value] of (block as string).matchAll(/([A-Z_]+)=(\S+)/g)) env[name as string] = value as string;
  }
  return env;
}

describe('Docker image', () => {
  it('runs on the current LTS, binds /metrics on every interface and exposes that port', () => {
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    const env = finalStageEnv(dockerfile);
    expect(env['TRIBUTARY_HTTP_HOST']).toBe('0.0.0.0');
    expect(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]).toBe(env['TRIBUTARY_HTTP_PORT']);
  });

  it('TRIBUTARY_HTTP_HOST sets http.host, and the /metrics server listens there', async () => {
    const config = loadConfig({ env: { TRIBUTARY_HTTP_HOST: '0.0.0.0', TRIBUTARY_HTTP_PORT: '0' } });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 0 });
    expect(loadConfig({ env: {} }).http.host).toBe('127.0.0.1');
    const monitor = await startMonitor({
      config: monitorConfigSchema.parse({}),
      stores: { history: new Keyv(), alerts: new Keyv(), reports: new Keyv() },
      notifier: { post: async () => undefined },
      http: config.http,
      sampleProcess: false,
    });
    try {
      const port = /^http:\/\/0\.0\.0\.0:(\d+)$/.exec(monitor.http?.url ?? '')?.[1];
      expect(port).toBeDefined();
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    } finally {
      await monitor.stop();
    }
  });
});

describe('deploy/compose.yaml', () => {
  const bot = compose.services['tributary'] as ComposeService;
  const redis = compose.services['redis'] as ComposeService;

  it('runs Redis with every setting the store needs to keep each acknowledged write, on a volume', () => {
    const args = Array.isArray(redis.command) ? redis.command : (redis.command ?? '').split(/\s+/);
    expect(args[0]).toBe('redis-server');
    const settings: Record<string, string> = {};
    for (let i = 1; i < args.length; i += 2) settings[(args[i] as string).replace(/^--/, '')] = args[i + 1] as string;
    expect(settings).toEqual({ appendonly: 'yes', appendfsync: 'always', 'no-appendfsync-on-rewrite': 'no', 'maxmemory-policy': 'noeviction' });
    const dataVolume = redis.volumes?.find((v) => v.endsWith(':/data'))?.split(':')[0];
    expect(dataVolume && dataVolume in compose.volumes).toBe(true);
  });

  it('runs the bot from the Dockerfile on that Redis, with /metrics on every interface and a volume for /data', () => {
    expect(bot.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
    expect(bot.environment?.['REDIS_URL']).toBe('redis://redis:6379');
    expect(bot.environment?.['TRIBUTARY_HTTP_HOST']).toBe('0.0.0.0');
    expect(bot.environment?.['TRIBUTARY_HTTP_PORT']).toBe(finalStageEnv(dockerfile)['TRIBUTARY_HTTP_PORT']);
    expect(bot.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^\S+:\/keys\/distributor\.json:ro$/), 'tributary-data:/data']));
    expect(bot.environment?.['TRIBUTARY_KEYPAIR']).toBe('/keys/distributor.json');
    // Every environment variable the compose file sets is one the program reads.
    const known = ['SOLANA_RPC_URL', 'DISCORD_TOKEN', 'TELEGRAM_TOKEN', 'TRIBUTARY_CONFIG', 'TRIBUTARY_KEYPAIR', 'REDIS_URL', 'TRIBUTARY_HTTP_HOST', 'TRIBUTARY_HTTP_PORT'];
    expect(Object.keys(bot.environment ?? {}).filter((name) => !known.includes(name))).toEqual([]);
  });

  it("has Prometheus scrape /metrics at the bot's service name and port, with its prometheus.yml mounted", () => {
    const prom = compose.services['prometheus'] as ComposeService;
    expect(prom.volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prom.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'tributary');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const port = bot.environment?.['TRIBUTARY_HTTP_PORT'];
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual([`tributary:${port}`]);
    expect(bot.expose).toContain(port);
  });
});
