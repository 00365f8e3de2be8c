/** Types of the counter-queue API, taken from the generated OpenAPI types (src/api/schema.ts). */
import type { paths } from '../api/schema.js';

type Json<P extends keyof paths, M extends 'get' | 'post' | 'patch', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

type Body<P extends keyof paths, M extends 'post' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

export type Kiosk = Json<'/public/queue/points/{unitId}', 'get', 200>;
export type KioskGroup = Kiosk['groups'][number];
export type IssuedTicket = Json<'/public/queue/points/{unitId}/tickets', 'post', 201>;
export type Priority = NonNullable<IssuedTicket['priority']>;
export type Board = Json<'/public/queue/points/{unitId}/board', 'get', 200>;
export type BoardCall = Board['calls'][number];
export type BoardWaiting = Board['groups'];
export type Slots = Json<'/public/queue/groups/{id}/slots', 'get', 200>;
export type Booking = Json<'/public/queue/bookings/{code}', 'get', 200>;
export type NewBooking = Body<'/public/queue/bookings', 'post'>;

export type MyCounter = Json<'/queue/counters/mine', 'get', 200>;
export type Ticket = NonNullable<MyCounter['ticket']>;
export type Setup = Json<'/queue/points/{unitId}/setup', 'get', 200>;
export type Group = Setup['groups'][number];
export type Counter = Setup['counters'][number];
export type NewGroup = Body<'/queue/points/{unitId}/groups', 'post'>;
export type GroupPatch = Body<'/queue/groups/{id}', 'patch'>;
export type NewCounter = Body<'/queue/points/{unitId}/counters', 'post'>;
export type Live = Json<'/queue/points/{unitId}/live', 'get', 200>;
export type Figures = Live['figures'];
export type Staffing = Json<'/queue/planning/staffing', 'get', 200>;
export type Reallocation = Json<'/queue/planning/reallocation', 'get', 200>;
export type PlanningQuery = NonNullable<paths['/queue/planning/staffing']['get']['parameters']['query']>;
export type FollowedTicket = Json<'/public/queue/tickets/{token}', 'get', 200>;
