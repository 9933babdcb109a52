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
