// Puts a super admin (and optionally more) straight into the test database through the domain
// layer, so browser tests start signed-in-ready without the setup page.
import { addDomain, addMailbox } from '../../../server/domain';

export const SUPER = { address: 'admin@console.test', password: 'Super-Secret-2026' };

export async function seedSuperAdmin(): Promise<void> {
  await addDomain('console.test');
  await addMailbox({
    address: SUPER.address,
    password: SUPER.password,
    role: 'super',
    displayName: 'Console Admin',
  });
}
