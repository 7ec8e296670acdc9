/**
 * The audit log: who did what, when, to which plan, for every money-moving command and every
 * role-relevant change (wallet links), whether it went through, was refused or failed. Kept in the
 * store's "audit" namespace, one entry per key, plus a bounded index of the newest for reading back.
 */
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
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
  /** The options as validated (never secrets: no command takes one). */
  options?: Record<string, unknown>;
  /** Error or precondition code when not done. */
  code?: string;
  /** Internal error id, to find the stack in the log. */
  errorId?: string;
}

const INDEX = 'index:recent';
const INDEX_SIZE = 1_000;

export class AuditLog {
  // One writer at a time in this process, so the index is never rewritten from a stale read.
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly kv: Keyv) {}

  record(entry: AuditEntry): Promise<void> {
    const next = this.writing.then(async () => {
      const key = `entry:${String(entry.at).padStart(15, '0')}:${randomBytes(3).toString('hex')}`;
      await this.kv.set(key, stripUndefined(entry));
      const index = ((await this.kv.get(INDEX)) as string[] | undefined) ?? [];
      index.push(key);
      await this.kv.set(INDEX, index.slice(-INDEX_SIZE));
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** The newest entries, newest first. */
  async recent(limit = 50): Promise<AuditEntry[]> {
    await this.writing;
    const index = ((await this.kv.get(INDEX)) as string[] | undefined) ?? [];
    const keys = index.slice(-limit).reverse();
    const values = (await Promise.all(keys.map((k) => this.kv.get(k)))) as (AuditEntry | undefined)[];
    return values.filter((v): v is AuditEntry => v !== undefined);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
