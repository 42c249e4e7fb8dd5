// The thread behind postroom-cli.ts: loads the compiled `postroom` command once and runs each
// command it is sent through main(argv), with the given environment and standard input, its
// standard output and error captured, then wakes the waiting test thread.
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { SERVER_DIST } from '../../scripts/build-server.js';

const { port, signal } = workerData;
function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}
let main;
try {
  ({ main } = await import(pathToFileURL(join(SERVER_DIST, 'cli.js')).href));
} catch (error) {
  reply({ error: String(error?.stack ?? error) });
  throw error;
}

port.on('message', async ({ args, input, env }) => {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
  Object.defineProperty(process, 'stdin', {
    configurable: true,
    enumerable: true,
    value: Readable.from(input === undefined ? [] : [Buffer.from(input)]),
  });
  const captured = { out: [], err: [] };
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = (into) => (chunk, encoding, callback) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) queueMicrotask(done);
    return true;
  };
  process.stdout.write = capture(captured.out);
  process.stderr.write = capture(captured.err);
  let code;
  try {
    code = await main(args);
  } catch (error) {
    captured.err.push(`${error?.stack ?? error}\n`);
    code = 1;
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  }
  reply({ code, out: captured.out.join(''), err: captured.err.join('') });
});
reply({ ready: true });
