import { PortalClient } from '../src/portal/portal.client.js';
import { startPortalSimulator, type PortalSimulator } from '../src/simulators/portal.simulator.js';

/** The test province's account at the portal's simulator. */
export const PORTAL_ACCOUNT = { username: 'motcua', password: 'secret-at-the-portal' };

/** A portal simulator in this process with the test province's account, and the adapter that talks to it. */
export async function startTestPortal(password = PORTAL_ACCOUNT.password): Promise<{ sim: PortalSimulator; portal: PortalClient }> {
  const sim = await startPortalSimulator({ accounts: { [PORTAL_ACCOUNT.username]: password } });
  const portal = new PortalClient({
    baseUrl: sim.url,
    authPath: '/api/auth',
    integrationPath: '/api/integration',
    username: PORTAL_ACCOUNT.username,
    password,
    unitCode: '000.00.00.H40',
    timeoutMs: 2_000,
  });
  return { sim, portal };
}
