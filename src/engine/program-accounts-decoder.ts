/**
 * Decodes big getProgramAccounts answers on a worker thread. A part of a million-holder snapshot is
 * about 1 MB of JSON; parsing it and decoding its base64 takes 10-30 ms of one core, and four parts
 * in flight can finish together: on the main thread that held the event loop past the 50 ms any
 * task may take (docs/targets.md), in front of Discord's 3 s deadline and everyone's /help.
 *
 * The thread starts at the first big answer, is let go after a few idle seconds (an idle bot keeps
 * no second V8 heap), and never keeps the process alive on its own. Small answers are decoded where
 * they arrive: a thread hop costs more than they do. If the thread cannot start or dies, answers are
 * decoded on the main thread: slower to serve, never a different result, since both run the same
 * function.
 */
import { Worker } from 'node:worker_threads';
import { decodeProgramAccountsAnswer, type DecodedProgramAccounts } from './program-accounts-answer.js';

/** Answers shorter than this (about 1,000 accounts) are decoded on the calling thread. */
export const OFF_THREAD_MIN_CHARS = 256 * 1024;
/** The thread is stopped after this long without work. */
const IDLE_MS = 5_000;

// The worker runs the decoding function from its own source text, so the same code runs from the
// TypeScript sources (tests, tsx) and from the build. `__name` is defined because some TypeScript
// transpilers wrap named functions with it to keep their names. A throw inside the function is not
// a verdict on the answer (it refuses bad answers by returning): the thread says it failed, and the
// main thread decodes that answer itself.
const WORKER_SOURCE = `'use strict';
var __name = (f) => f;
const { parentPort } = require('node:worker_threads');
const decode = ${decodeProgramAccountsAnswer.toString()};
parentPort.on('message', (m) => {
  let result;
  try {
    result = decode(m.text, m.sliceLength, m.withAddresses);
  } catch (e) {
    parentPort.postMessage({ id: m.id, failed: e && e.message ? e.message : String(e) });
    return;
  }
  parentPort.postMessage({ id: m.id, result }, [result.data.buffer]);
});
`;

interface Pending {
  resolve(result: DecodedProgramAccounts): void;
  reject(error: unknown): void;
}

class DecoderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  dead = false;

  constructor() {
    // No execArgv: the thread needs no loader or flags of the parent, only Node's built-ins.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; result?: DecodedProgramAccounts; failed?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.settled();
      if (m.result) p?.resolve(m.result);
      else p?.reject(new Error(`the decoder thread failed: ${m.failed}`));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the decoder thread exited (${code})`)));
  }

  decode(text: string, sliceLength: number, withAddresses: boolean): Promise<DecodedProgramAccounts> {
    clearTimeout(this.idle);
    // Referenced while it owes an answer: the process must not exit under a snapshot that waits on it.
    if (this.pending.size === 0) this.worker.ref();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, text, sliceLength, withAddresses });
    });
  }

  private settled(): void {
    if (this.pending.size > 0) return;
    this.worker.unref();
    this.idle = setTimeout(() => this.stop(), IDLE_MS);
    this.idle.unref();
  }

  stop(): void {
    this.dead = true;
    clearTimeout(this.idle);
    void this.worker.terminate();
  }

  private fail(e: unknown): void {
    this.dead = true;
    clearTimeout(this.idle);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(e);
  }
}

let thread: DecoderThread | null = null;

/** `decodeProgramAccountsAnswer`, on the decoder thread when the answer is big. */
export async function decodeProgramAccounts(text: string, sliceLength: number, withAddresses: boolean): Promise<DecodedProgramAccounts> {
  if (text.length < OFF_THREAD_MIN_CHARS) return decodeProgramAccountsAnswer(text, sliceLength, withAddresses);
  try {
    if (!thread || thread.dead) thread = new DecoderThread();
    return await thread.decode(text, sliceLength, withAddresses);
  } catch {
    // The thread died or could not run the function: the same function here gives the same answer.
    return decodeProgramAccountsAnswer(text, sliceLength, withAddresses);
  }
}
