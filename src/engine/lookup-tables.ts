/**
 * Address lookup tables a recurring distribution keeps of its recipients (docs/lookup-tables.md).
 *
 * A table set belongs to one schedule. Before a run pays with it, `prepare` makes sure every
 * recipient's accounts are in one of its tables: it creates tables and extends them, each of those
 * transactions signed, written to the store and only then broadcast, and settled by the same proof
 * as a payment (settle.ts); a transaction whose fate is not known yet is asked about again before
 * another is made, so a table is never created or extended twice. Rent is money too.
 *
 * The set is kept in the store (namespace "lookup-tables"):
 * - `set:<id>`: the tables (address, recent slot), the plans that used them;
 * - `retire:<id>`: the schedule was deleted (written without the lease, so a delete never waits for
 *   a run that is preparing the tables; nothing else writes it);
 * - `op:<id>:<seq>`: each table transaction, written ahead of its broadcast (dense sequence);
 * - `lease:<id>`: one process changes a set at a time, and every write names its lease's token.
 *
 * Namespace "lookup-table-sets" lists the sets (one key each), so the scheduler's sweep reads a
 * short list instead of every table transaction.
 *
 * When the schedule is deleted the set retires: once no distribution that used it is unfinished,
 * each table is deactivated, and closed (its rent back to the distributor) after the cooldown the
 * lookup table program requires; `sweep` does both and is run by the scheduler's periodic check,
 * so it happens by itself, after a restart too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AddressLookupTableAccount, AddressLookupTableProgram, Keypair, PublicKey, TransactionInstruction, type Connection } from '@solana/web3.js';
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import bs58 from 'bs58';
import type { AtomicOps, FencedEntry, LeaseHolder } from '../store/atomic.js';
import { entries } from '../store/iterate.js';
import type { Store } from '../store/open.js';
import type { RpcBatch } from '../solana/gateway.js';
import { compileLegacyMessage, singleSignerWire } from '../solana/legacy-message.js';
import type { LookupTableContents } from '../solana/v0-message.js';
import { nativeSigner } from '../solana/signer.js';
import { associatedTokenAddress } from './ata.js';
import { isTributaryError } from './errors.js';
import { Ledger, type Plan, type TxStatus } from './ledger.js';
import { distributionTag, TransferBuilder } from './tx-builder.js';
import { LeaseTaker, type HeldLease, type LeaseOptions } from './lease.js';
import { settle, type ObservedStatus, type PollEvidence } from './settle.js';
import type { RewardAsset } from './types.js';
import { runSliced, type Work } from './work.js';

/** Addresses one table holds at most (a message indexes them with one byte). */
export const TABLE_CAPACITY = 256;
/** Addresses one extend transaction adds: 27 x 32 bytes keep it, with its memo, under 1,232 bytes. */
const EXTEND_CHUNK = 27;
/** Bytes of a table before its addresses. */
export const TABLE_META_BYTES = 56;
/** Fee of a table transaction (one signature, no priority fee). */
const SETUP_FEE_LAMPORTS = 5_000n;
/** Table transactions sent before their group is settled. */
const OPS_PER_GROUP = 32;
/** getTransaction cross-checks per poll. */
const LOOKUPS_PER_POLL = 8;
const SPL_MEMO = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
/**
 * Slots after its deactivation before a table can be closed: the program waits until the
 * deactivation slot has left SlotHashes (512 banks; skipped slots make that a little more slots).
 */
const DEACTIVATION_COOLDOWN_SLOTS = 600;
/** JSON-RPC error of a node that keeps no transaction history. */
const NO_HISTORY = -32011;

/** The recipients of a plan as far as their addresses go (RecipientTable and arrays of them both give this). */
export interface RecipientKeys {
  readonly length: number;
  ownerBytes(i: number): Uint8Array;
  needsAccount(i: number): boolean;
}

export interface TableEntry {
  address: string;
  recentSlot: number;
  /** Sequence number of the op that creates it. */
  createdBy: number;
  /** `pending`: its create has not settled; `gone`: it was never created, or it is closed. */
  state: 'pending' | 'active' | 'deactivated' | 'gone';
  /** Slot its deactivation landed in: it can be closed once that slot has left SlotHashes. */
  deactivatedSlot?: number;
  /** Lamports returned when it was closed. */
  returnedLamports?: number;
}

export interface TableSet {
  id: string;
  /** The distributor: authority and payer of every table. */
  authority: string;
  /** The reward asset the addresses were derived for ("SOL" or the mint). */
  reward: string;
  tables: TableEntry[];
  /** Next op sequence number. */
  nextSeq: number;
  /** Plans that paid with these tables: the set retires only after their runs ended. */
  users: string[];
  /** Set when the schedule is deleted: no run uses the tables from then on. `place`: where to say they closed. */
  retiring?: { since: number; place?: { platform: string; id: string } };
  /** Every table is closed (or was never created): the record stays for the audit. */
  closedAt?: number;
}

