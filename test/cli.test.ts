import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it, vi } from 'vitest';
import { Connection, Keypair } from '@solana/web3.js';
import { checkKeypairFile } from '../src/solana/keypair.js';
import { ENV_BINDINGS, firstOverride } from '../src/config/env.js';
import { configShowDefaults, writeBinFiles } from '../src/cli/build-bin.js';
import { showConfig } from '../src/cli/config-command.js';

const CLI = join(import.meta.dirname, '../src/cli/main.ts');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('tributary CLI', () => {
  it('`localnet` prints one JSON line naming the RPC URL, mints and keypair, and serves a real chain until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'localnet', '--port', '0', '--holders', '12', '--keypair-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    const info = JSON.parse(first) as Record<string, string | number>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['rpcUrl', 'baseMint', 'rewardMint', 'keypairPath']));
    expect(info.keypairPath).toBe(join(dir, 'distributor.json'));
    expect(info.holders).toBe(12);
    const conn = new Connection(String(info.rpcUrl), 'confirmed');
    expect((await conn.getTokenSupply(new (await import('@solana/web3.js')).PublicKey(String(info.rewardMint)))).value.decimals).toBe(6);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });

  it('`config validate` names each bad key and exits 1; a good file passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cfg-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rpc: { retry: { maxAttempts: -1 } }, distributon: {} }));
    const res = run(['config', 'validate', '--file', bad]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/rpc\.retry\.maxAttempts/);
    expect(res.stderr).toMatch(/distributon/);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ localnet: { holders: 10 } }));
    expect(run(['config', 'validate', '--file', good]).status).toBe(0);
  });

  it('the checked-in config/example.json is a valid configuration', () => {
    const res = run(['config', 'validate', '--file', join(import.meta.dirname, '../config/example.json')]);
    expect(res.status, res.stderr).toBe(0);
  });

  it('`config show` masks the bot tokens and RPC credentials', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tributary-cfg-')), 'mainnet.json');
    writeFileSync(file, JSON.stringify({ network: 'mainnet-beta', rpc: { preset: 'helius-free' } }));
    const res = run(['config', 'show'], {
      DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345',
      TELEGRAM_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      SOLANA_RPC_URL: 'https://mainnet.helius-rpc.com/?api-key=very-secret-key',
      TRIBUTARY_KEYPAIR: '/keys/distributor.json',
      TRIBUTARY_CONFIG: file,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/abcdefghijklmnopqrstuvwxyz012345|AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw|very-secret-key/);
    expect(res.stdout).toMatch(/mainnet\.helius-rpc\.com/);
  });

  it('`start` with no token and no RPC URL runs the demo: banner, then answers commands from stdin and exits 0', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
    const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      input: '/help\n/distribute preview token:nope amount:1 reward:SOL\n',
      encoding: 'utf8',
      env: { ...process.env, TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_HTTP_PORT: '0', DISCORD_TOKEN: '', TELEGRAM_TOKEN: '', SOLANA_RPC_URL: '', TRIBUTARY_CONFIG: '' },
      timeout: 120_000,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/embedded local chain \(litesvm\) at http:\/\/127\.0\.0\.1:\d+/);
    expect(res.stdout).toMatch(/demo token +\w{32,44} +\(200 holders/);
    expect(res.stdout).toMatch(/Try first:\n {2}\/help/);
    // /help answered with the commands a console admin may run, and bad input named.
    expect(res.stdout).toContain('/distribute preview token:<token> amount:<amount> reward:<reward>');
    expect(res.stdout).toContain('/config show');
    expect(res.stdout).toMatch(/nope/);
  });

  it('`start` stopped by SIGINT says so in the terminal language (LANG=ja_JP.UTF-8) and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LANG: 'ja_JP.UTF-8',
        LC_ALL: '',
        LC_MESSAGES: '',
        TRIBUTARY_DATA_DIR: dataDir,
        TRIBUTARY_HTTP_PORT: '0',
        DISCORD_TOKEN: '',
        TELEGRAM_TOKEN: '',
        SOLANA_RPC_URL: '',
        TRIBUTARY_CONFIG: '',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('まずはこちらを:'), { timeout: 90_000, interval: 100 });
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('SIGINT: 停止します（送信中のトランザクションの結果を先に確定します）…');
  });

  it("`start` creates the data directory's files for this user only, warns about a keypair file others can read, and prints no native-binding notice", () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-private-'));
    // A data directory made by an earlier version or by hand, with the usual 022 umask.
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const keypairPath = join(root, 'distributor.json');
    writeFileSync(keypairPath, JSON.stringify(Array.from(Keypair.generate().secretKey)));
    chmodSync(keypairPath, 0o644);
    const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      input: '/help\n/distribute preview token:nope amount:1 reward:SOL\n',
      encoding: 'utf8',
      env: {
        ...process.env,
        TRIBUTARY_DATA_DIR: dataDir,
        TRIBUTARY_HTTP_PORT: '0',
        TRIBUTARY_KEYPAIR: keypairPath,
        DISCORD_TOKEN: '',
        TELEGRAM_TOKEN: '',
        SOLANA_RPC_URL: '',
        TRIBUTARY_CONFIG: '',
      },
      timeout: 120_000,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(`⚠ keypair    keypair file ${keypairPath} can be read by other users (mode 0644); make it private: chmod 600 ${keypairPath}`);
    expect(res.stdout).toMatch(/a new chain and ledger at every start, the same demo token and holders each time \(localnet\.seed 42\)/);
    expect(res.stderr).not.toContain('Failed to load bindings');
    expect(readFileSync(join(dataDir, 'tributary.log'), 'utf8')).toContain('can be read by other users (mode 0644)');
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          expect(statSync(path).mode & 0o777, path).toBe(0o700);
          walk(path);
        } else files.push(path);
      }
    };
    walk(dataDir);
    expect(files.map((f) => f.slice(dataDir.length))).toEqual(expect.arrayContaining(['/tributary.log', '/embedded/tributary.sqlite']));
    for (const file of files) expect(statSync(file).mode & 0o777, file).toBe(0o600);
  });

  it('`start` refuses a keypair file others can read on mainnet-beta, unless allowInsecureKeypairFile is set', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-mainnet-'));
    const keypairPath = join(root, 'distributor.json');
    writeFileSync(keypairPath, JSON.stringify(Array.from(Keypair.generate().secretKey)));
    chmodSync(keypairPath, 0o640);
    const config = join(root, 'mainnet.json');
    writeFileSync(config, JSON.stringify({ network: 'mainnet-beta', rpc: { preset: 'public-mainnet' } }));
    const env = {
      TRIBUTARY_DATA_DIR: join(root, 'data'),
      TRIBUTARY_HTTP_PORT: '0',
      TRIBUTARY_KEYPAIR: keypairPath,
      TRIBUTARY_CONFIG: config,
      SOLANA_RPC_URL: 'https://api.mainnet-beta.solana.com',
      DISCORD_TOKEN: '',
      TELEGRAM_TOKEN: '',
    };
    const refused = run(['start'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `keypair file ${keypairPath} can be read by other users (mode 0640); make it private: chmod 600 ${keypairPath}. Refusing to start on mainnet-beta`,
    );
    expect(refused.stderr).toContain('"allowInsecureKeypairFile": true');
    expect(refused.stdout).toBe('');
    // With the flag it is a warning, as on every other network; a private file is not mentioned at all.
    expect(checkKeypairFile(keypairPath, { network: 'mainnet-beta', allowInsecure: true })).toContain('(mode 0640)');
    expect(checkKeypairFile(keypairPath, { network: 'devnet', allowInsecure: false })).toContain('(mode 0640)');
    chmodSync(keypairPath, 0o600);
    expect(checkKeypairFile(keypairPath, { network: 'mainnet-beta', allowInsecure: false })).toBeNull();
  });

  it('`--help` lists the subcommands without loading the chain', () => {
    const res = run(['--help']);
    expect(res.status).toBe(0);
    for (const sub of ['start', 'localnet', 'config', 'discord']) expect(res.stdout).toContain(sub);
  });
});

