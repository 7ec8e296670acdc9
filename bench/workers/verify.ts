import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { PublicKey, type Connection } from '@solana/web3.js';
import type { Plan } from '../../src/engine/ledger.js';

/** Recipients whose on-chain reward balance is not exactly their planned amount (new accounts only held this reward). */
export async function wrongBalances(connection: Connection, plan: Plan): Promise<number> {
  const { reward } = plan;
  const keys = plan.recipients
    .toArray()
    .map((r) =>
      reward.kind === 'sol' ? new PublicKey(r.owner) : getAssociatedTokenAddressSync(new PublicKey(reward.mint), new PublicKey(r.owner), true, new PublicKey(reward.programId)),
    );
  let wrong = 0;
  for (let i = 0; i < keys.length; i += 100) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
    infos.forEach((info, k) => {
      const planned = plan.recipients.amount(i + k);
      const held = reward.kind === 'sol' ? BigInt(info?.lamports ?? 0) : info && info.data.length >= 72 ? info.data.readBigUInt64LE(64) : 0n;
      if (held !== planned) wrong++;
    });
  }
  return wrong;
}
