// Which errors the write retry (server/core/write-retry.ts) runs a transaction again for: the
// shapes below are those the drivers produce (Prisma's were captured from a real MariaDB deadlock
// and lock wait timeout), and how often it tries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetryableWriteError, withWriteRetry } from '../../server/core/write-retry';

const prismaError = (code: string, cause: Record<string, unknown>) =>
  Object.assign(new Error('Invalid `tx.user.update()` invocation'), {
    code,
    meta: { modelName: 'User', driverAdapterError: { name: 'DriverAdapterError', cause } },
  });

const retryable: Record<string, unknown> = {
  'Prisma P2034 (MariaDB 1213)': prismaError('P2034', {
    originalCode: '1213',
    originalMessage: 'Deadlock found when trying to get lock; try restarting transaction',
    kind: 'TransactionWriteConflict',
  }),
  'Prisma P2039 (MariaDB 1205)': prismaError('P2039', {
    originalCode: '1205',
    kind: 'mysql',
    code: 1205,
    message: 'Lock wait timeout exceeded; try restarting transaction',
  }),
  'Prisma SQLite busy': prismaError('P1008', { originalCode: 'SQLITE_BUSY', kind: 'SocketTimeout' }),
  'mariadb 1213': Object.assign(new Error('Deadlock found'), { errno: 1213, sqlState: '40001' }),
  'mariadb 1205': Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205 }),
  'Galera 1180 at COMMIT': Object.assign(new Error('Got error 149 during COMMIT'), { errno: 1180 }),
  'Galera WSREP conflict': new Error('WSREP detected deadlock/conflict and aborted the transaction'),
  'better-sqlite3 SQLITE_BUSY_SNAPSHOT': Object.assign(new Error('database is locked'), {
    code: 'SQLITE_BUSY_SNAPSHOT',
  }),
  'wrapped in a cause': new Error('append failed', {
    cause: Object.assign(new Error('x'), { errno: 1213 }),
  }),
};

const final: Record<string, unknown> = {
  'duplicate key 1062': Object.assign(new Error('Duplicate entry'), { errno: 1062 }),
  'Prisma P2002': prismaError('P2002', { kind: 'UniqueConstraintViolation', originalCode: '1062' }),
  'connection lost (outcome unknown)': Object.assign(new Error('socket closed'), {
    code: 'ER_SOCKET_UNEXPECTED_CLOSE',
    errno: 45009,
  }),
  'plain error': new Error('folder 12 does not exist'),
  'not an error': 'string',
};

for (const [name, error] of Object.entries(retryable))
  test(`retried: ${name}`, () => assert.equal(isRetryableWriteError(error), true));
for (const [name, error] of Object.entries(final))
  test(`not retried: ${name}`, () => assert.equal(isRetryableWriteError(error), false));

test('withWriteRetry runs again after a conflict and stops at POSTROOM_DB_WRITE_RETRIES', async () => {
  process.env.POSTROOM_DB_WRITE_RETRIES = '3';
  try {
    let calls = 0;
    const value = await withWriteRetry('unit', async () => {
      if (++calls < 3) throw retryable['mariadb 1213'];
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withWriteRetry('unit', async () => {
        calls++;
        throw retryable['Prisma P2034 (MariaDB 1213)'];
      }),
    );
    assert.equal(calls, 4, 'the first try and three more');
    calls = 0;
    await assert.rejects(
      withWriteRetry('unit', async () => {
        calls++;
        throw final['duplicate key 1062'];
      }),
    );
    assert.equal(calls, 1);
  } finally {
    delete process.env.POSTROOM_DB_WRITE_RETRIES;
  }
});
