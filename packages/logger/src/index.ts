import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Defaults to stdout; tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** JSON logs; every line carries the service name so mixed streams stay readable. */
export function createLogger(service: string, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: service,
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.password', '*.authorization', '*.apiKey', '*.headers.authorization'], censor: '[redacted]' },
    },
    opts.destination,
  );
}
