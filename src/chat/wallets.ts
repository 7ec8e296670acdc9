/**
 * Wallet links: a chat user proves they hold a wallet by signing a one-time message with its key.
 * One user may link several wallets; a wallet is linked to one user only. Kept in the store's
 * "wallets" namespace:
 *   user:<platform>:<userId>       -> addresses, oldest first
 *   wallet:<address>               -> the user it belongs to
 *   challenge:<platform>:<userId>  -> the message to sign, its nonce and expiry (one at a time)
 */
import { msg } from '../i18n/index.js';
import { randomBytes } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';
import bs58 from 'bs58';
import type Keyv from 'keyv';
import { Mutex } from 'async-mutex';
import { parseAddress } from '../engine/address.js';
import { verifyEd25519 } from '../solana/signer.js';
import { TributaryError } from '../engine/errors.js';
import type { Actor } from '../engine/ledger.js';
import { CommandError } from './errors.js';
import { shortAddress } from './format.js';

export interface Challenge {
  message: string;
  expiresAt: number;
}

interface StoredChallenge extends Challenge {
  attempts: number;
}

interface WalletOwner {
  platform: string;
  userId: string;
  linkedAt: number;
}

export interface WalletLinksOptions {
  /** How long a message to sign stays valid. Default 10 minutes. */
  challengeTtlMs?: number;
  /** Wrong signatures before the message is dropped and must be asked for again. Default 5. */
  maxAttempts?: number;
}

export class WalletLinks {
  private readonly ttlMs: number;
  private readonly maxAttempts: number;
  // Link and unlink read then write two keys; one at a time in this process keeps "a wallet links to
  // one user only" true when two people verify the same wallet at once.
  private readonly linking = new Mutex();

  constructor(
    private readonly kv: Keyv,
    opts: WalletLinksOptions = {},
  ) {
    this.ttlMs = opts.challengeTtlMs ?? 10 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
  }

  /** A new message to sign; it replaces any earlier one of this user. */
  async challenge(actor: Actor): Promise<Challenge> {
    const nonce = randomBytes(16).toString('hex');
    const expiresAt = Date.now() + this.ttlMs;
    // One line: chat clients keep it intact when it is copied into a wallet's "sign message".
    const message = `Tributary wallet link | ${actor.platform}:${actor.userId} | nonce ${nonce} | expires ${new Date(expiresAt).toISOString()}`;
    const stored: StoredChallenge = { message, expiresAt, attempts: 0 };
    // Kept past its expiry, so a late /wallet verify hears "expired" rather than "no message".
    await this.kv.set(challengeKey(actor), stored, this.ttlMs + EXPIRED_KEPT_MS);
    return { message, expiresAt };
  }

  /** Checks the signature of the user's pending message and links the wallet. Returns the address. */
  verify(actor: Actor, addressText: string, signatureText: string): Promise<string> {
    return this.serially(async () => {
      const address = parseWallet(addressText);
      const signature = parseSignature(signatureText);
      const pending = (await this.kv.get(challengeKey(actor))) as StoredChallenge | undefined;
      if (!pending) throw new CommandError('NO_CHALLENGE', msg('err.noChallenge'));
      if (Date.now() > pending.expiresAt) {
        await this.kv.delete(challengeKey(actor));
        throw new CommandError('CHALLENGE_EXPIRED', msg('err.challengeExpired', { count: minutes(this.ttlMs) }));
      }
      const ok = verifyEd25519(new TextEncoder().encode(pending.message), signature, new PublicKey(address).toBytes());
      if (!ok) {
        const attempts = pending.attempts + 1;
        if (attempts >= this.maxAttempts) await this.kv.delete(challengeKey(actor));
        else await this.kv.set(challengeKey(actor), { ...pending, attempts }, Math.max(1, pending.expiresAt - Date.now()) + EXPIRED_KEPT_MS);
        throw new CommandError('BAD_SIGNATURE', msg('err.badSignature', { wallet: shortAddress(address) }));
      }
      const owner = (await this.kv.get(`wallet:${address}`)) as WalletOwner | undefined;
      if (owner && (owner.platform !== actor.platform || owner.userId !== actor.userId)) {
        throw new CommandError('WALLET_TAKEN', msg('err.walletTaken', { wallet: shortAddress(address) }));
      }
      // One-time: a signature, once used, links nothing else.
      await this.kv.delete(challengeKey(actor));
      if (!owner) await this.kv.set(`wallet:${address}`, { platform: actor.platform, userId: actor.userId, linkedAt: Date.now() } satisfies WalletOwner);
      const wallets = await this.list(actor);
      if (!wallets.includes(address)) await this.kv.set(userKey(actor), [...wallets, address]);
      return address;
    });
  }

  async list(actor: Actor): Promise<string[]> {
    return ((await this.kv.get(userKey(actor))) as string[] | undefined) ?? [];
  }

  unlink(actor: Actor, addressText: string): Promise<string> {
    return this.serially(async () => {
      const address = parseWallet(addressText);
      const wallets = await this.list(actor);
      if (!wallets.includes(address)) throw new CommandError('WALLET_NOT_LINKED', msg('err.walletNotLinked', { wallet: shortAddress(address) }));
      await this.kv.set(
        userKey(actor),
        wallets.filter((w) => w !== address),
      );
      await this.kv.delete(`wallet:${address}`);
      return address;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    return this.linking.runExclusive(work);
  }
}

/** How long an expired message is remembered, to tell "expired" from "never asked for". */
const EXPIRED_KEPT_MS = 24 * 60 * 60_000;

function minutes(ms: number): number {
  return Math.max(1, Math.round(ms / 60_000));
}

const challengeKey = (actor: Actor) => `challenge:${actor.platform}:${actor.userId}`;
const userKey = (actor: Actor) => `user:${actor.platform}:${actor.userId}`;

/** A wallet address: base58 of 32 bytes. Off-curve addresses (programs, PDAs) cannot sign, so cannot link. */
function parseWallet(text: string): string {
  const key = parseAddress(text, 'address');
  if (!PublicKey.isOnCurve(key.toBytes())) {
    throw new TributaryError('INVALID_ADDRESS', msg('err.walletOffCurve', { wallet: shortAddress(key.toBase58()) }), { details: { what: 'address' } });
  }
  return key.toBase58();
}

/** 64 bytes, in base58 (what Solana wallets and the CLI print) or base64. */
function parseSignature(text: string): Uint8Array {
  const trimmed = text.trim();
  const attempts: (() => Uint8Array)[] = [() => bs58.decode(trimmed), () => new Uint8Array(Buffer.from(trimmed, 'base64'))];
  for (const decode of attempts) {
    try {
      const bytes = decode();
      if (bytes.length === 64) return bytes;
    } catch {
      // try the next encoding
    }
  }
  throw new CommandError('BAD_SIGNATURE', msg('err.signatureShape'));
}
