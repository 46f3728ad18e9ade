import { describe, expect, it } from '@jest/globals';
import { parse } from 'pg-connection-string';
import { namedConnectionString } from '../../../src/lib/pg-pools';

describe('namedConnectionString', () => {
  it('names the pool by its role, so pg_stat_activity tells the pools apart', () => {
    expect(parse(namedConnectionString('postgres://postgres@127.0.0.1:5432/test', 'delivering'))).toMatchObject({
      application_name: 'wedsync delivering',
      host: '127.0.0.1',
      port: '5432',
      database: 'test',
    });
  });

  it("keeps the deployment's own name as the prefix, and every other part as it was", () => {
    const named = parse(namedConnectionString('postgresql://u:p%40ss%2Fw@db.example.com:6543/postgres?sslmode=verify-full&application_name=replica-2', 'lease'));
    expect(named).toMatchObject({ application_name: 'replica-2 lease', user: 'u', password: 'p@ss/w', host: 'db.example.com', port: '6543', sslmode: 'verify-full' });
  });

  it('keeps a socket directory given as a parameter', () => {
    expect(parse(namedConnectionString('postgres:///test?host=/var/run/postgresql', 'deciding'))).toMatchObject({ host: '/var/run/postgresql', database: 'test', application_name: 'wedsync deciding' });
  });

  it('leaves a string that is not a URL as it is', () => {
    expect(namedConnectionString('host=localhost dbname=x', 'deciding')).toBe('host=localhost dbname=x');
  });
});
