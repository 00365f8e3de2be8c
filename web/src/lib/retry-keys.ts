/**
 * Idempotency-Keys for one screen's creating request (a ticket, a booking, a rating). The same request sent again
 * while its first send got no answer (a lost response, the network down, the server unavailable) keeps that send's
 * key, so the server applies it once and answers the retry with the first answer. Once a send is answered, the next
 * one is a new request with a new key: at a kiosk, the next citizen's ticket for the same group is another ticket.
 */
export function retryKeys(newKey: () => string) {
  let last: { body: string; key: string; unanswered: boolean } | null = null;
  return {
    /** The key of this send of `body`. */
    keyFor(body: unknown): string {
      const serialized = JSON.stringify(body);
      const key = last && last.unanswered && last.body === serialized ? last.key : newKey();
      last = { body: serialized, key, unanswered: true };
      return key;
    },
    /** Records the outcome of the last send: answered unless nothing (or a 5xx) came back. */
    settled(problem: { code: string; status: number } | null): void {
      if (last) last.unanswered = problem !== null && (problem.code === 'NETWORK' || problem.status >= 500);
    },
  };
}