export type TableOpKind = 'create' | 'extend' | 'deactivate' | 'close';

/** One table transaction, written before it is broadcast. */
export interface TableOp {
  seq: number;
  kind: TableOpKind;
  table: string;
  /** base58 of the addresses an extend adds. */
  addresses?: string[];
  signature: string;
  wire: string;
  lastValidBlockHeight: number;
  signedSlot: number;
  status: TxStatus;
  slot?: number;
  error?: string;
  signedAt: number;
  settledAt?: number;
}

/** What a set holds now, for previews and /schedule show. */
export interface TableSetSummary {
  tables: number;
  addresses: number;
  /** Lamports the tables hold as rent (returned when they are closed). */
  rentLamports: bigint;
  state: 'none' | 'active' | 'retiring' | 'closed';
  /** Tables deactivated and waiting for their cooldown before they can be closed. */
  closing: number;
}

/** What using the tables would change for one plan (LookupTables.estimate). */
export interface LookupEstimate {
  /** Addresses the plan needs that no table holds yet. */
  missingAddresses: number;
  /** Tables to create and extend transactions to send before the run. */
  newTables: number;
  setupTransactions: number;
  /** Rent the tables hold now, and what the missing addresses add. */
  rentHeldLamports: bigint;
  rentAddedLamports: bigint;
  /** Tables the set holds now. */
  tables: number;
  /** Distribution transactions the plan takes with the tables (once extended). */
  transactions: number;
}

/** What one sweep did. */
export interface SweepReport {
  deactivated: number;
  closed: number;
  returnedLamports: number;
  /** Sets whose last table closed in this sweep: their rent is all back. */
  setsClosed: { id: string; tables: number; returnedLamports: number; place?: { platform: string; id: string } }[];
}

export interface LookupTablesDeps {
  connection: Connection;
  /** One JSON-RPC batch to one endpoint: how a table transaction's fate is proven. */
  rpc: RpcBatch;
  store: Pick<Store, 'ns' | 'atomic'>;
  payer: Keypair;
  holder: LeaseHolder;
  lease: LeaseOptions;
  logger: Logger;
  pollIntervalMs?: number;
  rebroadcastIntervalMs?: number;
  /** A table transaction past its height without proof this long stops `prepare` (the run pays without the tables). */
  evidenceTimeoutMs?: number;
}

/** Every recipient's addresses (recipientAddresses), derived in slices: 10,000 token account addresses take a second or more. */
export function addressesOf(reward: RewardAsset, recipients: RecipientKeys): Promise<Uint8Array[][]> {
  return runSliced(
    (function* (): Work<Uint8Array[][]> {
      const out: Uint8Array[][] = new Array(recipients.length);
      for (let i = 0; i < recipients.length; i++) {
        out[i] = recipientAddresses(reward, recipients, i);
        if ((i & 63) === 63) yield;
      }
      return out;
    })(),
  );
}

/** The addresses a recipient's transfer names that a table can hold, in the order they are added. */
export function recipientAddresses(reward: RewardAsset, recipients: RecipientKeys, i: number): Uint8Array[] {
  const owner = recipients.ownerBytes(i);
  if (reward.kind === 'sol') return [owner];
  const account = associatedTokenAddress(new PublicKey(reward.mint).toBytes(), owner, new PublicKey(reward.programId).toBytes());
  // The owner is named only by the create of a missing account.
  return recipients.needsAccount(i) ? [account, owner] : [account];
}

/** Rent of a table holding `addresses` addresses, from the cluster's rent-exempt minimum per size. */
export function tableBytes(addresses: number): number {
  return TABLE_META_BYTES + 32 * addresses;
}

export class LookupTables {
  private readonly kv: Keyv;
  private readonly index: Keyv;
  private readonly atomic: AtomicOps;
  private readonly leases: LeaseTaker;
  private readonly sign: (message: Uint8Array) => Buffer;
  private readonly poll: number;
  private readonly rebroadcast: number;
  private readonly evidenceTimeout: number;

  constructor(private readonly deps: LookupTablesDeps) {
    this.kv = deps.store.ns('lookup-tables');
    this.index = deps.store.ns('lookup-table-sets');
    this.atomic = deps.store.atomic('lookup-tables');
    // The ledger's lease code over this namespace: `lease:<set id>` here, fenced the same way.
    const leaseLedger = new Ledger(this.kv, this.atomic, { kv: this.kv, atomic: this.atomic });
    this.leases = new LeaseTaker(leaseLedger, deps.holder, deps.lease, deps.logger);
    this.sign = nativeSigner(deps.payer);
    this.poll = deps.pollIntervalMs ?? 400;
    this.rebroadcast = deps.rebroadcastIntervalMs ?? 2_000;
    this.evidenceTimeout = deps.evidenceTimeoutMs ?? 120_000;
  }

