import { describe, expect, it } from '@jest/globals';
import { renderConnections } from '../../../src/outcome/status-page-connections';

describe('the stopped partner connections on /status', () => {
  it('lists each with its partner, ids, state, escaped reason and the CLI line; says so when none is stopped', () => {
    const html = renderConnections({
      troubled: [{ id: 'c-1', organizationId: 'o-1', partner: 'vsco-workspace', state: 'revoked', enabled: false, reason: 'vsco-workspace answered 401: <script>alert(1)</script>', since: '2026-12-01T10:00:00.000Z' }],
      total: 51,
    });
    expect(html).toContain('data-connection-id="c-1" data-connection-state="revoked"');
    expect(html).toContain('npm run cli -- connections test --id c-1');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('data-more="50"');
    expect(renderConnections({ troubled: [], total: 0 })).toContain('Every partner connection is on.');
    expect(renderConnections(null)).toBe('');
  });
});
