import { useEffect, useState } from 'react';
import type { Client } from 'graphql-ws';
import { ago, gql } from './api';

interface Request {
  id: string;
  status: string;
  reason: string;
  relation: string;
  statement: string;
  receivedAt: string;
  deadline: string;
  scope: { kind: string; value: string };
  requester: { name: string; email: string; organisation: string | null };
}

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  requestId: string;
  data: string;
}

const FIELDS = 'id status reason relation statement receivedAt deadline scope { kind value } requester { name email organisation }';
const OPEN = ['RECEIVED', 'REVIEWING'];

/** Admin view: pending requests with approve/reject, every other request, and the audit trail. */
export function Takedowns({ client, hasKey }: { client: Client; hasKey: boolean }) {
  const [requests, setRequests] = useState<Request[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [auditError, setAuditError] = useState('');
  const [error, setError] = useState('');
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<string | null>(null);

  const load = async () => {
    try {
      const d = await gql<{ takedownRequests: Request[] }>(`query { takedownRequests(first: 50) { ${FIELDS} } }`);
      setRequests(d.takedownRequests);
      setError('');
    } catch (e) {
      setError((e as Error).message);
    }
    try {
      const d = await gql<{ takedownAudit: AuditEntry[] }>('query { takedownAudit(first: 200) { seq at actor action requestId data } }');
      setAudit([...d.takedownAudit].reverse());
      setAuditError('');
    } catch (e) {
      setAuditError((e as Error).message);
    }
  };

  useEffect(() => {
    void load();
    // takedownUpdated pushes every status change; the interval covers a gateway without it.
    const off = client.subscribe(
      { query: 'subscription { takedownUpdated { id status } }' },
      { next: () => void load(), error: () => undefined, complete: () => undefined },
    );
    const t = setInterval(() => void load(), 10_000);
    return () => {
      off();
      clearInterval(t);
    };
  }, [client]);

  const act = async (id: string, mutation: string, vars: Record<string, unknown>) => {
    setBusy(id);
    try {
      await gql(mutation, { id, ...vars });
      setError('');
      setRejecting(null);
      setReason('');
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const pending = requests.filter((r) => OPEN.includes(r.status));
  const decided = requests.filter((r) => !OPEN.includes(r.status));
  return (
    <div className="takedowns">
      {!hasKey && <div className="banner">Enter an admin API key at the top right to review requests.</div>}
      {error && <div className="banner error">{error}</div>}
      <section className="card wide">
        <h2>Pending requests ({pending.length})</h2>
        <table className="table" data-testid="takedowns-pending">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Reason</th>
              <th>Requester</th>
              <th>Statement</th>
              <th>Received</th>
              <th>Deadline</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pending.map((r) => (
              <tr key={r.id} data-id={r.id}>
                <td>
                  <span className="badge">{r.scope.kind}</span> <span className="mono">{r.scope.value}</span>
                </td>
                <td>{r.reason}</td>
                <td>
                  {r.requester.name}
                  <div className="muted">
                    {r.relation.toLowerCase()} · {r.requester.email}
                  </div>
                </td>
                <td className="statement">{r.statement}</td>
                <td>{ago(r.receivedAt)}</td>
                <td>{ago(r.deadline)}</td>
                <td className="actions">
                  {rejecting === r.id ? (
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        void act(r.id, 'mutation($id: ID!, $reason: String!) { rejectTakedown(id: $id, reason: $reason) { id status } }', {
                          reason,
                        });
                      }}
                    >
                      <input
                        autoFocus
                        placeholder="reason"
                        value={reason}
                        onChange={(e) => setReason(e.target.value)}
                        aria-label="Reject reason"
                        required
                      />
                      <button type="submit" className="small danger" disabled={busy === r.id}>
                        Reject
                      </button>
                      <button type="button" className="small ghost" onClick={() => setRejecting(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <>
                      <button
                        className="small primary"
                        disabled={busy === r.id}
                        onClick={() => void act(r.id, 'mutation($id: ID!) { approveTakedown(id: $id) { id status } }', {})}
                      >
                        Approve
                      </button>
                      <button className="small" disabled={busy === r.id} onClick={() => setRejecting(r.id)}>
                        Reject…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
            {pending.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  Nothing to review.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <div className="two">
        <section className="card">
          <h3>Decided</h3>
          <ul className="plain" data-testid="takedowns-decided">
            {decided.map((r) => (
              <li key={r.id} data-id={r.id}>
                <span className={`status ${r.status.toLowerCase()}`}>{r.status.toLowerCase()}</span>{' '}
                <span className="mono">{r.scope.value}</span> <span className="muted">{ago(r.receivedAt)}</span>
              </li>
            ))}
            {decided.length === 0 && <li className="muted">none</li>}
          </ul>
        </section>
        <section className="card">
          <h3>Audit trail</h3>
          {auditError ? (
            <div className="muted">Audit log unavailable: {auditError}</div>
          ) : (
            <ul className="plain" data-testid="audit">
              {audit.map((a) => (
                <li key={a.seq} data-request={a.requestId}>
                  <span className="mono">
                    #{a.seq} {new Date(a.at).toLocaleString()}
                  </span>{' '}
                  <b>{a.action}</b> by {a.actor}
                  {a.data && a.data !== '{}' ? <div className="muted mono">{a.data}</div> : null}
                </li>
              ))}
              {audit.length === 0 && <li className="muted">no entries</li>}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