  async get(id: string): Promise<TableSet | undefined> {
    const [set, retire] = (await Promise.all([this.kv.get(`set:${id}`), this.kv.get(`retire:${id}`)])) as [TableSet | undefined, TableSet['retiring']];
    if (!set) return undefined;
    return retire ? { ...set, retiring: retire } : set;
  }

  /** Every set, for the sweep. */
  async ids(): Promise<string[]> {
    const out: string[] = [];
    for await (const [key] of entries<unknown>(this.index)) out.push(key);
    return out;
  }

  /** The tables' contents now (read at `confirmed`), active tables only. */
  async contents(id: string): Promise<LookupTableContents[]> {
    const set = await this.get(id);
    if (!set || set.retiring) return [];
    return this.read(
      set.tables.filter((t) => t.state === 'active').map((t) => t.address),
      0,
    );
  }

  /** What the set holds now: tables, addresses and the rent they hold. */
  async summary(id: string): Promise<TableSetSummary> {
    const set = await this.get(id);
    if (!set) return { tables: 0, addresses: 0, rentLamports: 0n, state: 'none', closing: 0 };
    const live = set.tables.filter((t) => t.state === 'active' || t.state === 'deactivated');
    const infos = await this.readAccounts(
      live.map((t) => t.address),
      0,
    );
    let rent = 0n;
    let addresses = 0;
    infos.forEach((info) => {
      if (!info) return;
      rent += BigInt(info.lamports);
      addresses += Math.max(0, (info.data.length - TABLE_META_BYTES) / 32);
    });
    const closing = set.tables.filter((t) => t.state === 'deactivated').length;
    const state = set.closedAt ? 'closed' : set.retiring ? 'retiring' : 'active';
    return { tables: infos.filter(Boolean).length, addresses, rentLamports: rent, state, closing };
  }

  /**
   * What paying `plan` with the set would need first (tables, transactions, rent) and how many
   * transactions it then takes, packed as the run packs them.
   */
  async estimate(id: string, plan: Pick<Plan, 'id' | 'reward' | 'recipients'>, maxRecipients: number | null = null): Promise<LookupEstimate> {
    const { reward, recipients } = plan;
    const tables = await this.contents(id);
    const held = new Set(tables.flatMap((t) => t.addresses.map((a) => a.toBase58())));
    const addresses = await addressesOf(reward, recipients);
    let missing = 0;
    for (const list of addresses) for (const a of list) if (!held.has(bs58.encode(a))) missing++;
    const setup = await this.setupFor(tables, missing);
    const summary = await this.summary(id);
    return {
      tables: summary.tables,
      transactions: await packedTransactions(plan, withMissing(tables, addresses), this.deps.payer, maxRecipients),
      missingAddresses: missing,
      newTables: setup.newTables,
      setupTransactions: setup.transactions,
      rentHeldLamports: summary.rentLamports,
      rentAddedLamports: setup.rentLamports,
    };
  }

  /** Tables to create, table transactions and rent to add `missing` addresses, assigned as `fill` assigns them. */
  private async setupFor(tables: LookupTableContents[], missing: number): Promise<{ newTables: number; transactions: number; rentLamports: bigint }> {
    // The room of existing tables first, then new tables.
    let rest = missing;
    let extendCount = 0;
    for (const t of tables) {
      const take = Math.min(rest, Math.max(0, TABLE_CAPACITY - t.addresses.length));
      extendCount += Math.ceil(take / EXTEND_CHUNK);
      rest -= take;
    }
    const newTables = Math.ceil(rest / TABLE_CAPACITY);
    for (; rest > 0; rest -= TABLE_CAPACITY) extendCount += Math.ceil(Math.min(rest, TABLE_CAPACITY) / EXTEND_CHUNK);
    const base = BigInt(await this.deps.connection.getMinimumBalanceForRentExemption(tableBytes(0)));
    const perAddress = BigInt(await this.deps.connection.getMinimumBalanceForRentExemption(tableBytes(1))) - base;
    return { newTables, transactions: newTables + extendCount, rentLamports: BigInt(newTables) * base + BigInt(missing) * perAddress };
  }

