import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/*
 * A real redis-server for tests, started by the test that needs it: its own free port on 127.0.0.1
 * and its own temporary directory, so several vitest workers, and several whole suites, can run
 * their servers side by side. If redis-server is missing it is installed once with apt-get when
 * running as root (what .ci/run does too); otherwise the test fails and says how to install it.
 */

export interface RedisServerOptions {
  /**
   * true (default): every write is appended and fsynced before the reply, and nothing is evicted
   * (`appendonly yes`, `appendfsync always`, `maxmemory-policy noeviction`). false: Redis defaults.
   */
  durable?: boolean;
  /** Overrides `maxmemory-policy` (e.g. "allkeys-lru"). */
  maxmemoryPolicy?: string;
}

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (AOF, logs); removed by stop(). */
  readonly dir: string;
  /** Stops the server for good and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server and starts it again on the same port and directory. SIGTERM (default) is a
   * clean shutdown; SIGKILL is a crash, which is what tests whether acknowledged writes survive.
   */
  restart(opts?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
}

const START_ATTEMPTS = 8;
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const INSTALL_HINT =
  'The store tests run a real Redis. Install it with `sudo apt-get update && sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu; `bash .ci/run` does this when run as root), `brew install redis` (macOS), ' +
  'or point REDIS_SERVER_BIN at a redis-server binary.';

/** Children still running and directories not yet removed: ended when this process exits (see also the watchdog). */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = redisServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-redis-'));
  dirs.add(dir);
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''];
  if (opts.durable ?? true) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction');
  if (opts.maxmemoryPolicy !== undefined) args.push('--maxmemory-policy', opts.maxmemoryPolicy);

  let running: Running | undefined;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < START_ATTEMPTS && running === undefined; attempt++) {
    // The OS hands out a free port; another process may still take it before redis binds it,
    // which redis reports by exiting, and then the next attempt asks for another port.
    const port = await freePort();
    try {
      running = await launch(bin, port, dir, args);
    } catch (err) {
      if (!(err instanceof PortTaken)) {
        removeDir(dir);
        throw err;
      }
      lastError = err;
    }
  }
  if (running === undefined) {
    removeDir(dir);
    throw new Error(`redis-server found no free port in ${START_ATTEMPTS} attempts: ${lastError?.message ?? ''}`);
  }

  let current: Running | null = running;
  const port = running.port;
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      const was = current;
      current = null;
      if (was) await was.stop('SIGTERM');
      removeDir(dir);
    },
    async restart({ signal = 'SIGTERM' } = {}) {
      if (stopped) throw new Error('restart() after stop()');
      // current is null only when an earlier restart could not start the server again.
      await current?.stop(signal);
      current = null;
      // The port was ours a moment ago; if someone took it in between, wait a little for it.
      for (let attempt = 0; ; attempt++) {
        try {
          current = await launch(bin, port, dir, args);
          return;
        } catch (err) {
          if (!(err instanceof PortTaken)) throw err;
          if (attempt >= START_ATTEMPTS) throw new Error(`restart: port ${port} stayed taken by another process; call restart() again or stop()`);
          await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
        }
      }
    },
  };
}

class PortTaken extends Error {}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

interface Running {
  port: number;
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

async function launch(bin: string, port: number, dir: string, baseArgs: string[]): Promise<Running> {
  const child = spawn(bin, [...baseArgs, '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  // If this process dies without running its exit handlers (SIGKILL, a crashed worker), the
  // watchdog's stdin pipe closes and it kills the server and removes its directory.
  const watchdog =
    child.pid === undefined
      ? null
      : spawn('/bin/sh', ['-c', 'while read -r _; do :; done; kill -9 "$1" 2>/dev/null; sleep 1; rm -rf "$2"', 'redis-watchdog', String(child.pid), dir], {
          stdio: ['pipe', 'ignore', 'ignore'],
        });
  watchdog?.on('error', () => undefined);
  watchdog?.unref();
  (watchdog?.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  let log = '';
  const onData = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-8_192);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      watchdog?.kill('SIGKILL');
      resolve();
    });
  });

  const ready = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    const check = (): void => {
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout?.on('data', check);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${err.message}. ${INSTALL_HINT}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (/address already in use/i.test(log)) reject(new PortTaken(`port ${port} is taken`));
      else reject(new Error(`redis-server exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${log}`));
    });
  }).catch(async (err: unknown) => {
    live.delete(child);
    watchdog?.kill('SIGKILL');
    // A binary that could not be spawned has no process to wait for.
    if (child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    throw err;
  });
  if (!ready) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`redis-server was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`);
  }
  // Running servers must not keep a test process alive on their own; stop() and the exit handler end them.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  return {
    port,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let binary: string | undefined;

/** The redis-server to run: REDIS_SERVER_BIN, else the one on PATH, installed first if root can. */
export function redisServerBinary(): string {
  if (binary !== undefined) return binary;
  const fromEnv = process.env['REDIS_SERVER_BIN'];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`REDIS_SERVER_BIN=${fromEnv} is not an executable file. ${INSTALL_HINT}`);
    return (binary = fromEnv);
  }
  let found = onPath('redis-server');
  if (found === undefined) {
    installRedisServer();
    found = onPath('redis-server');
  }
  if (found === undefined) throw new Error(`redis-server is not on PATH. ${INSTALL_HINT}`);
  return (binary = found);
}

let installTried = false;

/** apt-get install redis-server, as root, once per process; workers that race wait on one lock. */
function installRedisServer(): void {
  if (installTried) return;
  installTried = true;
  if (process.getuid?.() !== 0 || onPath('apt-get') === undefined) return;
  const script = [
    'command -v redis-server >/dev/null && exit 0',
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -qq',
    'apt-get install -y -qq -o DPkg::Lock::Timeout=300 redis-server',
  ].join('\n');
  const lock = join(tmpdir(), 'tributary-redis-install.lock');
  const run =
    onPath('flock') !== undefined
      ? spawnSync('flock', [lock, '/bin/sh', '-ec', script], { encoding: 'utf8', timeout: 600_000 })
      : spawnSync('/bin/sh', ['-ec', script], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    throw new Error(
      `redis-server is not on PATH and installing it with apt-get failed (${run.error?.message ?? `exit ${String(run.status)}`}):\n${(run.stdout ?? '') + (run.stderr ?? '')}\n${INSTALL_HINT}`,
    );
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  // apt installs into /usr/bin and /usr/sbin, which a trimmed PATH may leave out.
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
