// V8 flags for the mail worker process. A mail client runs each kind of command only a few times
// per connection, too few for V8 to move that code beyond its bytecode interpreter, so the first
// SELECT after a large FETCH ran interpreted (bench/imap.ts: 0.1-0.3 ms behind Dovecot's).
// --always-sparkplug compiles V8's baseline machine code on a function's first call; it costs a
// little memory for code and nothing else. The benches start their servers with the same flags.
//
// --liftoff-only: Prisma's query compiler is WebAssembly, and V8's optimising tier for it
// (TurboFan) left ~120 MiB in an idle worker and ~50 MiB in the web process (bench/startup.ts),
// while queries through Liftoff's baseline code ran as fast (0.55-0.65 ms a findFirst either way);
// the mail paths that matter use raw SQL (store/raw.ts) anyway.
export const WASM_NODE_FLAGS: readonly string[] = ['--liftoff-only'];

export const WORKER_NODE_FLAGS: readonly string[] = ['--always-sparkplug', ...WASM_NODE_FLAGS];