  /**
   * Makes sure every recipient's addresses are in a table of set `id` (creating and extending
   * tables, each transaction recorded before it is sent), waits until what was added is usable,
   * and returns the tables. `planId` is remembered as a user of the set. A retiring set gives none.
   * Throws if a table transaction's fate cannot be proven yet: nothing more is sent for the set
   * until it can, and the caller pays without the tables meanwhile.
   */
  async prepare(id: string, reward: RewardAsset, recipients: RecipientKeys, planId: string, keepLamports = 0n): Promise<LookupTableContents[]> {
    const lease = await this.leases.take(id);
    try {
      const authority = this.deps.payer.publicKey.toBase58();
      const rewardKey = reward.kind === 'sol' ? 'SOL' : reward.mint;
      let set = (await this.get(id)) ?? { id, authority, reward: rewardKey, tables: [], nextSeq: 0, users: [] };
      // Listed before anything is sent for it, so a sweep finds every set that may hold rent.
      await this.index.set(id, { since: Date.now() });
      if (set.retiring) return [];
      if (set.authority !== authority || set.reward !== rewardKey) {
        this.deps.logger.warn({ set: id, authority: set.authority, reward: set.reward }, 'lookup tables of another distributor or reward: the run pays without them');
        return [];
      }
      set = await this.settlePending(lease, set);
      let tables = await this.read(
        set.tables.filter((t) => t.state === 'active').map((t) => t.address),
        await this.lastOpSlot(set),
      );
      const held = new Set(tables.flatMap((t) => t.addresses.map((a) => a.toBase58())));
      const missing: string[] = [];
      const seen = new Set<string>();
      for (const list of await addressesOf(reward, recipients)) {
        for (const bytes of list) {
          const a = bs58.encode(bytes);
          if (!held.has(a) && !seen.has(a)) missing.push(a);
          seen.add(a);
        }
      }
      // The tables' rent never takes SOL the distribution itself needs (`keepLamports`): without
      // room for both, the run pays without new table entries.
      const setup = missing.length > 0 ? await this.setupFor(tables, missing.length) : null;
      let filled = false;
      const balance = setup ? BigInt(await this.deps.connection.getBalance(this.deps.payer.publicKey, 'confirmed')) : 0n;
      const cost = setup ? setup.rentLamports + BigInt(setup.transactions) * SETUP_FEE_LAMPORTS : 0n;
      if (setup && balance - cost < keepLamports) {
        this.deps.logger.warn(
          { set: id, balance: balance.toString(), tablesNeed: cost.toString(), distributionNeeds: keepLamports.toString() },
          'not enough SOL for the lookup tables beside what the distribution needs: paying without new table entries',
        );
      } else if (missing.length > 0) {
        set = await this.fill(lease, set, tables, missing);
        filled = true;
      }
      // Addresses added in a slot can be looked up only from the next one, and a transfer names its
      // recipient by a position in a table: until the finalized bank is past the last table
      // transaction (this run's, or one a process before a restart sent), wait, then read the
      // positions the run will use. A rolled-back block could re-land extensions in another order
      // and give a position to another holder's account.
      const last = await this.lastOpSlot(set);
      if (filled || (await this.deps.connection.getSlot('finalized')) <= last) {
        while ((await this.deps.connection.getSlot('finalized')) <= last) await sleep(this.poll);
        tables = await this.read(
          set.tables.filter((t) => t.state === 'active').map((t) => t.address),
          last,
        );
      }
      if (!set.users.includes(planId)) {
        set = { ...set, users: [...set.users, planId] };
        await this.write(lease, [{ key: `set:${id}`, value: set }]);
      }
      return tables;
    } finally {
      await lease.release();
    }
  }

  /** The schedule was deleted: from now on no run uses the set; `sweep` deactivates and closes its tables. */
  async retire(id: string, place?: { platform: string; id: string }): Promise<TableSetSummary | null> {
    const set = await this.get(id);
    if (!set) return null;
    if (!set.retiring) await this.kv.set(`retire:${id}`, { since: Date.now(), ...(place ? { place } : {}) });
    return this.summary(id);
  }

