import type Redis from 'ioredis';

/** Pub/sub channel of takedown status changes (the admin console's `takedownUpdated`). */
export const TAKEDOWN_CHANNEL = 'newsline:takedowns';

export interface TakedownUpdate {
  requestId: string;
  status: string;
  at: string;
}

export async function publishTakedownUpdate(redis: Redis, requestId: string, status: string): Promise<void> {
  const u: TakedownUpdate = { requestId, status, at: new Date().toISOString() };
  await redis.publish(TAKEDOWN_CHANNEL, JSON.stringify(u));
}

export function decodeTakedownUpdate(raw: string): TakedownUpdate | undefined {
  try {
    const v = JSON.parse(raw) as Partial<TakedownUpdate>;
    return typeof v.requestId === 'string' && typeof v.status === 'string' && typeof v.at === 'string' ? (v as TakedownUpdate) : undefined;
  } catch {
    return undefined;
  }
}
