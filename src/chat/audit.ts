/**
 * The audit log: who did what, when, to which plan, for every money-moving command and every
 * role-relevant change (wallet links), whether it went through, was refused or failed. Kept in the
 * store's "audit" namespace, one entry per key written with the retention as its TTL, plus a bounded
 * index of the newest for reading back.
 *
 * It keeps what was decided, not what was typed: an option value shaped like a private key (pasted
 * by mistake as a mint, an amount, an exclude list) is replaced by a marker before anything is
 * written, and long values are cut, so an entry stays small whatever was pasted.
 */
import { Mutex } from 'async-mutex';
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { KEY_MATERIAL_MARKER, looksLikeKeyMaterial } from '../log/key-material.js';
import type { Actor } from '../engine/ledger.js';
import type { ChatRef, Role } from './types.js';

export interface AuditEntry {
  at: number;
  actor: Actor;
  role: Role;
  chat: ChatRef;
  /** The command, e.g. "distribute confirm". */
  action: string;
  outcome: 'done' | 'refused' | 'failed';
  planId?: string;
  /**
   * The options as validated, or as typed when they were refused; values shaped like key material
   * are replaced by a marker and long ones cut (see AuditLog.record).
   */
  options?: Record<string, unknown>;
  /** Error or precondition code when not done. */
  code?: string;
  /** Internal error id, to find the stack in the log. */
  errorId?: string;
}

const INDEX = 'index:recent';
const INDEX_SIZE = 1_000;

/** Longest option value kept, in characters; longer ones are cut and say how long they were. */
export const AUDIT_VALUE_MAX = 200;
const PLAN_ID_MAX = 64;

export interface AuditLogOptions {
  /** How long an entry is kept (config `audit.retentionDays`). */
  retentionMs: number;
  /** Clock for tests. Default Date.now. */
  now?: () => number;
}

export class AuditLog {
  // One writer at a time in this process, so the index is never rewritten from a stale read.
  private readonly writing = new Mutex();
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(
    private readonly kv: Keyv,
    opts: AuditLogOptions,
  ) {
    this.retentionMs = opts.retentionMs;
    this.now = opts.now ?? Date.now;
  }

  record(entry: AuditEntry): Promise<void> {
    return this.writing.runExclusive(async () => {
      const key = `entry:${String(entry.at).padStart(15, '0')}:${randomBytes(3).toString('hex')}`;
      const kept = stripUndefined({
        ...entry,
        // A plan id comes from the typed `id:` when the command was refused: it is input like any option.
        ...(entry.planId !== undefined ? { planId: keptText(entry.planId, PLAN_ID_MAX) } : {}),
        ...(entry.options ? { options: keptOptions(entry.options) } : {}),
      });
      // The entry's own retention: it expires at `at` + retention, whenever it is written.
      await this.kv.set(key, kept, Math.max(1, entry.at + this.retentionMs - this.now()));
      const oldest = this.now() - this.retentionMs;
      const index = (((await this.kv.get(INDEX)) as string[] | undefined) ?? []).filter((k) => entryTime(k) >= oldest);
      index.push(key);
      await this.kv.set(INDEX, index.slice(-INDEX_SIZE));
    });
  }

  /** The newest entries, newest first. */
  async recent(limit = 50): Promise<AuditEntry[]> {
    await this.writing.waitForUnlock();
    const index = ((await this.kv.get(INDEX)) as string[] | undefined) ?? [];
    const keys = index.slice(-limit).reverse();
    const values = (await Promise.all(keys.map((k) => this.kv.get(k)))) as (AuditEntry | undefined)[];
    return values.filter((v): v is AuditEntry => v !== undefined);
  }
}

/** The options as stored: no key material, no value longer than AUDIT_VALUE_MAX. */
function keptOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out[cut(name, 40)] = typeof value === 'string' ? keptText(value) : typeof value === 'number' || typeof value === 'boolean' ? value : keptText(String(value));
  }
  return { ...out };
}

function keptText(value: string, max = AUDIT_VALUE_MAX): string {
  if (looksLikeKeyMaterial(value)) return KEY_MATERIAL_MARKER;
  return cut(value, max);
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters, cut)`;
}

/** The time in an entry key `entry:<15-digit ms>:<random>`. */
function entryTime(key: string): number {
  return Number(key.split(':')[1] ?? 0);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