  /**
   * Deactivates the tables of retiring sets whose users have all ended (`finished`), and closes
   * deactivated tables whose cooldown has passed, sending their rent back to the distributor.
   * Each step is a recorded transaction; a step that cannot be proven yet waits for the next sweep.
   */
  async sweep(finished: (planId: string) => Promise<boolean>): Promise<SweepReport> {
    const done: SweepReport = { deactivated: 0, closed: 0, returnedLamports: 0, setsClosed: [] };
    for (const id of await this.ids()) {
      const found = await this.get(id);
      if (!found?.retiring || found.closedAt) continue;
      let lease: HeldLease;
      try {
        lease = await this.leases.take(id);
      } catch (e) {
        if (isTributaryError(e, 'DISTRIBUTION_BUSY')) continue;
        throw e;
      }
      try {
        let set = await this.settlePending(lease, (await this.get(id)) as TableSet);
        // A table whose account is gone (closed by hand) has nothing left to return. Read from a bank
        // that has every recorded table transaction: a node behind would not know a new table yet
        // (it refuses the read, and the next sweep asks again).
        const live = set.tables.filter((t) => t.state === 'active' || t.state === 'deactivated');
        const accounts = await this.readAccounts(
          live.map((t) => t.address),
          await this.lastOpSlot(set),
        );
        const vanished = new Set(live.filter((_, k) => accounts[k] === null).map((t) => t.address));
        if (vanished.size > 0) {
          set = { ...set, tables: set.tables.map((t) => (vanished.has(t.address) ? { ...t, state: 'gone' as const } : t)) };
          await this.write(lease, [{ key: `set:${id}`, value: set }]);
        }
        // Users that ended are struck off, so each is asked about until it ends, not at every check.
        // One retried after that finds the set retiring and pays without the tables.
        const ended = await Promise.all(set.users.map(finished));
        const running = set.users.filter((_, k) => !ended[k]);
        if (running.length !== set.users.length) {
          set = { ...set, users: running };
          await this.write(lease, [{ key: `set:${id}`, value: set }]);
        }
        if (running.length > 0) continue;
        const toDeactivate = set.tables.filter((t) => t.state === 'active');
        if (toDeactivate.length > 0) {
          set = await this.sendOps(
            lease,
            set,
            toDeactivate.map((t) => ({
              kind: 'deactivate' as const,
              table: t.address,
              ixs: [AddressLookupTableProgram.deactivateLookupTable({ lookupTable: new PublicKey(t.address), authority: this.deps.payer.publicKey })],
            })),
          );
          done.deactivated += set.tables.filter((t) => t.state === 'deactivated' && toDeactivate.some((d) => d.address === t.address)).length;
        }
        const closable = await this.closable(set);
        if (closable.length > 0) {
          const before = new Map(set.tables.map((t) => [t.address, t.state]));
          const rent = new Map(
            (
              await this.readAccounts(
                closable.map((t) => t.address),
                0,
              )
            ).map((info, k) => [(closable[k] as TableEntry).address, info?.lamports ?? 0]),
          );
          set = await this.sendOps(
            lease,
            set,
            closable.map((t) => ({
              kind: 'close' as const,
              table: t.address,
              ixs: [
                AddressLookupTableProgram.closeLookupTable({ lookupTable: new PublicKey(t.address), authority: this.deps.payer.publicKey, recipient: this.deps.payer.publicKey }),
              ],
            })),
          );
          for (const t of set.tables) {
            if (before.get(t.address) === 'deactivated' && t.state === 'gone') {
              done.closed++;
              done.returnedLamports += rent.get(t.address) ?? 0;
            }
          }
          const returned = set.tables.map((t) => (before.get(t.address) === 'deactivated' && t.state === 'gone' ? { ...t, returnedLamports: rent.get(t.address) ?? 0 } : t));
          set = { ...set, tables: returned };
          await this.write(lease, [{ key: `set:${id}`, value: set }]);
        }
        if (set.tables.every((t) => t.state === 'gone')) {
          await this.write(lease, [{ key: `set:${id}`, value: { ...set, closedAt: Date.now() } }]);
          const returned = set.tables.reduce((sum, t) => sum + (t.returnedLamports ?? 0), 0);
          // A set that never got a table (its creates did not land) has nothing to tell.
          if (set.tables.some((t) => t.returnedLamports !== undefined))
            done.setsClosed.push({
              id,
              tables: set.tables.filter((t) => t.returnedLamports !== undefined).length,
              returnedLamports: returned,
              ...(set.retiring?.place ? { place: set.retiring.place } : {}),
            });
          this.deps.logger.info({ set: id }, 'lookup tables closed; their rent is back with the distributor');
        }
      } catch (err) {
        this.deps.logger.warn({ err, set: id }, 'lookup tables not retired yet; the next sweep goes on');
      } finally {
        await lease.release();
      }
    }
    return done;
  }

  /** Deactivated tables whose deactivation slot is out of SlotHashes (512 slots): the program closes only those. */
  private async closable(set: TableSet): Promise<TableEntry[]> {
    const deactivated = set.tables.filter((t) => t.state === 'deactivated' && t.deactivatedSlot !== undefined);
    if (deactivated.length === 0) return [];
    const slot = await this.deps.connection.getSlot('finalized');
    return deactivated.filter((t) => slot > (t.deactivatedSlot as number) + DEACTIVATION_COOLDOWN_SLOTS);
  }

