/**
 * A transaction error as the chain returns it (`TransactionError`: "AccountNotFound",
 * {"InstructionError":[0,{"Custom":1}]}, …), said as a Message for the chat layer to word. The
 * chain's own JSON stays beside it as technical detail (docs/i18n.md): a reader sees a sentence in
 * their language, an operator can still search the chain's words.
 */
import { msg, type Message } from '../i18n/message.js';

/**
 * Custom error numbers that mean the same in every program a distribution calls: 1 is "insufficient
 * funds" in SPL Token (and Token-2022) and "result with negative lamports" in the System program;
 * 17 is SPL Token's "account is frozen" and unused by the others. Any other number is named as it is.
 */
const CUSTOM_ERRORS: Readonly<Record<number, Message>> = {
  1: msg('chainError.reason.insufficientFunds'),
  17: msg('chainError.reason.accountFrozen'),
};

/** Instruction errors of the runtime itself, by their name in the chain's answer. */
const INSTRUCTION_ERRORS: Readonly<Record<string, Message>> = {
  InsufficientFunds: msg('chainError.reason.insufficientFunds'),
  UninitializedAccount: msg('chainError.reason.uninitialized'),
  InvalidAccountData: msg('chainError.reason.invalidAccountData'),
  IllegalOwner: msg('chainError.reason.illegalOwner'),
};

/** `error`: the chain's TransactionError, or its JSON text as a plan or a record keeps it. */
export function chainErrorMessage(error: unknown): Message {
  let value = error;
  if (typeof error === 'string') {
    try {
      value = JSON.parse(error) as unknown;
    } catch {
      value = error;
    }
  }
  if (typeof value === 'string') {
    switch (value) {
      case 'AccountNotFound':
        return msg('chainError.accountNotFound');
      case 'InsufficientFundsForFee':
        return msg('chainError.insufficientFundsForFee');
      case 'BlockhashNotFound':
        return msg('chainError.blockhashNotFound');
      default:
        return msg('chainError.other', { name: value.slice(0, 80) });
    }
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const instruction = record['InstructionError'];
    if (Array.isArray(instruction) && typeof instruction[0] === 'number') {
      return msg('chainError.instruction', { number: instruction[0] + 1, reason: instructionReason(instruction[1]) });
    }
    const rent = record['InsufficientFundsForRent'] as { account_index?: unknown } | undefined;
    if (rent && typeof rent.account_index === 'number') return msg('chainError.insufficientFundsForRent', { number: rent.account_index + 1 });
    const name = Object.keys(record)[0];
    if (name !== undefined) return msg('chainError.other', { name: name.slice(0, 80) });
  }
  return msg('unit.unknownError');
}

function instructionReason(detail: unknown): Message {
  if (typeof detail === 'string') return INSTRUCTION_ERRORS[detail] ?? msg('chainError.reason.other', { name: detail.slice(0, 80) });
  const custom = (detail as { Custom?: unknown } | null)?.Custom;
  if (typeof custom === 'number') return CUSTOM_ERRORS[custom] ?? msg('chainError.reason.custom', { code: custom });
  return msg('unit.unknownError');
}
