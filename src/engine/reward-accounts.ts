/**
 * Which recipients already hold an associated account of the reward token, asked the cheap way
 * round when that is fewer requests: instead of looking up every recipient's account (one
 * getMultipleAccounts per 100 recipients: 10,000 requests for a million), read the reward token's
 * own accounts with getProgramAccounts (2 requests for a token of a few thousand accounts, 256 for a
 * big one) and match their owners against the recipients. Only a recipient whose wallet owns some
 * account of the reward token has its associated address derived, to see whether that account is
 * the associated one.
 *
 * Chosen per preview from the first part of the reward token's accounts (owners starting 0x00, about
 * 1/256 of them); a node that does not serve the query, or refuses it as too large, leaves the
 * choice to the per-recipient lookups (null).
 */
import bs58 from 'bs58';
import { PublicKey, type Connection, type GetProgramAccountsFilter } from '@solana/web3.js';
import { associatedTokenAddress } from './ata.js';
import { compareOwnerAt, hashOwner, type HolderTable } from './holder-table.js';
import { readProgramAccounts } from './program-accounts.js';
import { refusal, SINGLE_REQUEST_MAX_ACCOUNTS } from './snapshot.js';
import type { RewardAsset } from './types.js';
import { turn } from './work.js';

const OWNER_ONLY = { offset: 32, length: 32 };
const LEGACY_ACCOUNT_SIZE = 165;
const PARTS_IN_FLIGHT = 4;
const GET_MULTIPLE_ACCOUNTS_MAX = 100;

/**
 * `exists[k]` = 1 when recipient k (table row `rowOf(k)`) holds its associated account of `reward`;
 * null when looking each recipient up would take no more requests, or the node would not answer.
 */
export async function rewardAccountsByOwner(
  connection: Connection,
  reward: Extract<RewardAsset, { kind: 'spl' }>,
  table: HolderTable,
  count: number,
  rowOf: (k: number) => number,
): Promise<{ exists: Uint8Array; requests: number; derived: number } | null> {
  const lookups = Math.ceil(count / GET_MULTIPLE_ACCOUNTS_MAX);
  // Two requests at the least (the first part, then the rest): not worth it below that.
  if (lookups <= 2) return null;
  const programId = new PublicKey(reward.programId);
  const filters: GetProgramAccountsFilter[] = [{ memcmp: { offset: 0, bytes: reward.mint } }];
  if (reward.program === 'spl-token') filters.unshift({ dataSize: LEGACY_ACCOUNT_SIZE });

  // Recipients by owner: an open-addressing hash over the table's owner bytes (k + 1; 0 = empty).
  const slots = new Int32Array(2 ** Math.ceil(Math.log2(count * 2 + 2)));
  const mask = slots.length - 1;
  for (let k = 0; k < count; k++) {
    let slot = hashOwner(table.owners, rowOf(k) * 32) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = k + 1;
    if ((k & 4095) === 4095) await turn();
  }
  const find = (owner: Uint8Array): number => {
    for (let slot = hashOwner(owner, 0) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot] as number;
      if (entry === 0) return -1;
      if (compareOwnerAt(table.owners, rowOf(entry - 1), owner, 0) === 0) return entry - 1;
    }
  };
  const exists = new Uint8Array(count);
  const mint = new PublicKey(reward.mint).toBytes();
  const program = programId.toBytes();
  let derived = 0;
  const onAccount = (data: Buffer, address: string) => {
    const k = find(data);
    if (k < 0 || exists[k] === 1) return;
    derived += 1;
    const ata = associatedTokenAddress(mint, data, program);
    if (Buffer.from(ata).equals(Buffer.from(bs58.decode(address)))) exists[k] = 1;
  };
  const read = (prefix: number[], keep: (data: Buffer) => boolean = () => true) =>
    readProgramAccounts(
      connection,
      {
        programId,
        filters: prefix.length ? [...filters, { memcmp: { offset: 32, bytes: bs58.encode(Uint8Array.from(prefix)) } }] : filters,
        dataSlice: OWNER_ONLY,
        addresses: true,
      },
      (data, address) => {
        if (keep(data)) onAccount(data, address);
      },
    );

  let requests = 0;
  try {
    requests += 1;
    const first = await read([0]);
    const estimate = first.accounts * 256;
    const whole = estimate <= SINGLE_REQUEST_MAX_ACCOUNTS;
    if ((whole ? 1 : 255) >= lookups - 1) return null;
    if (whole) {
      requests += 1;
      await read([], (data) => data[0] !== 0);
    } else {
      let next = 1;
      const worker = async () => {
        while (next < 256) {
          const byte = next++;
          requests += 1;
          await read([byte]);
        }
      };
      await Promise.all(Array.from({ length: PARTS_IN_FLIGHT }, worker));
    }
  } catch (e) {
    // Not served, or too large: each recipient's account is looked up instead.
    if (refusal(e) !== null) return null;
    throw e;
  }
  return { exists, requests, derived };
}