  /** Creates tables and extends them with `missing`, filling the room of existing tables first. */
  private async fill(lease: HeldLease, start: TableSet, tables: LookupTableContents[], missing: string[]): Promise<TableSet> {
    let set = start;
    const assignments: { table: string; addresses: string[] }[] = [];
    let rest = missing;
    for (const t of tables) {
      const room = TABLE_CAPACITY - t.addresses.length;
      if (room <= 0 || rest.length === 0) continue;
      assignments.push({ table: t.key.toBase58(), addresses: rest.slice(0, room) });
      rest = rest.slice(room);
    }
    // New tables, one recent slot each: a table's address is derived from its authority and that
    // slot, which must be a recent one the chain has (a skipped slot fails the create, and the
    // next round makes another).
    let lastSlot = Math.max(0, ...set.tables.map((t) => t.recentSlot));
    let rounds = 0;
    while (rest.length > 0) {
      if (++rounds > 8) throw new Error('lookup tables: could not create the tables needed (see earlier warnings)');
      const count = Math.min(OPS_PER_GROUP, Math.ceil(rest.length / TABLE_CAPACITY));
      let finalized = await this.deps.connection.getSlot('finalized');
      while (finalized - count < lastSlot) {
        await sleep(this.poll);
        finalized = await this.deps.connection.getSlot('finalized');
      }
      const creates = Array.from({ length: count }, (_, k) => {
        const recentSlot = finalized - k;
        const [ix, address] = AddressLookupTableProgram.createLookupTable({ authority: this.deps.payer.publicKey, payer: this.deps.payer.publicKey, recentSlot });
        return { kind: 'create' as const, table: address.toBase58(), ixs: [ix], recentSlot };
      });
      lastSlot = finalized;
      set = await this.sendOps(lease, set, creates);
      for (const c of creates) {
        if (rest.length === 0 || set.tables.find((t) => t.address === c.table)?.state !== 'active') continue;
        assignments.push({ table: c.table, addresses: rest.slice(0, TABLE_CAPACITY) });
        rest = rest.slice(TABLE_CAPACITY);
      }
    }
    const extends_: { kind: 'extend'; table: string; ixs: TransactionInstruction[]; addresses: string[] }[] = [];
    for (const a of assignments) {
      for (let i = 0; i < a.addresses.length; i += EXTEND_CHUNK) {
        const chunk = a.addresses.slice(i, i + EXTEND_CHUNK);
        extends_.push({
          kind: 'extend',
          table: a.table,
          addresses: chunk,
          ixs: [
            AddressLookupTableProgram.extendLookupTable({
              lookupTable: new PublicKey(a.table),
              authority: this.deps.payer.publicKey,
              payer: this.deps.payer.publicKey,
              addresses: chunk.map((s) => new PublicKey(s)),
            }),
          ],
        });
      }
    }
    for (let i = 0; i < extends_.length; i += OPS_PER_GROUP) set = await this.sendOps(lease, set, extends_.slice(i, i + OPS_PER_GROUP));
    const failed = await this.failedOps(set, 'extend');
    if (failed > 0) this.deps.logger.warn({ set: set.id, failed }, 'some lookup table extensions failed: those recipients are paid without the tables');
    return set;
  }

  /**
   * Signs each op, writes it (and the set with a new table for a create) before broadcasting it,
   * then settles them all. Returns the set as recorded after.
   */
  private async sendOps(
    lease: HeldLease,
    start: TableSet,
    ops: { kind: TableOpKind; table: string; ixs: TransactionInstruction[]; addresses?: string[]; recentSlot?: number }[],
  ): Promise<TableSet> {
    let set = start;
    const sent: TableOp[] = [];
    const { context, value: latest } = await this.deps.connection.getLatestBlockhashAndContext('confirmed');
    for (const op of ops) {
      const seq = set.nextSeq;
      const memo = new TransactionInstruction({ programId: SPL_MEMO, keys: [], data: Buffer.from(`tributary:tables:${set.id}:${seq}`, 'utf8') });
      const message = compileLegacyMessage(this.deps.payer.publicKey, latest.blockhash, [...op.ixs, memo]);
      const signature = this.sign(message);
      const wire = singleSignerWire(signature, message);
      const record: TableOp = {
        seq,
        kind: op.kind,
        table: op.table,
        ...(op.addresses ? { addresses: op.addresses } : {}),
        signature: bs58.encode(signature),
        wire: wire.toString('base64'),
        lastValidBlockHeight: latest.lastValidBlockHeight,
        signedSlot: context.slot,
        status: 'signed',
        signedAt: Date.now(),
      };
      set = {
        ...set,
        nextSeq: seq + 1,
        ...(op.kind === 'create' ? { tables: [...set.tables, { address: op.table, recentSlot: op.recentSlot as number, createdBy: seq, state: 'pending' as const }] } : {}),
      };
      // Written before broadcast (docs/exactly-once.md, rule 1): after a crash the signature is known and asked about.
      await this.write(lease, [
        { key: `op:${set.id}:${seq}`, value: record },
        { key: `set:${set.id}`, value: set },
      ]);
      sent.push(record);
      await this.send(wire);
    }
    return this.settleOps(lease, set, sent);
  }

  /** Settles every op still `signed` (after a restart too) before anything new is sent. */
  private async settlePending(lease: HeldLease, set: TableSet): Promise<TableSet> {
    const ops = await this.ops(set);
    const pending = ops.filter((o) => o.status === 'signed');
    if (pending.length === 0) return set;
    this.deps.logger.info({ set: set.id, pending: pending.length }, 'settling lookup table transactions recorded before');
    return this.settleOps(lease, set, pending);
  }

