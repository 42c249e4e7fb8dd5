// The IMAP server (issue 4): the worker calls startImapServers().
export { startImapServers, type ImapServerOptions, type RunningImapServers } from './server';
