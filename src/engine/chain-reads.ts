/**
 * The chain reads behind the operators' questions that are not distributions: who holds a token
 * (/holders), what the distributor holds and how the endpoint is doing (/health). Every read goes
 * through the gateway's interactive lane, served ahead of a running distribution's traffic; the
 * chat layer words the answers.
 */
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { PublicKey, type Connection } from '@solana/web3.js';
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import type { RpcGatewayStats } from '../solana/gateway.js';
import { probeRpc, type RpcRequester, type RpcVerdict } from '../solana/probe.js';
import { join } from 'node:path';
import { formatAmount, parseAmount } from './amounts.js';
import { writeCsvFile } from './csv.js';
import type { ReportFile } from './events.js';
import { selectHoldersSliced, takeSnapshot, type ExclusionReason, type SnapshotSource } from './snapshot.js';
import { decodeMintDecimals, decodeTokenAccount } from './token-account.js';
import type { Snapshot } from './types.js';
import { PAUSE_EVERY, runSliced, type Work } from './work.js';

export interface ChainReadsDeps {
  /** The gateway's interactive lane. */
  connection: Connection;
  /** Raw requests on the interactive lane, to judge an endpoint that does not answer (probe.ts). */
  requester: RpcRequester;
  /** The gateway's counters and queues. */
  stats(): RpcGatewayStats;
  payer: PublicKey;
  /** The snapshot cache the preview reads too: a snapshot then a preview of one token cost one read. */
  snapshotCache?: Keyv;
  snapshotTtlMs: number;
  snapshotSource: SnapshotSource;
  /** Where holder lists are exported (the reports folder of the data directory). */
  exportsDir: string;
  logger: Logger;
}

export interface HolderQuery {
  token: string;
  /** Least holding counted, in token units as typed (the mint's decimals apply); zero counts everyone. */
  min?: string | undefined;
  exclude?: readonly string[] | undefined;
  max?: number | undefined;
  includeOffCurve?: boolean | undefined;
  /** Read the chain even when a recent snapshot is cached. */
  refresh?: boolean | undefined;
}

/**
 * The holders that pass the filters, as rows of the snapshot's compact table: a million holders
 * are never a million objects here (snapshot.holders.holder(row) gives one).
 */
export interface HolderList {
  snapshot: Snapshot;
  /** Rows of `snapshot.holders` that pass, largest first. */
  rows: Uint32Array;
  /** Holders left out, by the first reason that applied. */
  excluded: Record<ExclusionReason, number>;
  /** What the holders that pass hold together. */
  total: bigint;
}

export interface TokenBalance {
  mint: string;
  amount: bigint;
  decimals: number;
}

export interface DistributorHoldings {
  payer: string;
  lamports: bigint;
  /** At most MAX_TOKENS mints, each summed over the distributor's accounts of it. */
  tokens: TokenBalance[];
}

export interface ChainHealth {
  /** A getSlot on the interactive lane; when it fails, the probe's verdict says why. */
  rpc: { ok: true; slot: number; ms: number } | { ok: false; verdict: RpcVerdict; ms: number };
  requests: number;
  errors: number;
  rateLimited: number;
  queued: { interactive: number; bulk: number };
}

const MAX_TOKENS = 10;

export class ChainReads {
  constructor(private readonly deps: ChainReadsDeps) {}

  async holders(q: HolderQuery): Promise<HolderList> {
    const snapshot = await takeSnapshot(this.deps.connection, q.token, {
      ...(this.deps.snapshotCache ? { cache: this.deps.snapshotCache } : {}),
      ttlMs: this.deps.snapshotTtlMs,
      refresh: q.refresh ?? false,
      source: this.deps.snapshotSource,
    });
    const minBalance = q.min !== undefined ? parseAmount(q.min, snapshot.decimals, 'min', { allowZero: true }) : undefined;
    const { rows, excluded } = await selectHoldersSliced(snapshot.holders, {
      ...(minBalance !== undefined ? { minBalance } : {}),
      ...(q.exclude ? { exclude: [...q.exclude] } : {}),
      ...(q.max !== undefined ? { maxRecipients: q.max } : {}),
      includeOffCurve: q.includeOffCurve ?? false,
    });
    return { snapshot, rows, excluded, total: await runSliced(sumOfRows(snapshot, rows)) };
  }

  /**
   * The holder list of `q` as a CSV file under the exports folder, one line per holder that
   * passes, written a chunk at a time (a million lines are ~100 MB of text).
   */
  async exportHolders(q: HolderQuery): Promise<{ list: HolderList; file: ReportFile }> {
    const list = await this.holders(q);
    const { snapshot, rows } = list;
    const table = snapshot.holders;
    const path = join(this.deps.exportsDir, `holders-${snapshot.mint}-${snapshot.slot}.csv`);
    const lines = function* () {
      for (const row of rows) {
        yield [table.owner(row), formatAmount(table.amount(row), snapshot.decimals), String(table.tokenAccounts[row]), String(table.offCurve(row))];
      }
    };
    const written = await writeCsvFile(path, ['owner', 'amount', 'token_accounts', 'off_curve'], lines());
    return { list, file: { path, ...written } };
  }

  /** SOL and every token the distributor holds. */
  async balances(): Promise<DistributorHoldings> {
    const { connection, payer } = this.deps;
    const lamports = BigInt(await connection.getBalance(payer));
    const byMint = new Map<string, bigint>();
    for (const programId of [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]) {
      const { value } = await connection.getTokenAccountsByOwner(payer, { programId });
      for (const { account } of value) {
        const decoded = decodeTokenAccount(account.data);
        if (decoded) byMint.set(decoded.mint, (byMint.get(decoded.mint) ?? 0n) + decoded.amount);
      }
    }
    const mints = [...byMint.keys()].slice(0, MAX_TOKENS);
    const infos = mints.length ? await connection.getMultipleAccountsInfo(mints.map((m) => new PublicKey(m))) : [];
    const tokens = mints.map((mint, i) => {
      const info = infos[i];
      return { mint, amount: byMint.get(mint) ?? 0n, decimals: (info ? decodeMintDecimals(info.data) : null) ?? 0 };
    });
    return { payer: payer.toBase58(), lamports, tokens };
  }

  async health(): Promise<ChainHealth> {
    const started = Date.now();
    let rpc: ChainHealth['rpc'];
    try {
      const slot = await this.deps.connection.getSlot();
      rpc = { ok: true, slot, ms: Date.now() - started };
    } catch (err) {
      // The error text may carry the endpoint URL (and its key): the log redacts, a chat would not.
      this.deps.logger.warn({ err }, 'health: RPC did not answer');
      // Which it is, not answering or no Solana node (probe.ts).
      const verdict = await probeRpc(this.deps.requester);
      rpc = { ok: false, verdict, ms: Date.now() - started };
    }
    const stats = this.deps.stats();
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return { rpc, requests: sum(stats.requestsByMethod), errors: sum(stats.errorsByMethod), rateLimited: stats.rateLimited, queued: stats.queued };
  }

  /** The endpoint's verdict (probe.ts): whether it answers, and whether it is a Solana node. */
  probe(): Promise<RpcVerdict> {
    return probeRpc(this.deps.requester);
  }
}

function* sumOfRows(snapshot: Snapshot, rows: Uint32Array): Work<bigint> {
  let total = 0n;
  for (let k = 0; k < rows.length; k++) {
    total += snapshot.holders.amount(rows[k] as number);
    if ((k & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  return total;
}