  /**
   * Asks the chain about `ops` until each is confirmed, failed or proven expired (settle.ts),
   * broadcasting the same bytes again while they may land; records each outcome and what it does
   * to the set's tables.
   */
  private async settleOps(lease: HeldLease, start: TableSet, ops: TableOp[]): Promise<TableSet> {
    let set = start;
    const open = new Map(ops.map((o) => [o.signature, { op: o, sentAt: Date.now(), pastSince: undefined as number | undefined }]));
    /** The finalized height of the last poll: only transactions past it may have expired and need a getTransaction. */
    let height = 0;
    while (open.size > 0) {
      if (lease.lost) throw new Error(`lookup tables ${set.id}: another process took them over`);
      await sleep(this.poll);
      const entries = [...open.values()];
      const signatures = entries.map((e) => e.op.signature);
      // A public endpoint allows about 40 calls of one method in 10 s: a few cross-checks per poll.
      const lookups = entries.filter((e) => e.op.lastValidBlockHeight < height).slice(0, LOOKUPS_PER_POLL);
      const calls = [
        { method: 'getEpochInfo', params: [{ commitment: 'finalized' }] },
        { method: 'minimumLedgerSlot', params: [] },
        // At most 256 signatures a call; table transactions are sent in smaller groups.
        { method: 'getSignatureStatuses', params: [signatures, { searchTransactionHistory: true }] },
        ...lookups.map((e) => ({ method: 'getTransaction', params: [e.op.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'base64' }] })),
      ];
      const { answers } = await this.deps.rpc(calls);
      const info = answers[0]?.result as { absoluteSlot?: number; blockHeight?: number } | undefined;
      const finalized = info && typeof info.absoluteSlot === 'number' && typeof info.blockHeight === 'number' ? { slot: info.absoluteSlot, blockHeight: info.blockHeight } : null;
      if (finalized) height = Math.max(height, finalized.blockHeight);
      const first = answers[1]?.result;
      const statusAnswer = answers[2];
      const noHistory = statusAnswer?.error?.code === NO_HISTORY;
      const value = statusAnswer?.result as { context?: { slot?: number }; value?: (ObservedStatus | null)[] } | undefined;
      if (!noHistory && (!value || !Array.isArray(value.value) || value.value.length !== entries.length)) continue;
      const evidence: PollEvidence = {
        finalized,
        statusContextSlot: value?.context?.slot ?? 0,
        historySearched: !noHistory,
        firstAvailableSlot: typeof first === 'number' ? first : null,
      };
      const changes: FencedEntry[] = [];
      for (const [k, e] of entries.entries()) {
        const asked = lookups.indexOf(e);
        const answer = asked >= 0 ? answers[3 + asked] : undefined;
        const lookup = asked < 0 ? 'not-asked' : !answer || answer.error ? 'unavailable' : answer.result === null ? 'absent' : 'found';
        const outcome = settle(e.op, noHistory ? null : (value?.value?.[k] ?? null), evidence, lookup);
        if (outcome.outcome === 'unknown') {
          if (finalized && finalized.blockHeight > e.op.lastValidBlockHeight) e.pastSince ??= Date.now();
          if (e.pastSince !== undefined && Date.now() - e.pastSince > this.evidenceTimeout) {
            throw new Error(`lookup tables ${set.id}: no proof yet of what became of ${e.op.signature} (${outcome.missing})`);
          }
          if (outcome.missing === 'may-still-land' && Date.now() - e.sentAt >= this.rebroadcast) {
            e.sentAt = Date.now();
            await this.send(Buffer.from(e.op.wire, 'base64'));
          }
          continue;
        }
        const settled: TableOp = {
          ...e.op,
          status: outcome.outcome,
          settledAt: Date.now(),
          ...(outcome.outcome !== 'expired' ? { slot: outcome.slot } : {}),
          ...(outcome.outcome === 'failed' ? { error: JSON.stringify(outcome.error) } : {}),
        };
        if (outcome.outcome !== 'confirmed') this.deps.logger.warn({ set: set.id, op: settled }, `lookup table ${settled.kind} did not take effect`);
        set = { ...set, tables: set.tables.map((t) => (t.address === settled.table ? applyOp(t, settled) : t)) };
        changes.push({ key: `op:${set.id}:${settled.seq}`, value: settled });
        open.delete(e.op.signature);
      }
      if (changes.length > 0) await this.write(lease, [...changes, { key: `set:${set.id}`, value: set }]);
    }
    return set;
  }

  private async send(wire: Buffer): Promise<void> {
    try {
      await this.deps.connection.sendRawTransaction(wire, { skipPreflight: true, maxRetries: 0 });
    } catch (err) {
      // The outcome is unknown, not failed: the status poll decides.
      this.deps.logger.warn({ err: (err as Error).message }, 'lookup table transaction broadcast failed; will settle by status');
    }
  }

  /** Every op of the set, in order. */
  private async ops(set: TableSet): Promise<TableOp[]> {
    const keys = Array.from({ length: set.nextSeq }, (_, i) => `op:${set.id}:${i}`);
    const out: TableOp[] = [];
    for (let i = 0; i < keys.length; i += 256)
      out.push(...((await this.kv.getMany(keys.slice(i, i + 256))) as (TableOp | undefined)[]).filter((o): o is TableOp => o !== undefined));
    return out;
  }

  private async failedOps(set: TableSet, kind: TableOpKind): Promise<number> {
    return (await this.ops(set)).filter((o) => o.kind === kind && (o.status === 'failed' || o.status === 'expired')).length;
  }

  /** Slot of the newest confirmed op: reads of the tables must come from a bank at least that recent. */
  private async lastOpSlot(set: TableSet): Promise<number> {
    const ops = await this.ops(set);
    return Math.max(0, ...ops.filter((o) => o.status === 'confirmed').map((o) => o.slot ?? 0));
  }

  private async read(addresses: string[], minContextSlot: number): Promise<LookupTableContents[]> {
    const infos = await this.readAccounts(addresses, minContextSlot);
    const out: LookupTableContents[] = [];
    infos.forEach((info, k) => {
      if (!info) return;
      const key = new PublicKey(addresses[k] as string);
      const state = AddressLookupTableAccount.deserialize(info.data);
      out.push({ key, addresses: state.addresses });
    });
    return out;
  }

  private async readAccounts(addresses: string[], minContextSlot: number): Promise<({ lamports: number; data: Uint8Array } | null)[]> {
    const out: ({ lamports: number; data: Uint8Array } | null)[] = [];
    for (let i = 0; i < addresses.length; i += 100) {
      const infos = await this.deps.connection.getMultipleAccountsInfo(
        addresses.slice(i, i + 100).map((a) => new PublicKey(a)),
        { commitment: 'confirmed', ...(minContextSlot > 0 ? { minContextSlot } : {}) },
      );
      out.push(...infos.map((info) => (info ? { lamports: info.lamports, data: info.data } : null)));
    }
    return out;
  }

  private async write(lease: HeldLease, entries: FencedEntry[]): Promise<void> {
    if (!(await this.atomic.fencedSet(`lease:${lease.fence.distributionId}`, lease.fence.token, entries))) {
      throw new Error(`lookup tables ${lease.fence.distributionId}: another process took them over, so this one stopped writing`);
    }
  }
}