describe('the installed `tributary` command (src/cli/launcher.sh and the files the build writes beside main.js)', () => {
  const repo = join(import.meta.dirname, '..');
  const blankConfigEnv = Object.fromEntries(['TRIBUTARY_CONFIG', ...ENV_BINDINGS.map((b) => b.name)].map((name) => [name, '']));

  /** A build-like folder: the launcher as `tributary`, a main.js that runs src/cli/main.ts through tsx, and build-bin's files. */
  function installed(): { bin: string; dir: string; env: NodeJS.ProcessEnv } {
    const root = mkdtempSync(join(tmpdir(), 'tributary-bin-'));
    const dir = join(root, 'lib', 'cli');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'lib', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'main.js'), `import ${JSON.stringify(pathToFileURL(CLI).href)};\n`);
    writeBinFiles(join(repo, 'src/cli/launcher.sh'), dir, ['--import', 'tsx', CLI]);
    // As npm installs a bin: a symlink in node_modules/.bin.
    mkdirSync(join(root, '.bin'));
    symlinkSync('../lib/cli/tributary', join(root, '.bin', 'tributary'));
    const env = { ...process.env, ...blankConfigEnv, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NODE_OPTIONS: '--import tsx' };
    return { bin: join(root, '.bin', 'tributary'), dir, env };
  }
  const runBin = (bin: string, args: string[], env: NodeJS.ProcessEnv) => spawnSync(bin, args, { cwd: repo, encoding: 'utf8', env, timeout: 60_000 });

  it('answers a bare --help with the help text commander prints, and runs the program for everything else', () => {
    const { bin, env } = installed();
    const fromProgram = run(['--help']);
    expect(fromProgram.status).toBe(0);
    for (const flag of ['--help', '-h']) {
      const res = runBin(bin, [flag], env);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toBe(fromProgram.stdout);
    }
    const sub = runBin(bin, ['config', '--help'], env);
    expect(sub.status, sub.stderr).toBe(0);
    expect(sub.stdout).toContain('validate');
    const bad = runBin(bin, ['config', 'validate', '--file', join(tmpdir(), 'no-such-tributary.json')], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('does not exist');
  });

  it("does not trust a help.txt older than main.js (compiled again without the build's last step)", () => {
    const { bin, dir, env } = installed();
    writeFileSync(join(dir, 'help.txt'), 'PREBUILT\n');
    expect(runBin(bin, ['--help'], env).stdout).toBe('PREBUILT\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'main.js'), later, later);
    const res = runBin(bin, ['--help'], env);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe(run(['--help']).stdout);
  });

  it('`config show` with nothing overridden is answered by the launcher without Node; any override, or an older defaults file, runs the program', () => {
    const { bin, dir, env } = installed();
    // A PATH with the two tools the launcher uses and no node: only the launcher itself can answer.
    const tools = mkdtempSync(join(tmpdir(), 'tributary-tools-'));
    for (const tool of ['cat', 'readlink']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(tools, tool));
    const noNode = { ...env, PATH: tools };
    const res = runBin(bin, ['config', 'show'], { ...noNode, LOG_LEVEL: ' ' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe(configShowDefaults());
    // Overridden, the program loads and validates: with no node on PATH that fails, with it the URL shows.
    expect(runBin(bin, ['config', 'show'], { ...noNode, SOLANA_RPC_URL: 'http://127.0.0.1:8899' }).status).not.toBe(0);
    const shown = runBin(bin, ['config', 'show'], { ...env, SOLANA_RPC_URL: 'http://127.0.0.1:8899' });
    expect(shown.status, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { rpc: { url: string } }).rpc.url).toBe('http://127.0.0.1:8899');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'main.js'), later, later);
    expect(runBin(bin, ['config', 'show'], noNode).status).not.toBe(0);
  });

  it('`config show` with nothing overridden prints exactly what loading and validating the defaults prints', () => {
    const res = run(['config', 'show'], blankConfigEnv);
    expect(res.status, res.stderr).toBe(0);
    expect(configShowDefaults()).toBe(res.stdout);
    // Any config variable, or a config file, means the configuration is loaded and validated.
    expect(firstOverride({})).toBeNull();
    expect(firstOverride({ TRIBUTARY_CONFIG: ' ', LOG_LEVEL: '' })).toBeNull();
    expect(firstOverride({ TRIBUTARY_CONFIG: './tributary.json' })).toBe('TRIBUTARY_CONFIG');
    for (const { name } of ENV_BINDINGS) expect(firstOverride({ [name]: 'x' })).toBe(name);
  });

  it('`config show` prints the prebuilt defaults only when nothing overrides them and the file is not older than the program', async () => {
    const prebuilt = join(mkdtempSync(join(tmpdir(), 'tributary-prebuilt-')), 'config-defaults.json');
    writeFileSync(prebuilt, 'PREBUILT\n');
    const shown = async (env: NodeJS.ProcessEnv): Promise<string> => {
      let out = '';
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
      try {
        await showConfig({ env, prebuilt });
      } finally {
        write.mockRestore();
      }
      return out;
    };
    expect(await shown({})).toBe('PREBUILT\n');
    const withUrl = JSON.parse(await shown({ SOLANA_RPC_URL: 'http://127.0.0.1:8899', TRIBUTARY_CONFIG: '' })) as { rpc: { url: string } };
    expect(withUrl.rpc.url).toBe('http://127.0.0.1:8899');
    utimesSync(prebuilt, new Date(0), new Date(0));
    expect(await shown({})).toBe(configShowDefaults());
  });
});
