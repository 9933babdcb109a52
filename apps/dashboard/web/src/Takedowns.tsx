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
  proofMethod: string | null;
  counterNotice: { status: string; name: string | null; email: string | null; filedAt: string | null; reinstateAfter: string | null } | null;
}

interface Notice {
  id: string;
  requestId: string;
  kind: string;
  to: string;
  subject: string;
  queuedAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
}

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  requestId: string;
  data: string;
}

const FIELDS =
  'id status reason relation statement receivedAt deadline proofMethod scope { kind value } requester { name email organisation } counterNotice { status name email filedAt reinstateAfter }';
// Unconfirmed requests are pending too: an admin may decide them before the sender proves the address.
const OPEN = ['UNCONFIRMED', 'RECEIVED', 'REVIEWING'];

/** Admin view: pending requests (unproven and proven) with approve/reject, the notices sent, counter-notices, every other request, the audit trail. */
export function Takedowns({ client, hasKey }: { client: Client; hasKey: boolean }) {
  const [requests, setRequests] = useState<Request[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [auditError, setAuditError] = useState('');
  const [notices, setNotices] = useState<Notice[]>([]);
  const [noticesError, setNoticesError] = useState('');
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
      const d = await gql<{ takedownNotices: Notice[] }>('query { takedownNotices(first: 50) { id requestId kind to subject queuedAt sentAt attempts lastError } }');
      setNotices(d.takedownNotices);
      setNoticesError('');
    } catch (e) {
      setNoticesError((e as Error).message);
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
  const countered = requests.filter((r) => r.counterNotice);
  const unproven = pending.filter((r) => r.status === 'UNCONFIRMED').length;
  return (
    <div className="takedowns">
      {!hasKey && <div className="banner">Enter an admin API key at the top right to review requests.</div>}
      {error && <div className="banner error">{error}</div>}
      <section className="card wide">
        <h2>
          Pending requests ({pending.length}: {unproven} unproven, {pending.length - unproven} proven)
        </h2>
        <table className="table" data-testid="takedowns-pending">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Reason</th>
              <th>Requester</th>
              <th>Proof</th>
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
                <td data-testid="proof">
                  {r.status === 'UNCONFIRMED' ? <span className="badge">unproven</span> : <span className="badge">{r.proofMethod ?? 'admin'}</span>}
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
                <td colSpan={8} className="muted">
                  Nothing to review.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <div className="two">
        <section className="card">
          <h3>Notices sent ({notices.filter((n) => n.sentAt).length} of {notices.length})</h3>
          {noticesError ? (
            <div className="muted">Notices unavailable: {noticesError}</div>
          ) : (
            <ul className="plain" data-testid="notices">
              {notices.map((n) => (
                <li key={n.id} data-request={n.requestId}>
                  <b>{n.kind}</b> to <span className="mono">{n.to}</span>: {n.subject}{' '}
                  <span className="muted">
                    {n.sentAt ? `sent ${ago(n.sentAt)}` : `queued ${ago(n.queuedAt)}, ${n.attempts} attempts${n.lastError ? `: ${n.lastError}` : ''}`}
                  </span>
                </li>
              ))}
              {notices.length === 0 && <li className="muted">none</li>}
            </ul>
          )}
        </section>
        <section className="card">
          <h3>Counter-notices ({countered.length})</h3>
          <ul className="plain" data-testid="counter-notices">
            {countered.map((r) => (
              <li key={r.id} data-id={r.id}>
                <span className="badge">{r.counterNotice!.status}</span> <span className="mono">{r.scope.value}</span>{' '}
                {r.counterNotice!.name ?? r.counterNotice!.email ?? ''}
                {r.counterNotice!.reinstateAfter && <span className="muted"> · reinstated {ago(r.counterNotice!.reinstateAfter)} unless upheld</span>}
              </li>
            ))}
            {countered.length === 0 && <li className="muted">none</li>}
          </ul>
        </section>
      </div>
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
