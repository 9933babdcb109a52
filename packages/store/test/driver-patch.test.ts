import { EventEmitter } from 'node:events';

// The MongoDB driver (6.20, same code up to 7.9) writes a command, then waits for 'drain' when the
// write returns false. A socket the peer has closed is destroyed before its 'close' event reaches
// the driver's connection; a write to it returns false and never drains, and no read is pending
// yet to receive the close, so the command hangs forever. When that command is the server
// monitor's heartbeat (FerretDB restarting: an operation fails, the driver asks for an immediate
// check, the check goes out on the monitor connection FerretDB just closed), the server stays
// "Unknown" for good and every operation of the process fails server selection until it restarts.
// patches/mongodb+6.20.0.patch fails such a write with the connection's error; this pins that.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Connection } = require('mongodb/lib/cmap/connection') as {
  Connection: { prototype: Record<string, (...args: unknown[]) => unknown> };
};

/** A stand-in for a driver connection: just what writeCommand touches, with the real methods. */
function fakeConnection(socket: EventEmitter & { destroyed: boolean; write: (b: Buffer) => boolean }) {
  const conn = { id: 7, address: '127.0.0.1:42017', error: null as Error | null, closed: false, socket };
  return Object.assign(conn, {
    // cleanup() destroys the socket and emits events; here it records the error like the real one.
    onError: (e: Error) => ((conn.error = e), (conn.closed = true)),
  });
}

const command = { toBin: async () => [Buffer.from('hello')] };

/** writeCommand's outcome, or 'hung' when it has not settled within 2 s (it never would). */
async function outcomeOf(conn: object): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise((resolve) => (timer = setTimeout(() => resolve('hung'), 2000)));
  try {
    return await Promise.race([
      (Connection.prototype.writeCommand!.call(conn, command, { agreedCompressor: 'none' }) as Promise<void>).then(
        () => 'written',
        (e: Error) => e,
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('mongodb driver patch (patches/mongodb+6.20.0.patch)', () => {
  it('fails a command on a socket the peer already closed instead of waiting for a drain that never comes', async () => {
    const writes: Buffer[] = [];
    const socket = Object.assign(new EventEmitter(), { destroyed: true, write: (b: Buffer) => (writes.push(b), false) });
    const conn = fakeConnection(socket);
    const outcome = await outcomeOf(conn);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('MongoNetworkError');
    expect((outcome as Error).message).toBe('connection 7 to 127.0.0.1:42017 closed');
    expect(conn.error).toBe(outcome); // the connection is marked closed, so the pool drops it
    expect(writes).toHaveLength(0);
  });

  it('fails a write waiting for drain when the socket closes, and leaves no close listener behind after a drain', async () => {
    const socket = Object.assign(new EventEmitter(), { destroyed: false, write: () => false });
    const closing = outcomeOf(fakeConnection(socket));
    await new Promise(setImmediate);
    socket.emit('close');
    const outcome = await closing;
    expect((outcome as Error).name).toBe('MongoNetworkError');

    const busy = Object.assign(new EventEmitter(), { destroyed: false, write: () => false });
    const draining = outcomeOf(fakeConnection(busy));
    await new Promise(setImmediate);
    busy.emit('drain');
    expect(await draining).toBe('written');
    expect(busy.listenerCount('close')).toBe(0);
  });
});
