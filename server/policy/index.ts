// Policy's public face: the SMTP listener, the console's rule tester and the CLI call these.
export * from './access';
export * from './access-pattern';
export * from './address';
export * from './replies';
export * from './directory';
export * from './decide';
export * from './evaluate';
export * from './dns';
export * from './mailauth';
export * from './dnsbl';
export * from './clamd';
export * from './rspamd';
