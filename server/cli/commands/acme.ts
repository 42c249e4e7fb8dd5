// `postroom acme status` and `postroom acme renew`: what ACME is doing, and an order now (the
// running worker serves the challenge through the web app and every listener picks up the result).
import { acmeSettings, currentCertificate, readAcmeState, renewIfDue, renewalTime } from '../../acme';
import { expectArgs, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

function requireAcme() {
  const settings = acmeSettings();
  if (!settings) throw new Error('ACME is off: set POSTROOM_ACME_DIRECTORY (and POSTROOM_ACME_EMAIL)');
  return settings;
}

export const acmeCommand: CommandGroup = {
  status: {
    usage: 'status',
    async run(args) {
      expectArgs(args, 0, 'acme status');
      const settings = acmeSettings();
      const state = readAcmeState();
      const cert = currentCertificate();
      console.log(`directory:     ${settings?.directoryUrl ?? '(off: POSTROOM_ACME_DIRECTORY is not set)'}`);
      if (cert) {
        console.log(`certificate:   ${cert.names.join(', ')}`);
        console.log(`issuer:        ${cert.issuer}`);
        console.log(`valid until:   ${cert.notAfter.toISOString()}`);
        console.log(`renewal due:   ${renewalTime(cert).toISOString()}`);
      } else console.log('certificate:   none issued yet');
      if (state.lastAttemptAt) console.log(`last attempt:  ${state.lastAttemptAt}`);
      if (state.lastSuccessAt) console.log(`last success:  ${state.lastSuccessAt}`);
      if (state.lastError) console.log(`last error:    ${state.lastError}`);
    },
  },
  renew: {
    usage: 'renew [--force]',
    options: { force: { type: 'boolean' } },
    async run(args, options) {
      expectArgs(args, 0, 'acme renew [--force]');
      await ensureMigrated();
      const result = await renewIfDue(requireAcme(), Boolean(options.force));
      console.log(
        result.renewed
          ? `certificate issued; next renewal ${result.next.toISOString()}`
          : `no renewal due before ${result.next.toISOString()} (use --force)`,
      );
    },
  },
};
