// V8 flags for the mail worker process. A mail client runs each kind of command only a few times
// per connection, too few for V8 to move that code beyond its bytecode interpreter, so the first
// SELECT after a large FETCH ran interpreted (bench/imap.ts: 0.1-0.3 ms behind Dovecot's).
// --always-sparkplug compiles V8's baseline machine code on a function's first call; it costs a
// little memory for code and nothing else. The benches start their servers with the same flags.
export const WORKER_NODE_FLAGS: readonly string[] = ['--always-sparkplug'];
