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

// --max-semi-space-size=2 (MiB): V8's young generation grows to 2 x 16 MiB in a busy start-up and
// stays that size, committed, in an idle process. Capped at 2 x 2 MiB, an idle worker is ~20 MiB
// smaller and each idle IMAP connection ~25 KiB (bench/imap.ts --idle 1000: 65 -> 30 KiB plain,
// 117 -> 92 KiB TLS), while a mail command's garbage still dies young (bench/imap.ts timings alike).
export const WORKER_NODE_FLAGS: readonly string[] = [
  '--always-sparkplug',
  '--max-semi-space-size=2',
  ...WASM_NODE_FLAGS,
];

// The web console (next start) serves a few people at a time: --optimize-for-size (a smaller young
// generation, less eager compilation) makes it ~25 MiB smaller when idle after its first pages.
export const WEB_NODE_FLAGS: readonly string[] = ['--optimize-for-size', ...WASM_NODE_FLAGS];
