import type { HttpApp } from '../platform/http.js';
import type { Services } from '../services.js';
import { boardRoutes } from './board.routes.js';
import { ticketRoutes } from './ticket.routes.js';
import { bookingRoutes } from './booking.routes.js';
import { setupRoutes } from './setup.routes.js';
import { counterRoutes } from './counter.routes.js';
import { plannerRoutes } from './planner.routes.js';

/** Every counter-queue route: public kiosk, board, tickets and bookings; staff set-up, counter and planning. */
export async function queueRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  await boardRoutes(app, s);
  await ticketRoutes(app, s, perMinute);
  await bookingRoutes(app, s, perMinute);
  await setupRoutes(app, s);
  await counterRoutes(app, s);
  await plannerRoutes(app, s);
}
