/** Opaque, stable Relay cursors: (sort key, _id) so ties on the sort key never reorder or skip. */
export interface CursorKey {
  t: number;
  id: string;
}

export function encodeCursor(k: CursorKey): string {
  return Buffer.from(`${k.t}:${k.id}`).toString('base64url');
}

export function decodeCursor(c: string): CursorKey | undefined {
  const m = /^(-?\d+):([0-9a-f]{24})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m ? { t: Number(m[1]), id: m[2]! } : undefined;
}
