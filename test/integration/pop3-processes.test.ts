// Two worker processes on one database: the maildrop lock holds across them (RFC 1939 section 8),
// and what one process's POP3 session deletes at QUIT is gone for the other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ALICE, createPop3World, PopWire, type Pop3World } from '../helpers/pop3';

let world: Pop3World;
let child: ChildProcess;
let childPorts: { pop3: number; pop3s: number };
const plainAuth = Buffer.from(`\0${ALICE.address}\0${ALICE.password}`).toString('base64');

before(async () => {
  world = await createPop3World();
  child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/pop3-child-server.ts'], {
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  childPorts = JSON.parse(line) as { pop3: number; pop3s: number };
});
after(async () => {
  child.stdin!.end();
  await once(child, 'exit');
  await world.close();
});

test('a session in one process locks the maildrop for the other; QUIT frees it and its deletions show', async () => {
  const here = await PopWire.open(world.servers.ports.pop3s, true);
  assert.match(await here.command(`AUTH PLAIN ${plainAuth}`), /^\+OK Logged in, 3 messages/);
  const there = await PopWire.open(childPorts.pop3s, true);
  assert.match(await there.command(`AUTH PLAIN ${plainAuth}`), /^-ERR \[IN-USE\]/);
  assert.match(await here.command('DELE 1'), /^\+OK/);
  assert.match(await here.command('QUIT'), /^\+OK Bye, 1 messages deleted/);
  // The lock is given back before "+OK Bye": the other process gets the maildrop at once.
  assert.match(await there.command(`AUTH PLAIN ${plainAuth}`), /^\+OK Logged in, 2 messages/);
  // Now the other process holds it.
  const again = await PopWire.open(world.servers.ports.pop3s, true);
  assert.match(await again.command(`AUTH PLAIN ${plainAuth}`), /^-ERR \[IN-USE\]/);
  assert.match(await there.command('QUIT'), /^\+OK/);
  again.close();
});
