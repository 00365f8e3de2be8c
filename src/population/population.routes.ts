import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';

const Person = Type.Object({
  idNumber: Type.String(),
  name: Type.String(),
  birthDate: Type.String({ format: 'date' }),
  gender: Type.Union([Type.Literal('male'), Type.Literal('female')]),
  permanentAddress: Type.String({ description: 'Nơi thường trú' }),
  consentRef: Type.String({ description: 'The consent reference sent with the look-up and kept in the audit trail' }),
});

export async function populationRoutes(app: HttpApp, s: Services): Promise<void> {
  app.post(
    '/population/lookup',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['population'],
        security: SECURED,
        summary:
          "A person from the national population database by ID number, with the citizen's consent (clerks at the counter; audited, found or not)",
        body: Type.Object(
          {
            idNumber: Type.String({ minLength: 1, maxLength: 20, description: 'The 12-digit personal ID number (số định danh cá nhân)' }),
            consent: Type.Boolean({ description: 'The citizen agreed to the look-up: must be true' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Person, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (req) => s.population.lookup(actorOf(req), req.body),
  );
}
