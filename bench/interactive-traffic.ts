/**
 * Interactive chat traffic for the broadcast scenario: small messages
 * (2–50 recipients, sizes from a seeded generator so a run can be repeated)
 * posted on a fixed beat, as independent chat backends would, without
 * waiting for answers, until told to stop or a hard cap is reached.
 */
import type { ApiClient, PostResult } from './api-client';
import { postPaced } from './latency';
import { prepareMessage, recipientIds } from './payload';
import { intBetween, seededRandom } from './prng';

/** What is offered. */
export interface TrafficPlan {
  seed: number;
  messagesPerSecond: number;
  minRecipients: number;
  maxRecipients: number;
  /** Hard cap on the offering time (and so on the message count), whatever `stop` says. */
  maxSeconds: number;
}

/** The offered traffic: each message's answer (POST start time and accepted count) by message id. */
export interface Offered {
  answers: Map<string, PostResult>;
  messages: number;
  pushes: number;
  /** First POST start to last POST start. */
  seconds: number;
}

/** Messages `<tag>0`, `<tag>1`, … of seeded sizes, until `stop()` is true or the cap is reached. */
export function interactiveMessages(plan: TrafficPlan, tag: string, stop: () => boolean): (i: number) => ReturnType<typeof prepareMessage> | undefined {
  const random = seededRandom(plan.seed);
  const cap = Math.ceil(plan.maxSeconds * plan.messagesPerSecond);
  return (i) => (i >= cap || stop() ? undefined : prepareMessage(`${tag}${i}`, recipientIds(intBetween(random, plan.minRecipients, plan.maxRecipients))));
}

/** Offers the plan's traffic until `stop()`; resolves once every POST is answered (202, or it throws). */
export async function offerInteractive(api: ApiClient, plan: TrafficPlan, tag: string, stop: () => boolean): Promise<Offered> {
  const answers = await postPaced(api, 1000 / plan.messagesPerSecond, interactiveMessages(plan, tag, stop));
  const starts = [...answers.values()].map((r) => r.startedAt);
  const pushes = [...answers.values()].reduce((sum, r) => sum + r.accepted, 0);
  const seconds = starts.length > 1 ? (Math.max(...starts) - Math.min(...starts)) / 1000 : 0;
  return { answers, messages: answers.size, pushes, seconds };
}
