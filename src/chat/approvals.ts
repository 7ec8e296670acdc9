/**
 * Confirms waiting for a second operator (spending guard "two-operator approval").
 * When the guard refuses a confirm for want of an approver, the confirm is kept here: who asked,
 * in which chat, with the total they repeated on mainnet. Another operator in that chat approves
 * it (`/distribute approve`, or the Approve button, open to the chat), which confirms the plan as
 * the first operator's with the second named as approver; the guard itself refuses an approver who
 * is the one who confirmed (or previewed) it, so the rule holds however the approve arrives.
 */
import type Keyv from 'keyv';
import type { ChatServices } from './services.js';
import type { TributaryError } from '../engine/errors.js';
import type { Actor } from '../engine/ledger.js';
import { translator } from '../i18n/index.js';
import type { Caller, ChatRef, CommandReply } from './types.js';

export interface ApprovalRequest {
  planId: string;
  requestedBy: Actor;
  chat: ChatRef;
  /** The total the first operator repeated (mainnet), passed on with the approval. */
  acknowledgeTotal?: string;
  at: number;
}

export class ApprovalRequests {
  constructor(private readonly kv: Keyv) {}

  /** Keeps the request until `until` (the plan's expiry; an expired plan cannot be confirmed anyway). */
  async request(planId: string, caller: Caller, acknowledgeTotal: string | undefined, until: number): Promise<ApprovalRequest> {
    const request: ApprovalRequest = {
      planId,
      requestedBy: caller.actor,
      chat: caller.chat,
      ...(acknowledgeTotal !== undefined ? { acknowledgeTotal } : {}),
      at: Date.now(),
    };
    await this.kv.set(`request:${planId}`, request, Math.max(1_000, until - Date.now() + 60_000));
    return request;
  }

  async get(planId: string): Promise<ApprovalRequest | undefined> {
    return (await this.kv.get(`request:${planId}`)) as ApprovalRequest | undefined;
  }

  async done(planId: string): Promise<void> {
    await this.kv.delete(`request:${planId}`);
  }
}

/** The reply to a confirm that waits for a second operator: the guard's words and an Approve button for the others. */
export function approvalReply(planId: string, guard: TributaryError, caller: Caller, expiresAt: number): CommandReply {
  const t = translator(caller.locale);
  const name = caller.actor.name ?? caller.actor.userId;
  // The guard's own words without its "nothing was sent": here the confirm waits instead.
  const said = typeof guard.said === 'string' ? guard.said.replace(/ Nothing was sent$/, '') : t('guard.approvalNeeded', guard.said.params);
  return {
    text: [t('cmd.approval.guard', { text: said }), t('cmd.approval.waiting', { who: name, id: planId })].join('\n'),
    planId,
    buttons: [{ label: t('button.approve'), command: `/distribute approve id:${planId}`, style: 'primary', openToChat: true }],
    buttonTtlMs: Math.max(1_000, expiresAt - Date.now()),
  };
}

const registries = new WeakMap<ChatServices, ApprovalRequests>();

/** The approval requests of an app (store namespace "chat-approvals"). */
export function approvalRequests(app: ChatServices): ApprovalRequests {
  let requests = registries.get(app);
  if (!requests) {
    requests = new ApprovalRequests(app.store.ns('chat-approvals'));
    registries.set(app, requests);
  }
  return requests;
}

/**
 * A confirm the guard held for a second operator: kept, and answered with an Approve button that
 * the other operators in the chat may press.
 */
export async function requestApproval(app: ChatServices, caller: Caller, planId: string, acknowledgeTotal: string | undefined, refusal: TributaryError): Promise<CommandReply> {
  const { plan } = await app.engine.service.status(planId);
  await approvalRequests(app).request(planId, caller, acknowledgeTotal, plan.expiresAt);
  return approvalReply(planId, refusal, caller, plan.expiresAt);
}
