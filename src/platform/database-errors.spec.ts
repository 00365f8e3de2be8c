import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createHttpApp } from './http.js';
import { DomainError } from './errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors.js';

/** A server-sent error as node-postgres builds it (a DatabaseError with its SQLSTATE). */
function sqlError(code: string, message: string): Error {
  const e = new pg.DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
}

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection (the server is down)', systemError('ECONNREFUSED')],
    ['a connection reset by the server', systemError('ECONNRESET')],
    ['a fast or immediate shutdown (57P01)', sqlError('57P01', 'terminating connection due to administrator command')],
    ['another backend crashed (57P02)', sqlError('57P02', 'terminating connection because of crash of another server process')],
    ['a server starting up or in recovery (57P03)', sqlError('57P03', 'the database system is starting up')],
    ['a connection exception of class 08 (08006)', sqlError('08006', 'connection failure')],
    ['a connection lost in the middle of a query', new Error('Connection terminated unexpectedly')],
    ['a connection that took longer than the timeout', new Error('Connection terminated due to connection timeout')],
    ['a pool that found no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a query on a connection broken before', new Error('Client has encountered a connection error and is not queryable')],
    [
      'every address of a host name refusing',
      Object.assign(new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')]), {}),
    ],
    ['a refused connection as the cause of another error', new Error('rollback failed', { cause: systemError('ECONNREFUSED') })],
  ])('is true for %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', sqlError('23505', 'duplicate key value violates unique constraint "dossiers_code_key"')],
    ['a syntax error (42601)', sqlError('42601', 'syntax error at or near "selec"')],
    ['a statement timeout (57014: the query, not the server)', sqlError('57014', 'canceling statement due to statement timeout')],
    ['a serialization failure (40001)', sqlError('40001', 'could not serialize access due to concurrent update')],
    ['a domain error', new DomainError('NOT_FOUND', 'dossier not found')],
    ['a plain error', new Error('boom')],
    ['a string', 'Connection terminated unexpectedly'],
    ['null', null],
  ])('is false for %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('the error handler while the database is away', () => {
  it('answers 503 problem+json DATABASE_UNAVAILABLE with Retry-After, and a query error stays a 500', async () => {
    const app = await createHttpApp({ logger: false, bodyLimit: 1024, title: 't', version: '0' });
    app.get('/away', async () => {
      throw sqlError('57P01', 'terminating connection due to administrator command');
    });
    app.get('/broken', async () => {
      throw sqlError('42601', 'syntax error at or near "selec"');
    });
    try {
      const away = await app.inject({ method: 'GET', url: '/away', headers: { 'x-request-id': 'req-1' } });
      expect(away.statusCode).toBe(503);
      expect(away.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(away.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
      expect(away.json()).toEqual({
        type: 'https://motcua.dev/problems/database-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: `Hệ thống tạm thời không truy cập được cơ sở dữ liệu, vui lòng thử lại sau 5 giây / The database is unavailable for a moment; try again in 5 seconds.`,
        code: 'DATABASE_UNAVAILABLE',
        instance: 'req-1',
      });
      const broken = await app.inject({ method: 'GET', url: '/broken' });
      expect(broken.statusCode).toBe(500);
      expect(broken.headers['retry-after']).toBeUndefined();
      expect(broken.json()).toMatchObject({ code: 'INTERNAL' });
    } finally {
      await app.close();
    }
  });
});
