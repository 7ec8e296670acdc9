/**
 * The connection of a chat platform adapter to its platform: tried at start, and while it fails,
 * tried again with exponential backoff (1 s doubling to a minute) for as long as the process runs,
 * each failure logged with the platform, the endpoint and the reason, so an operator reads within
 * seconds which platform cannot be reached. A refusal that retrying cannot mend (a token the
 * platform rejects) stops the tries and says so. `/healthz` reads `health()` from the start: not
 * ok until connected.
 */
import { Mutex } from 'async-mutex';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { maskUrl, redactString } from '../log/redact.js';

export interface PlatformLinkOptions {
  /** As people write it: "Discord", "Telegram". */
  platform: string;
  /** The API base the adapter talks to, for the messages (masked like any URL in a log). */
  endpoint: string;
  logger: Logger;
  /** One attempt; resolves with a line for /healthz once connected. */
  connect(signal: AbortSignal): Promise<string>;
  /** Why retrying cannot help, when the error says so (a refused token); null to try again. */
  refusal(err: unknown): string | null;
  /** First wait after a failure. Default 1000 ms. */
  baseDelayMs?: number;
  /** Longest wait between tries. Default 60000 ms. */
  maxDelayMs?: number;
}

export interface LinkHealth {
  ok: boolean;
  detail: string;
}

export class PlatformLink {
  /** Resolves when connected; rejects when the platform refused (see `refusal`), or on stop. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private state: LinkHealth;
  private readonly stopping = new AbortController();
  /** Connection attempts, one run at a time: a loss while a run still goes on queues the next. */
  private readonly connecting = new Mutex();
  private attempts = 0;
  private firstAttemptDone!: () => void;
  /** Resolves when the first attempt succeeded or failed. */
  private readonly firstAttempt = new Promise<void>((resolve) => (this.firstAttemptDone = resolve));

  constructor(private readonly opts: PlatformLinkOptions) {
    this.state = { ok: false, detail: `connecting to ${opts.platform} at ${maskUrl(opts.endpoint)}` };
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody has to wait for it: a refusal is logged and shown in /healthz.
    this.ready.catch(() => undefined);
  }

  /** Starts connecting; resolves after the first attempt or `firstWaitMs`, whichever comes first. */
  async start(firstWaitMs: number): Promise<void> {
    void this.connecting.runExclusive(() => this.run());
    await Promise.race([this.firstAttempt, delay(firstWaitMs, undefined, { ref: false })]);
    if (!this.state.ok && this.attempts === 0) {
      this.opts.logger.warn(`${this.opts.platform}: no answer from ${maskUrl(this.opts.endpoint)} yet after ${Math.round(firstWaitMs / 1000)} s; still trying`);
    }
  }

  health(): LinkHealth {
    return this.state;
  }

  /** The adapter lost its connection for good (its client stopped): try again as at start. */
  lost(err: unknown): void {
    if (this.stopping.signal.aborted) return;
    this.state = { ok: false, detail: `${this.opts.platform} connection lost: ${reasonOf(err)}; reconnecting` };
    this.opts.logger.error({ err }, `${this.opts.platform}: connection lost (${reasonOf(err)}); reconnecting`);
    void this.connecting.runExclusive(() => this.run());
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.rejectReady(new Error(`${this.opts.platform} adapter stopped`));
    await this.connecting.waitForUnlock();
  }

  private attempted(): void {
    this.attempts += 1;
    this.firstAttemptDone();
  }

  private async run(): Promise<void> {
    const { platform, logger } = this.opts;
    const endpoint = maskUrl(this.opts.endpoint);
    const base = this.opts.baseDelayMs ?? 1_000;
    const max = this.opts.maxDelayMs ?? 60_000;
    const signal = this.stopping.signal;
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        const detail = await this.opts.connect(signal);
        this.attempted();
        if (signal.aborted) return;
        this.state = { ok: true, detail };
        if (failures > 0) logger.info(`${platform}: connected to ${endpoint} after ${failures} failed attempt(s)`);
        this.resolveReady();
        return;
      } catch (err) {
        if (signal.aborted) return this.attempted();
        const refused = this.opts.refusal(err);
        if (refused !== null) {
          this.state = { ok: false, detail: refused };
          logger.error(`${platform}: ${refused}; not retrying (fix it and restart)`);
          this.rejectReady(new Error(`${platform}: ${refused}`));
          this.attempted();
          return;
        }
        const waitMs = Math.min(max, base * 2 ** failures);
        const reason = reasonOf(err);
        this.state = { ok: false, detail: `cannot reach ${platform} at ${endpoint}: ${reason}; retrying` };
        logger.error({ attempt: failures + 1, retryInMs: waitMs }, `${platform}: cannot reach ${endpoint} (${reason}); retrying in ${formatWait(waitMs)}`);
        this.attempted();
        await delay(waitMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}

/**
 * The most telling words of a connection error: the socket error under a library's wrapper
 * (`connect ECONNREFUSED 127.0.0.1:1`), never a URL, which may carry the bot token (grammY's
 * request URLs do). Whatever is left passes the log scrubber: /healthz shows it too.
 */
export function reasonOf(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const { code, syscall, address, port } = e as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      if (typeof syscall === 'string') return `${syscall} ${code}${typeof address === 'string' ? ` ${address}${typeof port === 'number' ? `:${port}` : ''}` : ''}`;
      const next = (e as { cause?: unknown }).cause;
      if (!(next instanceof Error)) return code;
    }
    const next = (e as { cause?: unknown; error?: unknown }).cause ?? (e as { error?: unknown }).error;
    if (!(next instanceof Error)) break;
    e = next;
  }
  return redactString(err instanceof Error ? err.message : String(err));
}

function formatWait(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}