/** `tables` as they will be once the recipients' missing addresses are added (new tables with made-up addresses). */
function withMissing(tables: LookupTableContents[], addresses: Uint8Array[][]): LookupTableContents[] {
  const out = tables.map((t) => ({ key: t.key, addresses: [...t.addresses] }));
  const held = new Set(tables.flatMap((t) => t.addresses.map((a) => a.toBase58())));
  for (const list of addresses) {
    for (const bytes of list) {
      const key = new PublicKey(bytes);
      if (held.has(key.toBase58())) continue;
      held.add(key.toBase58());
      let table = out.find((t) => t.addresses.length < TABLE_CAPACITY);
      if (!table) out.push((table = { key: Keypair.generate().publicKey, addresses: [] }));
      table.addresses.push(key);
    }
  }
  return out;
}

/** Transactions the run would sign for `plan` with `tables`, packed by the same builder (signed with the distributor's key, never sent). */
async function packedTransactions(plan: Pick<Plan, 'id' | 'reward' | 'recipients'>, tables: LookupTableContents[], payer: Keypair, maxRecipients: number | null): Promise<number> {
  const builder = new TransferBuilder({ payer, reward: plan.reward, computeUnitPrice: 0, maxRecipients, memo: distributionTag(plan.id, 0), lookupTables: tables });
  const blockhash = PublicKey.default.toBase58();
  let queue = await builder.lookupOrderSliced(
    Array.from({ length: plan.recipients.length }, (_, i) => i),
    plan.recipients,
  );
  let count = 0;
  while (queue.length > 0) {
    queue = queue.slice(builder.build(queue, plan.recipients, blockhash).recipients.length);
    // Other work (a chat's command) is served between a few transactions.
    if (++count % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return count;
}

/** What a settled op does to its table's entry. */
function applyOp(t: TableEntry, op: TableOp): TableEntry {
  const ok = op.status === 'confirmed';
  switch (op.kind) {
    case 'create':
      return op.seq === t.createdBy ? { ...t, state: ok ? 'active' : 'gone' } : t;
    case 'deactivate':
      return ok ? { ...t, state: 'deactivated', deactivatedSlot: op.slot as number } : t;
    case 'close':
      return ok ? { ...t, state: 'gone' } : t;
    default:
      return t;
  }
}
