/**
 * One getProgramAccounts answer (the JSON text, `encoding: base64`, `withContext: true`) turned into
 * flat bytes: every account's data slice back to back, and the slot the node read them at.
 *
 * This function also runs in the decoder's worker thread, shipped there as its own source text
 * (program-accounts-decoder.ts). So it must stay self-contained: no imports, no calls to other
 * functions of the module, nothing but language built-ins and Buffer.
 */
export interface DecodedProgramAccounts {
  /** The node's JSON-RPC error, when it answered one. */
  error?: { code: number; message: string; data?: unknown };
  /** Why the answer cannot be used (no context slot, an account without base64 data, a slice of the wrong size). */
  invalid?: string;
  slot: number;
  count: number;
  /** Account i's data slice is bytes [i * sliceLength, (i + 1) * sliceLength). */
  data: Uint8Array;
  sliceLength: number;
  /** Account addresses, base58, in the same order; only when asked for. */
  addresses?: string[];
}

export function decodeProgramAccountsAnswer(text: string, sliceLength: number, withAddresses: boolean): DecodedProgramAccounts {
  const empty = { slot: 0, count: 0, data: new Uint8Array(0), sliceLength };
  let answer: { result?: { context?: { slot?: unknown }; value?: unknown }; error?: { code: number; message: string; data?: unknown } };
  try {
    answer = JSON.parse(text);
  } catch {
    return { ...empty, invalid: `getProgramAccounts answered something that is not JSON (${text.length} characters)` };
  }
  if (answer?.error) return { ...empty, error: { code: answer.error.code, message: String(answer.error.message), data: answer.error.data } };
  const slot = answer?.result?.context?.slot;
  const value = answer?.result?.value;
  if (typeof slot !== 'number' || !Array.isArray(value)) {
    return { ...empty, invalid: 'getProgramAccounts answered without a context slot; the RPC node must support withContext' };
  }
  // Later parts are asked for this slot or newer (minContextSlot): a node must not make it anything else.
  if (!Number.isSafeInteger(slot) || slot < 0) return { ...empty, invalid: `getProgramAccounts answered a context slot that is not a slot number (${slot})` };
  const count = value.length;
  const data = new Uint8Array(count * sliceLength);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const addresses: string[] | undefined = withAddresses ? new Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    const entry = value[i];
    const accountData = entry?.account?.data;
    const b64 = Array.isArray(accountData) ? accountData[0] : undefined;
    // Padded base64 comes in groups of 4 characters; anything else is not the encoding asked for.
    if (typeof b64 !== 'string' || b64.length % 4 !== 0) return { ...empty, invalid: 'getProgramAccounts answered an account without base64 data' };
    // The decoded length, from the text: 4 characters per 3 bytes, less the padding.
    const length = (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
    if (length !== sliceLength || bytes.write(b64, i * sliceLength, sliceLength, 'base64') !== sliceLength) {
      return { ...empty, invalid: `getProgramAccounts returned ${length}-byte account data; expected ${sliceLength} (dataSlice ignored?)` };
    }
    if (addresses) addresses[i] = typeof entry.pubkey === 'string' ? entry.pubkey : '';
  }
  return { slot, count, data, sliceLength, ...(addresses ? { addresses } : {}) };
}
