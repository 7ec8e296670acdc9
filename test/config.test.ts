import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, maskSecrets, resolveRpcLimits, rpcPresets } from '../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));
let files = 0;
function writeConfig(content: unknown): string {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const HELIUS_URL = 'https://mainnet.helius-rpc.com/?api-key=0f1e2d3c-aaaa-bbbb-cccc-123456789abc';

describe('defaults', () => {
  it('config/default.json shows exactly the defaults the program uses', () => {
    const shown = JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8'));
    // When this fails after a schema change, regenerate the file:
    //   npx tsx -e "import {defaultConfig} from './src/config/schema.ts'; console.log(JSON.stringify(defaultConfig(), null, 2))" > config/default.json
    expect(shown).toEqual(defaultConfig());
  });

  it('with no file and an empty environment, runs the embedded local chain with a SQLite store', () => {
    const config = loadConfig({ env: {} });
    expect(config.network).toBe('localnet');
    expect(config.rpc.url).toBeNull();
    expect(config.rpc.preset).toBe('localnet');
    expect(config.dataDir).toBe('./data');
    expect(config.store.redisUrl).toBeNull();
    expect(config.http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config.cache.snapshotTtlMs).toBe(5 * 60_000);
    expect(config.distribution.previewTtlMs).toBe(10 * 60_000);
    expect(config.roles.console).toBe('admin');
    expect(config.monitor).toBeDefined();
  });

  it('reads only the env it is given, not process.env', () => {
    process.env['LOG_LEVEL'] = 'trace';
    try {
      expect(loadConfig({ env: {} }).log.level).toBe('info');
    } finally {
      delete process.env['LOG_LEVEL'];
    }
  });

  it('config/example.json is a valid configuration', () => {
    const config = loadConfig({ file: new URL('../config/example.json', import.meta.url).pathname, env: {} });
    expect(config.network).toBe('devnet');
  });
});

describe('precedence: defaults < file < environment < overrides', () => {
  it('a file sets only the keys it names; the rest of each section keeps its defaults', () => {
    const file = writeConfig({ rpc: { retry: { maxAttempts: 9 } }, roles: { admin: { telegramUserIds: ['42'] } } });
    const config = loadConfig({ env: { TRIBUTARY_CONFIG: file } });
    expect(config.rpc.retry).toEqual({ ...defaultConfig().rpc.retry, maxAttempts: 9 });
    expect(config.roles.admin).toEqual({ discordUserIds: [], discordRoleIds: [], telegramUserIds: ['42'] });
    expect(config.rpc.timeoutMs).toBe(defaultConfig().rpc.timeoutMs);
  });

  it('an explicit file option is used instead of TRIBUTARY_CONFIG', () => {
    const a = writeConfig({ dataDir: '/a' });
    const b = writeConfig({ dataDir: '/b' });
    expect(loadConfig({ file: b, env: { TRIBUTARY_CONFIG: a } }).dataDir).toBe('/b');
  });

  it('every documented environment variable sets its key, over the file', () => {
    const file = writeConfig({ http: { port: 1000 }, log: { level: 'warn' }, dataDir: '/from-file' });
    const config = loadConfig({
      env: {
        TRIBUTARY_CONFIG: file,
        SOLANA_RPC_URL: 'http://127.0.0.1:8899',
        TRIBUTARY_KEYPAIR: '/keys/id.json',
        TRIBUTARY_DATA_DIR: '/var/lib/tributary',
        DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0.GxYz12.discord-token-from-the-environment',
        DISCORD_API_BASE: 'http://127.0.0.1:3000/api',
        TELEGRAM_TOKEN,
        TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
        REDIS_URL: 'redis://127.0.0.1:6379',
        TRIBUTARY_HTTP_PORT: '2000',
        LOG_LEVEL: 'debug',
      },
    });
    expect(config.rpc.url).toBe('http://127.0.0.1:8899');
    expect(config.keypairPath).toBe('/keys/id.json');
    expect(config.dataDir).toBe('/var/lib/tributary');
    expect(config.discord.token).toBe('MTA5ODc2NTQzMjEwOTg3NjU0.GxYz12.discord-token-from-the-environment');
    expect(config.discord.apiBase).toBe('http://127.0.0.1:3000/api');
    expect(config.telegram.token).toBe(TELEGRAM_TOKEN);
    // grammY wants the root without a trailing slash.
    expect(config.telegram.apiRoot).toBe('http://127.0.0.1:8081');
    expect(config.store.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.http.port).toBe(2000);
    expect(config.log.level).toBe('debug');
  });

  it('an empty environment variable counts as unset', () => {
    const config = loadConfig({ env: { DISCORD_TOKEN: '', TRIBUTARY_HTTP_PORT: ' ', TRIBUTARY_CONFIG: '' } });
    expect(config.discord.token).toBeNull();
    expect(config.http.port).toBe(9464);
  });

  it('overrides win over the environment', () => {
    const config = loadConfig({ env: { TRIBUTARY_HTTP_PORT: '2000' }, overrides: { http: { port: 0 } } });
    expect(config.http.port).toBe(0);
  });
});

describe('errors name each bad key and the fix', () => {
  it('lists every problem at once, by dotted path, with the value found and where it came from', () => {
    const file = writeConfig({ rpc: { limits: { maxConcurrent: -1 } }, distribution: { largeTotalWarning: 1000 } });
    const err = configError(() => loadConfig({ env: { TRIBUTARY_CONFIG: file, TRIBUTARY_HTTP_PORT: 'eighty' } }));
    const lines = err.message.split('\n');
    expect(lines).toContain(`config: rpc.limits.maxConcurrent: must be a positive integer (got -1 in ${file})`);
    expect(lines).toContain('config: http.port: must be a port number from 0 to 65535 (got "eighty" from env TRIBUTARY_HTTP_PORT)');
    expect(err.message).toMatch(/^config: distribution\.largeTotalWarning: must be a decimal number written as a string in quotes/m);
    expect(err.problems.map((p) => p.path).sort()).toEqual(['distribution.largeTotalWarning', 'http.port', 'rpc.limits.maxConcurrent']);
  });

  it('rejects an unknown key by name and suggests the key that was meant', () => {
    const file = writeConfig({ rpc: { urll: 'http://127.0.0.1:8899' }, netwrok: 'devnet' });
    const err = configError(() => loadConfig({ file, env: {} }));
    expect(err.message).toContain(`config: rpc.urll: unknown key in ${file}; remove it or fix its spelling (did you mean "url"?)`);
    expect(err.message).toContain('config: netwrok: unknown key');
    expect(err.message).toContain('did you mean "network"?');
  });

  it('asks for Discord ids as strings, since JSON numbers lose their digits', () => {
    const err = configError(() => loadConfig({ env: {}, overrides: { roles: { admin: { discordUserIds: [123 as unknown as string] } } } }));
    expect(err.message).toContain('config: roles.admin.discordUserIds[0]: must be a Discord id written as a string in quotes');
  });

  it('never quotes a secret: bad tokens and URLs with keys are masked in the message', () => {
    const err = configError(() =>
      loadConfig({
        env: { TELEGRAM_TOKEN: `x${TELEGRAM_TOKEN}`, SOLANA_RPC_URL: 'mainnet.helius-rpc.com/?api-key=supersecretvalue' },
      }),
    );
    expect(err.message).toContain('config: telegram.token: must be a Telegram bot token');
    expect(err.message).toContain('config: rpc.url: must be a https or http URL');
    expect(err.message).not.toContain(TELEGRAM_TOKEN.split(':')[1]);
    expect(err.message).not.toContain('supersecretvalue');
  });

  it('says when the file named by TRIBUTARY_CONFIG is missing or not JSON', () => {
    const missing = join(dir, 'nope.json');
    expect(configError(() => loadConfig({ env: { TRIBUTARY_CONFIG: missing } })).message).toBe(
      `config: cannot read the config file named by TRIBUTARY_CONFIG (${missing}): it does not exist; check the path or unset TRIBUTARY_CONFIG`,
    );
    const broken = writeConfig(`{ "discord": { "token": "${TELEGRAM_TOKEN}" }, }`);
    const err = configError(() => loadConfig({ file: broken, env: {} }));
    expect(err.message).toContain('is not valid JSON');
    expect(err.message).not.toContain(TELEGRAM_TOKEN);
    expect(configError(() => loadConfig({ file: writeConfig([1, 2]), env: {} })).message).toContain('must hold a JSON object');
  });

  it('refuses a mainnet network without an RPC URL instead of silently running the local chain', () => {
    const err = configError(() => loadConfig({ env: {}, overrides: { network: 'mainnet-beta' } }));
    expect(err.message).toContain('config: rpc.url: must be set when network is "mainnet-beta"');
  });

  it('refuses a remote endpoint with no rate-limit preset, and a network that does not match a known endpoint', () => {
    const err = configError(() => loadConfig({ env: { SOLANA_RPC_URL: HELIUS_URL } }));
    expect(err.message).toContain('config: network: must be "mainnet-beta": rpc.url points at mainnet.helius-rpc.com');
    expect(err.message).toContain("config: rpc.preset: must be your provider's plan");
    expect(err.message).not.toContain('0f1e2d3c');
    const ok = loadConfig({ env: { SOLANA_RPC_URL: HELIUS_URL }, overrides: { network: 'mainnet-beta', rpc: { preset: 'helius-free' } } });
    expect(ok.rpc.url).toBe(HELIUS_URL);
  });

  it('accepts a local validator (loopback or container name) with the localnet preset', () => {
    expect(loadConfig({ env: { SOLANA_RPC_URL: 'http://127.0.0.1:8899' } }).rpc.url).toBe('http://127.0.0.1:8899');
    expect(loadConfig({ env: { SOLANA_RPC_URL: 'http://validator:8899' } }).network).toBe('localnet');
  });
});

describe('maskSecrets', () => {
  const config = loadConfig({
    env: {
      SOLANA_RPC_URL: HELIUS_URL,
      DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0.GxYz12.abcdefghijklmnopqrstuvwxyz0123456789',
      TELEGRAM_TOKEN,
      REDIS_URL: 'redis://default:hunter2@redis.internal:6379/0',
    },
    overrides: {
      network: 'mainnet-beta',
      rpc: { preset: 'helius-free', fallbackUrl: 'https://user:pw@example.solana-mainnet.quiknode.pro/9f8e7d6c5b4a39281706f5e4d3c2b1a0/' },
    },
  });
  const masked = maskSecrets(config);

  it('hides bot tokens and URL credentials but keeps the hosts visible', () => {
    expect(masked.discord.token).toBe('***');
    expect(masked.telegram.token).toBe('***');
    expect(masked.rpc.url).toBe('https://mainnet.helius-rpc.com/?api-key=***');
    expect(masked.rpc.fallbackUrl).toBe('https://***@example.solana-mainnet.quiknode.pro/***/');
    expect(masked.store.redisUrl).toBe('redis://***@redis.internal:6379/0');
    const text = JSON.stringify(masked);
    for (const secret of ['hunter2', '0f1e2d3c', '9f8e7d6c', 'GxYz12', TELEGRAM_TOKEN]) expect(text).not.toContain(secret);
  });

  it('leaves the configuration itself untouched, and null secrets stay null', () => {
    expect(config.telegram.token).toBe(TELEGRAM_TOKEN);
    expect(maskSecrets(defaultConfig()).discord.token).toBeNull();
    expect(masked.http).toEqual(config.http);
  });
});

describe('RPC presets', () => {
  it("carry the providers' published limits", () => {
    expect(rpcPresets['public-mainnet']).toMatchObject({ requestsPerWindow: 100, windowMs: 10_000, perMethodPerWindow: 40, maxConcurrent: 40 });
    expect(rpcPresets['public-devnet']).toEqual(rpcPresets['public-mainnet']);
    const helius = (['helius-free', 'helius-developer', 'helius-business', 'helius-professional'] as const).map((name) => rpcPresets[name]);
    expect(helius.map((l) => l.requestsPerWindow)).toEqual([10, 50, 200, 500]);
    expect(helius.map((l) => l.windowMs)).toEqual([1_000, 1_000, 1_000, 1_000]);
    expect(helius.map((l) => l.sendTransactionPerSecond)).toEqual([1, 5, 50, 100]);
    expect(rpcPresets.localnet.requestsPerWindow).toBeNull();
    expect(rpcPresets.unlimited.maxConcurrent).toBeNull();
  });

  it('a configured limit overrides one figure of the preset and keeps the others', () => {
    const config = loadConfig({ env: {}, overrides: { rpc: { preset: 'public-mainnet', limits: { maxConcurrent: 8 } } } });
    expect(resolveRpcLimits(config.rpc.preset, config.rpc.limits)).toEqual({ ...rpcPresets['public-mainnet'], maxConcurrent: 8 });
  });
});
