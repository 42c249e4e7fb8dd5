// Domain logic's public face: the web console, the CLI and the mail worker all call these.
export * from './errors';
export * from './names';
export { type Actor, SYSTEM_ACTOR } from './audit';
export * from './rights';
export * from './domains';
export * from './mailboxes';
export * from './aliases';
export * from './access-rules';
