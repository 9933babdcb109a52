import { printSchema } from 'graphql';
import { buildComplianceSchema, validateTakedown } from '../src/schema';

describe('compliance schema', () => {
  it('builds with the takedown types', async () => {
    const sdl = printSchema(await buildComplianceSchema());
    expect(sdl).toMatch(/submitTakedown\(input: TakedownInput!\): SubmitResult!/);
    expect(sdl).toMatch(/enum ScopeKind \{\s+URL\s+PREFIX\s+SOURCE\s+DOMAIN/);
  });
  it('lists every validation problem', () => {
    const p = validateTakedown({
      scope: { kind: 'URL', value: 'ftp://x' },
      reason: 'COPYRIGHT',
      relation: 'OTHER',
      requester: { name: ' ', email: 'nope' },
      statement: 'short',
    });
    expect(p).toEqual([
      'scope.value: must be an http(s) URL',
      'requester.name: required',
      'requester.email: must be an email address',
      'statement: at least 20 characters',
    ]);
  });
});

describe('compliance schema: takedown workflow', () => {
  it('exposes the admin operations, the audit log and the subscription', async () => {
    const sdl = printSchema(await buildComplianceSchema());
    for (const re of [
      /approveTakedown\(id: ID!\): TakedownRequest!/,
      /rejectTakedown\((?=[^)]*id: ID!)(?=[^)]*reason: String!)[^)]*\): TakedownRequest!/,
      /reinstate\((?=[^)]*id: ID!)(?=[^)]*note: String!)[^)]*\): TakedownRequest!/,
      /overdueTakedowns\(first: Int! = 100\): \[TakedownRequest!\]!/,
      /takedownAudit\((?=[^)]*requestId: ID)(?=[^)]*afterSeq: Int! = 0)[^)]*\): \[AuditEntry!\]!/,
      /takedownAuditVerify: AuditChainReport!/,
      /takedownUpdated\(id: ID\): TakedownRequest!/,
      /enum TakedownStatus \{[^}]*REINSTATED/,
    ])
      expect(sdl).toMatch(re);
  });
  it('lists oversized and empty fields', () => {
    const p = validateTakedown({
      scope: { kind: 'DOMAIN', value: '' },
      reason: 'OTHER',
      relation: 'OTHER',
      requester: { name: 'x'.repeat(201), email: `${'a'.repeat(320)}@b.cd`, organisation: 'o'.repeat(201) },
      statement: 's'.repeat(10_001),
      notes: 'n'.repeat(5001),
    });
    expect(p).toEqual([
      'scope.value: required',
      'requester.name: at most 200 characters',
      'requester.email: at most 320 characters',
      'requester.organisation: at most 200 characters',
      'statement: at most 10000 characters',
      'notes: at most 5000 characters',
    ]);
  });
});
